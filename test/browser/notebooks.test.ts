import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { findChromium, launchChromium } from '../../src/plot/chromium';
import { availableApp, driver, ROOT, startServer, type App, type Server } from './jupyter';

/**
 * The notebooks in a real front end, driven by headless Chromium: JupyterLab where it is installed, else the classic
 * notebook (what CI has). Charts survive a reload and a reopen of the saved file, Interrupt stops a running scaling
 * test, and 02's tables show every row. Quick mode (RFM_QUICK=1) keeps it to a few minutes.
 */

function unavailable(): string | false {
  try {
    findChromium();
  } catch (e) {
    return `no Chromium: ${(e as Error).message}`;
  }
  const app = availableApp();
  return typeof app === 'string' ? false : app.missing;
}

const skip = unavailable();
if (skip) console.log(`# browser tests skipped: ${skip}`);

// Copies of the notebooks under the project root (the server's root, so that charts can fetch plotly.js from
// node_modules/), removed at the end; outputs and Jupyter's state go to a scratch folder inside it too.
const work = join(ROOT, `browser-test-${process.pid}`);
const rel = (name: string) => `browser-test-${process.pid}/${name}`;
let server: Server | undefined;
let browser: Browser | undefined;

interface Notebook {
  cells: {
    cell_type: string;
    source: string | string[];
    metadata: object;
    outputs?: unknown[];
    execution_count?: number | null;
    id?: string;
  }[];
}

function copyNotebook(name: string, extraCells: string[] = []): void {
  const nb = JSON.parse(readFileSync(join(ROOT, 'notebooks', name), 'utf8')) as Notebook;
  extraCells.forEach((source, i) =>
    nb.cells.push({
      cell_type: 'code',
      id: `browser-test-${i}`,
      metadata: {},
      execution_count: null,
      outputs: [],
      source,
    }),
  );
  writeFileSync(join(work, name), JSON.stringify(nb, null, 1));
}

function codeCellIndex(name: string, startsWith: string): number {
  const nb = JSON.parse(readFileSync(join(work, name), 'utf8')) as Notebook;
  const index = nb.cells.findIndex(
    (c) => c.cell_type === 'code' && (Array.isArray(c.source) ? c.source.join('') : c.source).startsWith(startsWith),
  );
  assert.ok(index >= 0, `no cell of ${name} starts with ${startsWith}`);
  return index;
}

// A heatmap large enough to travel as binary (base64 float32) cells in its output.
const BINARY_HEATMAP =
  'import { heatmap } from "./src/plot/figures";\nshow(heatmap({ title: "binary cells", z: Array.from({ length: 30 }, (_, i) => Array.from({ length: 30 }, (_, j) => Math.sin(i + j / 7))) }));';
// A longer scaling run than quick mode's, to interrupt; it replaces `result` only if it finishes.
const LONG_RUN =
  'const result = await runScalingTest({ ...config, trials: 40, dims: [10, 50, 100, 300, 700, 1000] }, { onProgress: progressLine({ title: "long run", everyMs: 100 }), signal: cellSignal() });';
const CHECK_RESULT = 'console.log(`result: ${result.config.trials} trials`);';

before(async () => {
  if (skip) return;
  mkdirSync(work, { recursive: true });
  copyNotebook('01-scaling-test.ipynb', [BINARY_HEATMAP, LONG_RUN, CHECK_RESULT]);
  copyNotebook('02-text-1984.ipynb');
  const app = availableApp();
  server = await startServer(app as App, join(work, 'scratch'));
  const frontEnd = { lab: 'JupyterLab', notebook7: 'Notebook 7', notebook: 'the classic notebook' }[server.app];
  console.log(`# browser tests in ${frontEnd}`);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function newPage() {
  const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 } });
  return context.newPage();
}

