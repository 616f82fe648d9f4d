import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CancelledError, MemoryError } from '../../src/core/errors';
import { Matrix } from '../../src/linalg/matrix';
import { RFM } from '../../src/rfm/rfm';
import { Rng } from '../../src/random';
import { gaussianMatrix, matrixRelDiff, target } from './helpers';

/** The RFM's Nystrom solver through the public API (the engine's equivalence with C = X: nystrom-engine.test.ts). */

const rng = new Rng(3);
const x = gaussianMatrix(300, 8, rng);
const y = target(x, 2);
const xv = gaussianMatrix(80, 8, rng);
const yv = target(xv, 2);
const OPTIONS = { bandwidth: 4, ridge: 1e-2, iterations: 3, agopSampleSize: 300 } as const;

test('RFM with solver nystrom and m = n equals the exact RFM (history, kept M, predictions)', async () => {
  const exact = await new RFM({ ...OPTIONS, solver: 'exact' }).fit(x, y, { validation: { X: xv, Y: yv } });
  const nystrom = await new RFM({ ...OPTIONS, solver: 'nystrom', nystrom: { centres: 300, method: 'direct' } }).fit(
    x,
    y,
    { validation: { X: xv, Y: yv } },
  );
  assert.equal(exact.summary.solver?.solver, 'exact');
  assert.equal(nystrom.summary.solver?.solver, 'nystrom');
  assert.match(nystrom.summary.solver!.reason, /requested/);
  assert.equal(nystrom.bestIteration, exact.bestIteration);
  for (let t = 0; t <= 3; t++) {
    const a = exact.history[t].validation!.mse;
    const b = nystrom.history[t].validation!.mse;
    assert.ok(Math.abs(a - b) < 1e-8 * a, `t = ${t}: validation MSE ${a} vs ${b}`);
  }
  assert.ok(matrixRelDiff(await nystrom.featureMatrix(), await exact.featureMatrix()) < 1e-8);
  assert.ok(matrixRelDiff(await nystrom.predict(xv), await exact.predict(xv)) < 1e-8);
});

test('RFM Nystrom on one-hot codes with fewer centres: learns, serialises, reports progress', async () => {
  const r = new Rng(5);
  const n = 1200;
  const w = 6;
  const codes = Int32Array.from({ length: n * w }, () => r.int(5));
  // The label is the symbol at position 2: a diagonal M should put its weight on that position's columns.
  const labels = Int32Array.from({ length: n }, (_, i) => codes[i * w + 2]);
  const input = { oneHot: { codes, width: w, vocabulary: 5 } };
  const progress: string[] = [];
  const model = await new RFM({
    bandwidth: 3,
    ridge: 1e-3,
    iterations: 2,
    diagonal: true,
    normalization: 'trace',
    solver: 'nystrom',
    nystrom: { centres: 200, blockRows: 500, method: 'direct' },
  }).fit(input, labels, {
    onProgress: (p) => progress.push(`${p.stage} ${p.done}/${p.total}`),
  });
  assert.equal(model.summary.solver?.nystrom?.centres, 200);
  assert.equal(model.summary.agopSampleSize, 1200);
  assert.deepEqual(progress.slice(0, 3), ['blocks 1/3', 'blocks 2/3', 'blocks 3/3']);
  const m = await model.featureMatrix();
  let onPosition = 0;
  let total = 0;
  for (let p = 0; p < w * 5; p++) {
    total += m.get(p, p);
    if (Math.floor(p / 5) === 2) onPosition += m.get(p, p);
  }
  assert.ok(onPosition / total > 0.5, `M's weight on the label's position: ${(onPosition / total).toFixed(3)}`);
  const restored = RFM.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
  // The file holds the centres as a dense matrix (serialize.ts), so the products round differently in the last bits.
  assert.ok(matrixRelDiff(await restored.predict(input), await model.predict(input)) < 1e-12);
});

test('RFM: an oversize exact fit is refused in under a second; auto falls back to Nystrom and says why', async () => {
  const n = 120000;
  const big = new Matrix(n, 2);
  const labels = new Float64Array(n);
  const started = performance.now();
  await assert.rejects(
    new RFM({ solver: 'exact', iterations: 1 }).fit(big, labels),
    (e: Error) => e instanceof MemoryError && /largest that fits: n <= [\d,]+/.test(e.message),
  );
  assert.ok((performance.now() - started) / 1000 < 1);
  for (let i = 0; i < n; i++) {
    big.data[2 * i] = rng.normal();
    big.data[2 * i + 1] = rng.normal();
    labels[i] = Math.sin(big.data[2 * i]);
  }
  const controller = new AbortController();
  const fit = new RFM({ iterations: 1, nystrom: { centres: 50 } }).fit(big, labels, {
    signal: controller.signal,
    onProgress: () => controller.abort(),
  });
  await assert.rejects(fit, (e: Error) => e instanceof CancelledError);
  const model = await new RFM({ iterations: 1, nystrom: { centres: 50 }, agopSampleSize: 500 }).fit(big, labels);
  assert.equal(model.summary.solver?.solver, 'nystrom');
  assert.match(model.summary.solver!.reason, /auto: the exact solver would not fit/);
});
