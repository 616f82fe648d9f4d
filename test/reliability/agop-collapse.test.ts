import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix } from '../../src/linalg/matrix';
import { Rng } from '../../src/random';
import { RFM, RFMEvent } from '../../src/rfm/rfm';

// Issue 13, item 2: a collapsed AGOP stops the fit with an event naming the iteration and the likely cause, and the
// kept model is the best earlier one (never the constant predictor, never NaN).

function data(n: number, d: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Matrix(n, d);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal();
  const y = Matrix.column(Array.from({ length: n }, (_, i) => x.get(i, 0) * x.get(i, 1) + x.get(i, 2)));
  return { x, y };
}

const cases = [
  { kernel: 'laplace', bandwidth: 1e-3, normalization: 'none', form: 'primal' },
  { kernel: 'gaussian', bandwidth: 0.01, normalization: 'none', form: 'primal' },
  { kernel: 'laplace', bandwidth: 1e-3, normalization: 'max', form: 'primal' },
  { kernel: 'laplace', bandwidth: 1e-3, normalization: 'trace', form: 'primal' },
  { kernel: 'laplace', bandwidth: 1e-3, normalization: 'trace', form: 'dual' },
  { kernel: 'laplace', bandwidth: 1e-3, normalization: 'none', form: 'dual-q' },
] as const;

for (const c of cases) {
  test(`item 2: ${c.kernel} L = ${c.bandwidth}, normalization ${c.normalization}, ${c.form}: stops at iteration 0 with an event, keeps iteration 0`, async () => {
    const { x, y } = data(50, 5, 1);
    const events: RFMEvent[] = [];
    const rfm = await new RFM({ ...c, iterations: 4 }).fit(x, y, { onEvent: (e) => events.push(e) });
    const degenerate = events.find((e) => e.type === 'degenerate');
    assert.ok(degenerate && degenerate.type === 'degenerate', 'a degenerate event');
    assert.equal(degenerate.iteration, 0);
    assert.equal(degenerate.kept, 0);
    assert.match(
      degenerate.message,
      /iteration 0: the AGOP update .* is all zero.*bandwidth is too small for the data's scale/,
    );
    assert.ok(
      events.some((e) => e.type === 'warning' && /kernel matrix is the identity/.test(e.message)),
      'the data-scale warning at iteration 0',
    );
    assert.equal(rfm.bestIteration, 0);
    assert.equal(rfm.history.length, 1);
    assert.ok(
      rfm.history[0].train.mse < 1e-5,
      'the kept model is iteration 0 (train MSE about 1e-6), not the constant',
    );
    assert.match(rfm.summary.stopReason, /AGOP update .* is all zero/);
    const pred = await rfm.predict(x);
    assert.ok(pred.data.every(Number.isFinite));
  });
}

test('item 2: a collapse after learning (Gaussian, L = 1, M_1 large, M_2 about 0) keeps the best earlier iteration', async () => {
  const { x, y } = data(50, 5, 1);
  for (let i = 0; i < y.data.length; i++) y.data[i] *= 30;
  const events: RFMEvent[] = [];
  const rfm = await new RFM({ kernel: 'gaussian', bandwidth: 1, iterations: 8 }).fit(x, y, {
    onEvent: (e) => events.push(e),
  });
  const degenerate = events.find((e) => e.type === 'degenerate');
  assert.ok(degenerate && degenerate.type === 'degenerate');
  assert.equal(degenerate.iteration, 2);
  assert.match(
    degenerate.message,
    /iteration 2: every pairwise distance under M_2 is 0.*AGOP collapsed.*bandwidth is too small/,
  );
  // Without validation data the kept iteration is the last one fitted before the collapse, not the constant.
  assert.equal(rfm.bestIteration, 1);
  assert.equal(rfm.history.length, 2);
  const pred = await rfm.predict(x);
  let mse = 0;
  for (let i = 0; i < pred.rows; i++) mse += (pred.data[i] - y.data[i]) ** 2 / pred.rows;
  assert.ok(mse < 0.01, `train MSE of the kept model ${mse}`);
  // With validation data, the best of iterations 0 and 1 by validation MSE.
  const v = data(20, 5, 3);
  for (let i = 0; i < v.y.data.length; i++) v.y.data[i] *= 30;
  const validated = await new RFM({ kernel: 'gaussian', bandwidth: 1, iterations: 8 }).fit(x, y, {
    validation: { X: v.x, Y: v.y },
  });
  const h = validated.history;
  assert.equal(h.length, 2);
  assert.equal(validated.bestIteration, h[1].validation!.mse < h[0].validation!.mse ? 1 : 0);
});