test(
  '01 in the browser: charts after Run All, after a reload, after rerunning one chart cell and in the reopened file; Interrupt stops the scaling test',
  { skip, timeout: 600_000 },
  async (t) => {
    const name = '01-scaling-test.ipynb';
    const charts = 4; // the notebook's three and the binary heatmap
    const page = await newPage();
    const nb = driver(page, server!);
    await nb.open(rel(name));

    // Run All: the last cells start the long run, which the test interrupts once it reports progress.
    const longRun = codeCellIndex(name, LONG_RUN);
    await nb.runAll();
    const deadline = Date.now() + 300_000;
    while (!/long run: \[[#.]+\] [1-9]/.test(await nb.outputText(longRun))) {
      assert.ok(Date.now() < deadline, `the long run never reported progress:\n${await nb.outputText(longRun)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(await nb.chartCount(), charts, 'every chart drawn after Run All');
    assert.equal(await nb.toolbarOverTitle(), 0, 'no toolbar over a title');
    const cell = (await page.evaluate(`(() => {
    const gd = [...document.querySelectorAll('.rfm-plot.js-plotly-plot')].find((g) => g.layout.title && g.layout.title.text === 'binary cells');
    return gd ? gd.calcdata[0][0].z[2][14] : null;
  })()`)) as number | null;
    assert.ok(cell !== null && Math.abs(cell - Math.sin(2 + 14 / 7)) < 2e-4, `binary heatmap cell z[2][14] = ${cell}`);

    const interruptedAt = Date.now();
    await nb.interrupt();
    while (await nb.cellRunning(longRun)) {
      assert.ok(Date.now() - interruptedAt < 2000, 'the interrupted cell ended within 2 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const stopped = await nb.outputText(longRun);
    t.diagnostic(`the interrupted cell ended ${Date.now() - interruptedAt} ms after Interrupt`);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await nb.outputText(longRun), stopped, 'no progress after the interrupt');
    assert.match(
      stopped,
      /Interrupted: the scaling test was cancelled \(at long run: .*\)\. Results from before this run are unchanged\./,
    );
    assert.match(stopped, /interrupted here/, 'the progress line says where it stopped');

    // Run All stopped at the interrupted cell; the earlier result is intact.
    const check = codeCellIndex(name, CHECK_RESULT);
    await nb.runCell(check);
    await nb.waitIdle(60_000);
    assert.match(
      await nb.outputText(check),
      /result: 2 trials/,
      "the quick run's result, not a half-finished long one",
    );

    await nb.save();
    await page.reload();
    await nb.open(rel(name));
    await waitForCharts(nb, charts, 'after a reload');

    await nb.runCell(codeCellIndex(name, 'const mseFigure'));
    await nb.waitIdle(60_000);
    await waitForCharts(nb, charts, 'after rerunning one chart cell');
    await nb.save();

    const size = statSync(join(work, name)).size;
    assert.ok(size < 1_000_000, `the saved notebook is ${size} bytes`);
    t.diagnostic(`saved ${name}: ${size} bytes`);

    const fresh = await newPage();
    const reopened = driver(fresh, server!);
    await reopened.open(rel(name));
    await waitForCharts(reopened, charts, 'in the saved file opened in a new browser');
    await fresh.context().close();
    await page.context().close();
  },
);

async function waitForCharts(nb: ReturnType<typeof driver>, expected: number, when: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let count = await nb.chartCount();
  while (count < expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    count = await nb.chartCount();
  }
  assert.equal(count, expected, `charts drawn ${when}`);
}

test('02 in the browser: every row of every table shows', { skip, timeout: 600_000 }, async () => {
  const name = '02-text-1984.ipynb';
  const page = await newPage();
  const nb = driver(page, server!);
  await nb.open(rel(name));
  await nb.runAll();
  await nb.waitIdle(480_000);
  const tables = (await page.evaluate(`document.querySelectorAll('.rfm-plot .table').length`)) as number;
  assert.ok(tables >= 2, `${tables} tables drawn`);
  assert.equal(await nb.hiddenTablePixels(), 0, 'no table needs scrolling');
  assert.equal(await nb.toolbarOverTitle(), 0, 'no toolbar over a title');
  const text = (await page.evaluate(
    `[...document.querySelectorAll('.rfm-plot .table')].map((t) => t.textContent).join(' ')`,
  )) as string;
  for (const model of ['n-gram', 'Laplace', 'RFM']) assert.ok(text.includes(model), `${model} in the tables`);
  await page.context().close();
});
