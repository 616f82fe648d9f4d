import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataError } from '../../src/core/errors';
import { KernelRegressor, KernelFitEvent } from '../../src/kernels/kernel-regressor';
import { Matrix } from '../../src/linalg/matrix';
import { Rng } from '../../src/random';
import { RFM } from '../../src/rfm/rfm';

// Issue 13, item 9: data whose every pairwise distance vanishes or overflows at the bandwidth, and metrics or Gram
// matrices that are not positive semi-definite, get an error that says so (and suggests standardising).

function data(n: number, d: number, seed: number, scale: number) {
  const rng = new Rng(seed);
  const x = new Matrix(n, d);
  for (let i = 0; i < x.data.length; i++) x.data[i] = scale * rng.normal();
  const y = Matrix.column(Array.from({ length: n }, (_, i) => Math.sin(x.get(i, 0) / scale)));
  return { x, y };
}

test('item 9: X around 1e-200 (every distance underflows to 0) is an error naming the scale, for RFM and KernelRegressor', async () => {
  const { x, y } = data(30, 4, 1, 1e-200);
  const expected = (e: Error) =>
    e instanceof DataError &&
    /every pairwise distance is 0 at bandwidth 10 \(X's largest \|entry\| is .*e-200\).*all ones.*standardise X/.test(
      e.message,
    );
  await assert.rejects(new RFM({ iterations: 1 }).fit(x, y), expected);
  await assert.rejects(new KernelRegressor().fit(x, y), expected);
});

test('item 9: X around 1e200 (squared distances overflow) is an error about the scale, not about the Cholesky input', async () => {
  const { x, y } = data(30, 4, 2, 1e200);
  const expected = (e: Error) =>
    e instanceof DataError &&
    /squared distances between points overflow float64.*standardise X/.test(e.message) &&
    !/cholesky/i.test(e.message);
  await assert.rejects(new RFM({ iterations: 1 }).fit(x, y), expected);
  await assert.rejects(new RFM({ iterations: 1, form: 'dual' }).fit(x, y), expected);
  await assert.rejects(new KernelRegressor({ kernel: 'gaussian' }).fit(x, y), expected);
});

test('item 9: K(X, X) = I (bandwidth far below the distances) is a warning event; the fit goes on', async () => {
  const { x, y } = data(30, 4, 3, 1);
  const events: KernelFitEvent[] = [];
  const model = await new KernelRegressor({ bandwidth: 1e-4 }).fit(x, y, { onEvent: (e) => events.push(e) });
  assert.ok(
    events.some((e) => e.type === 'warning' && /kernel matrix is the identity.*bandwidth too small/.test(e.message)),
  );
  assert.ok(model.isFitted);
});

test('item 9: a metric M that is not positive semi-definite is rejected (-I at construction, an indefinite one at fit)', async () => {
  const minusI = [
    [-1, 0],
    [0, -1],
  ];
  assert.throws(
    () => new KernelRegressor({ metric: minusI }),
    (e: Error) => e instanceof DataError && /not positive semi-definite/.test(e.message),
  );
  assert.throws(
    () => new KernelRegressor({ metric: [1, -2] }),
    (e: Error) => e instanceof DataError && /must be >= 0/.test(e.message),
  );
  const { x, y } = data(20, 2, 4, 1);
  // Diagonal >= 0 but eigenvalues 3 and -1.
  await assert.rejects(
    new KernelRegressor({
      metric: [
        [1, 2],
        [2, 1],
      ],
    }).fit(x, y),
    (e: Error) => e instanceof DataError && /metric M is not positive semi-definite/.test(e.message),
  );
  // A PSD but singular metric is fine.
  await new KernelRegressor({
    metric: [
      [1, 1],
      [1, 1],
    ],
  }).fit(x, y);
});

test('item 9: a Gram matrix that is not positive semi-definite (or not symmetric) is rejected by RFM.fit', async () => {
  const { x, y } = data(20, 3, 5, 1);
  const g = new Matrix(20, 20);
  for (let i = 0; i < 20; i++)
    for (let j = 0; j < 20; j++) g.data[i * 20 + j] = -Math.abs(i - j) + 5 * (i === j ? 1 : 0);
  await assert.rejects(
    new RFM({ iterations: 1 }).fit({ gram: g }, y),
    (e: Error) => e instanceof DataError && /gram is not positive semi-definite/.test(e.message),
  );
  const asym = new Matrix(20, 20);
  for (let i = 0; i < 20; i++) asym.data[i * 20 + i] = 1;
  asym.data[1] = 0.5;
  await assert.rejects(
    new RFM({ iterations: 1 }).fit({ gram: asym }, y),
    (e: Error) => e instanceof DataError && /not symmetric/.test(e.message),
  );
  // X X' itself (singular: n > d) is accepted.
  const xx = new Matrix(20, 20);
  for (let i = 0; i < 20; i++)
    for (let j = 0; j < 20; j++) for (let k = 0; k < 3; k++) xx.data[i * 20 + j] += x.get(i, k) * x.get(j, k);
  await new RFM({ iterations: 1, bandwidth: 3 }).fit({ gram: xx }, y);
});
