import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataError, OptionError } from '../../src/core/errors';
import { KernelRegressor } from '../../src/kernels/kernel-regressor';
import { Matrix } from '../../src/linalg/matrix';
import { Rng } from '../../src/random';
import { RFM } from '../../src/rfm/rfm';

// Issue 13, item 1 (integer-valued targets are regression unless the labels say otherwise) and item 11 (null in Y).

function points(n: number, d: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const x = new Matrix(n, d);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal();
  return x;
}

test('item 1: a constant integer target is regressed, not classified (the prediction is 3, not a class score)', async () => {
  const x = points(30, 3, 1);
  const rfm = await new RFM({ bandwidth: 5, iterations: 2 }).fit(
    x,
    Array.from({ length: 30 }, () => 3),
  );
  assert.equal(rfm.summary.task, 'regression');
  const pred = await rfm.predict(points(5, 3, 2));
  assert.equal(pred.cols, 1);
  for (const v of pred.data) assert.ok(Math.abs(v - 3) < 0.05, `predicted ${v}, expected about 3`);
});

test('item 1: Math.round(100 * y) gives one regression output, not one column per distinct value', async () => {
  const x = points(40, 3, 3);
  const y = Array.from({ length: 40 }, (_, i) => Math.round(100 * Math.sin(x.get(i, 0))));
  const rfm = await new RFM({ bandwidth: 5, iterations: 1 }).fit(x, y);
  assert.equal(rfm.summary.task, 'regression');
  assert.equal((await rfm.predict(x)).cols, 1);
  const krr = await new KernelRegressor({ bandwidth: 5 }).fit(x, y);
  assert.equal((await krr.predict(x)).cols, 1);
  assert.equal(krr.classes, undefined);
});

test('item 1: labels in an Int32Array (or task: classification) still classify', async () => {
  const x = points(40, 3, 4);
  const labels = Int32Array.from({ length: 40 }, (_, i) => (x.get(i, 0) > 0 ? 1 : 0));
  const auto = await new RFM({ bandwidth: 5, iterations: 1 }).fit(x, labels);
  assert.equal(auto.summary.task, 'classification');
  assert.deepEqual(auto.classes, [0, 1]);
  const said = await new KernelRegressor({ bandwidth: 5, task: 'classification' }).fit(x, Array.from(labels));
  assert.deepEqual(said.classes, [0, 1]);
});

test('item 1: string labels get an error that says how to pass them', async () => {
  const x = points(4, 2, 5);
  await assert.rejects(
    new RFM().fit(x, ['a', 'b', 'a', 'b'] as never),
    (e: Error) => e instanceof OptionError && /Int32Array/.test(e.message),
  );
});

test('item 11: null in Y (or in a row of X) is named, not a TypeError or a silent 0', async () => {
  const x = points(4, 2, 6);
  await assert.rejects(
    new RFM().fit(x, [1, null, 2, 3] as never),
    (e: Error) => e instanceof DataError && /Y: expected a number at index 1, got null/.test(e.message),
  );
  await assert.rejects(
    new RFM().fit(x, [null, 1, 2, 3] as never),
    (e: Error) => e instanceof DataError && /index 0, got null/.test(e.message),
  );
  await assert.rejects(
    new KernelRegressor().fit(x, [[1], [2], [null], [3]] as never),
    (e: Error) => e instanceof DataError && /Y: expected a number at row 2, column 0, got null/.test(e.message),
  );
  await assert.rejects(
    new RFM().fit(
      [
        [1, 2],
        [3, null],
      ] as never,
      [1, 2],
    ),
    (e: Error) => e instanceof DataError && /X: expected a number at row 1, column 1/.test(e.message),
  );
});
