import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { DataError, OptionError } from '../../src/core/errors';
import { deriveSeed } from '../../src/core/seed';
import { Matrix } from '../../src/linalg/matrix';
import { Rng } from '../../src/random';
import { RFM } from '../../src/rfm/rfm';
import { HISTORY_LIMIT } from '../../src/rfm/history';
import type { CharModel } from '../../src/text/char-model';
import { loadCorpus } from '../../src/text/corpus';
import { heldOutScore } from '../../src/text/evaluate';
import { PdfError } from '../../src/text/pdf';
import { Vocabulary } from '../../src/text/vocab';
import { makeWindows } from '../../src/text/windows';

// Issue 13, item 11: the smaller probes. (null in Y is in targets.test.ts.)

const root = path.join(__dirname, '..', '..');

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'rfm-lab-reliability-'));
}

test('item 11: a directory named x.txt is named as a directory, not a raw EISDIR', async () => {
  const dir = path.join(tmpDir(), 'x.txt');
  fs.mkdirSync(dir);
  await assert.rejects(
    loadCorpus({ path: dir }),
    (e: Error) => e instanceof DataError && /x\.txt is a directory, not a text file/.test(e.message),
  );
});

/** A one-page PDF whose only text is `text` (a content stream with one Tj), with a correct xref table. */
function onePagePdf(text: string): Buffer {
  const stream = `BT /F1 12 Tf 72 712 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) body += `${String(o).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

test('item 11: a PDF whose pages are empty or whitespace-only is called that, not "scanned"', async () => {
  const dir = tmpDir();
  for (const [name, text] of [
    ['blank.pdf', ''],
    ['spaces.pdf', '     '],
  ] as const) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, onePagePdf(text));
    await assert.rejects(
      loadCorpus({ path: file }),
      (e: Error) =>
        e instanceof PdfError &&
        e.code === 'no-text-layer' &&
        /empty or whitespace-only, not a scanned document/.test(e.message) &&
        !/looks like a scanned/.test(e.message),
    );
  }
  // The same PDF with text reads (so the fixture is a valid PDF).
  const file = path.join(dir, 'text.pdf');
  fs.writeFileSync(file, onePagePdf('It was a bright cold day in April'));
  assert.match(await loadCorpus({ path: file, clean: false }), /bright cold day/);
});

test('item 11: an unknown name in RFM_DISABLE_BACKENDS is an error, not ignored', () => {
  const run = (value: string) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', '-e', "require('./src/linalg/registry').backendInfo().then(() => console.log('ok'))"],
      {
        cwd: root,
        env: { ...process.env, RFM_DISABLE_BACKENDS: value },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
  const bad = run('natve');
  assert.notEqual(bad.status, 0);
  assert.match(
    bad.stderr,
    /RFM_DISABLE_BACKENDS: unknown backend "natve" \(the ones that can be disabled: native, tfjs\)/,
  );
  const good = run('tfjs');
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stdout, /ok/);
});

test("item 11: a non-integer seed is an error (seed 1.5 would give seed 1's stream)", () => {
  assert.throws(
    () => new Rng(1.5),
    (e: Error) => e instanceof OptionError && /seed must be an integer, got 1.5/.test(e.message),
  );
  assert.throws(
    () => new RFM({ seed: 1.5 }),
    (e: Error) => e instanceof OptionError && /seed must be an integer/.test(e.message),
  );
  assert.throws(
    () => deriveSeed(2.5, 'split'),
    (e: Error) => e instanceof OptionError && /seed must be an integer/.test(e.message),
  );
  assert.equal(new Rng(1).next(), new Rng(1).next());
});

test('item 11: a CharModel whose probabilities do not sum to 1 is not scored', async () => {
  const vocab = Vocabulary.fromText('abcab');
  const windows = makeWindows(vocab.encode('abcabcabc'), { context: 2 });
  const uniform = 1 / vocab.size;
  const model = (scale: number): CharModel => ({
    vocab,
    context: 2,
    nextDistribution: () => new Float64Array(vocab.size).fill(uniform * scale),
  });
  assert.ok(Number.isFinite((await heldOutScore(model(1), windows)).perplexity));
  await assert.rejects(
    heldOutScore(model(0.5), windows),
    (e: Error) => e instanceof DataError && /probabilities of window 0 sum to 0.5, not 1/.test(e.message),
  );
  const logs: CharModel = {
    vocab,
    context: 2,
    nextDistribution: () => new Float64Array(vocab.size),
    logProbs: (w) => new Float64Array(w.count * vocab.size).fill(Math.log(2 * uniform)),
  };
  await assert.rejects(
    heldOutScore(logs, windows),
    (e: Error) => e instanceof DataError && /logProbs: the probabilities of window 0 sum to 2/.test(e.message),
  );
});

test(`item 11: a long fit's history is bounded (${HISTORY_LIMIT} records), keeping iteration 0 and the kept one`, async () => {
  const rng = new Rng(3);
  const x = new Matrix(6, 2);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal();
  const y = Matrix.column(Array.from({ length: 6 }, (_, i) => x.get(i, 0)));
  const iterations = HISTORY_LIMIT + 200;
  const rfm = await new RFM({ bandwidth: 3, iterations, normalization: 'trace' }).fit(x, y);
  assert.equal(rfm.summary.iterationsRun, iterations + 1);
  assert.equal(rfm.history.length, HISTORY_LIMIT);
  assert.equal(rfm.summary.historyDropped, 201);
  assert.equal(rfm.history[0].iteration, 0);
  assert.equal(rfm.history[rfm.history.length - 1].iteration, iterations);
  const its = rfm.history.map((r) => r.iteration);
  assert.ok(
    its.every((t, i) => i === 0 || t > its[i - 1]),
    'in order',
  );
});
