import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConcurrentFitError, ShapeError } from '../../src/core/errors';
import { KernelRegressor } from '../../src/kernels/kernel-regressor';
import { Matrix } from '../../src/linalg/matrix';
import { Rng } from '../../src/random';
import { RFM } from '../../src/rfm/rfm';

// Issue 13, items 6 and 7: a fit is atomic, and one instance runs one fit at a time.

function points(n: number, d: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const x = new Matrix(n, d);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal();
  return x;
}

test('item 6: a KernelRegressor fit that fails in its validation step keeps the previous model and temperature', async () => {
  const x = points(40, 3, 1);
  const labels = Int32Array.from({ length: 40 }, (_, i) => (x.get(i, 0) > 0 ? 1 : 0));
  const xv = points(20, 3, 2);
  const yv = Int32Array.from({ length: 20 }, (_, i) => (xv.get(i, 0) > 0 ? 1 : 0));
  const model = await new KernelRegressor({ bandwidth: 3 }).fit(x, labels, { validation: { X: xv, Y: yv } });
  const before = await model.predict(xv);
  const temperature = model.temperature;
  assert.notEqual(temperature, 1);
  const other = points(30, 3, 3);
  const otherLabels = Int32Array.from({ length: 30 }, (_, i) => (other.get(i, 1) > 0 ? 1 : 0));
  // Validation X with 2 features: the fit fails after the solve, in the temperature step.
  await assert.rejects(model.fit(other, otherLabels, { validation: { X: points(20, 2, 4), Y: yv } }), ShapeError);
  assert.equal(model.temperature, temperature);
  assert.deepEqual(Array.from((await model.predict(xv)).data), Array.from(before.data));
});

test('item 7: a second fit on one RFM while the first runs is rejected; the first result stands', async () => {
  const x = points(60, 4, 5);
  const y = Matrix.column(Array.from({ length: 60 }, (_, i) => x.get(i, 0) * x.get(i, 1)));
  const rfm = new RFM({ bandwidth: 5, iterations: 4 });
  const first = rfm.fit(x, y);
  const second = rfm.fit(points(10, 4, 6), Matrix.column(new Array(10).fill(1)));
  await assert.rejects(second, (e: Error) => e instanceof ConcurrentFitError && /already being fitted/.test(e.message));
  await first;
  assert.equal(rfm.history.length, 5);
  const reference = await new RFM({ bandwidth: 5, iterations: 4 }).fit(x, y);
  assert.deepEqual(Array.from((await rfm.predict(x)).data), Array.from((await reference.predict(x)).data));
  // Once the first fit is done, fitting again is fine.
  await rfm.fit(points(10, 4, 6), Matrix.column(new Array(10).fill(1)));
  assert.equal((await rfm.predict(points(2, 4, 7))).rows, 2);
});

test('item 7: the same for KernelRegressor; a failed fit releases the instance', async () => {
  const x = points(30, 2, 8);
  const y = Matrix.column(Array.from({ length: 30 }, (_, i) => x.get(i, 0)));
  const model = new KernelRegressor({ bandwidth: 3 });
  const first = model.fit(x, y);
  await assert.rejects(model.fit(x, y), ConcurrentFitError);
  await first;
  await assert.rejects(model.fit(x, Matrix.column([1, 2])), ShapeError);
  await model.fit(x, y);
});
