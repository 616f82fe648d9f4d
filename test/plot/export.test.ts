import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExporter, exportFigure, exportFigures } from '../../src/plot/export';
import { findChromium } from '../../src/plot/chromium';
import { bars, heatmap, table } from '../../src/plot/figures';

const dir = mkdtempSync(join(tmpdir(), 'rfm-plot-export-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const fig = bars({ title: 'accuracy', categories: ['RFM', 'kernel'], series: [{ name: 'acc', values: [0.9, 0.8] }] });

function chromiumMissing(): string | false {
  try {
    findChromium();
    return false;
  } catch (e) {
    return `no Chromium: ${(e as Error).message}`;
  }
}

function withEnv<T>(name: string, value: string, run: () => Promise<T>): Promise<T> {
  const saved = process.env[name];
  process.env[name] = value;
  return run().finally(() => {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  });
}

test('HTML export writes a standalone page without a browser', async () => {
  const path = await withEnv('CHROMIUM_PATH', '/nonexistent/chromium', () =>
    exportFigure(fig, join(dir, 'sub', 'figure.html')),
  );
  assert.equal(path, join(dir, 'sub', 'figure.html'), 'creates missing directories, returns the absolute path');
  const html = readFileSync(path, 'utf8');
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(html.includes('Plotly.newPlot'));
});

test('the format comes from the extension, and an unknown one is named', async () => {
  await assert.rejects(
    exportFigure(fig, join(dir, 'figure.jpg')),
    /cannot tell the format of '.*figure\.jpg'; name it \.png, \.svg or \.html/,
  );
});

test('PNG export without a browser says which path was tried and how to get one', async () => {
  await withEnv('CHROMIUM_PATH', '/nonexistent/chromium', async () => {
    await assert.rejects(exportFigure(fig, join(dir, 'figure.png')), (e: Error) => {
      assert.match(e.message, /CHROMIUM_PATH=\/nonexistent\/chromium/);
      assert.match(e.message, /apt-get install chromium/);
      return true;
    });
  });
});

test(
  'PNG and SVG export through headless Chromium, one browser for several figures',
  { skip: chromiumMissing() },
  async () => {
    const exporter = createExporter();
    try {
      const png = readFileSync(
        await exporter.export(fig, join(dir, 'figure.png'), { width: 640, height: 400, scale: 2 }),
      );
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
      assert.equal(png.readUInt32BE(16), 1280, 'IHDR width = width * scale');
      assert.equal(png.readUInt32BE(20), 800, 'IHDR height = height * scale');

      const svg = readFileSync(
        await exporter.export(
          heatmap({
            z: [
              [1, 0],
              [0, 1],
            ],
            title: 'M',
          }),
          join(dir, 'm.svg'),
        ),
        'utf8',
      );
      assert.match(svg, /<svg/);
      assert.ok(svg.includes('>M<'), 'the title is drawn');
    } finally {
      await exporter.close();
    }
  },
);

test(
  'exportFigures writes reports/<notebook>/<figure>.<format> and names a bad figure name',
  { skip: chromiumMissing() },
  async () => {
    const out = join(dir, 'reports');
    await withEnv('RFM_REPORTS_DIR', out, () =>
      exportFigures({ accuracy: fig }, '01-test', { formats: ['png', 'html'] }),
    );
    assert.deepEqual(readdirSync(join(out, '01-test')).sort(), ['accuracy.html', 'accuracy.png']);
    const png = readFileSync(join(out, '01-test', 'accuracy.png'));
    assert.equal(png.readUInt32BE(16), 2 * 900, 'PNG at 2x by default');
    await assert.rejects(exportFigures({ 'a/b': fig }, '01-test'), /figure name "a\/b" cannot be a file name/);
  },
);

test(
  'an exported table shows every row: the image grows when plotly needs more height than estimated',
  { skip: chromiumMissing() },
  async () => {
    const rows = Array.from({ length: 12 }, (_, i) => [`model ${i}`, i / 7, 'x']);
    const fig = table({ title: 'twelve rows', columns: ['model', 'score', 'note'], rows });
    // A layout far too short for twelve rows, as a wrong estimate would give.
    const short = { ...fig, layout: { ...fig.layout, height: 150 } };
    const exporter = createExporter();
    try {
      const png = readFileSync(await exporter.export(short, join(dir, 'table.png'), { scale: 2 }));
      assert.ok(
        png.readUInt32BE(20) >= 2 * (fig.layout.height as number) - 8,
        `height ${png.readUInt32BE(20)} px holds all ${rows.length} rows`,
      );
      const exact = readFileSync(await exporter.export(fig, join(dir, 'table-exact.png'), { scale: 2 }));
      assert.equal(
        exact.readUInt32BE(20),
        2 * (fig.layout.height as number),
        'the estimate is already tall enough: no growth',
      );
    } finally {
      await exporter.close();
    }
  },
);
