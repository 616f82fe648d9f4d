import assert from 'node:assert/strict';
import * as os from 'node:os';
import { test } from 'node:test';
import { MemoryError } from '../../src/core/errors';
import { checkAllocation, largestFitting } from '../../src/core/memory';
import { KernelRegressor } from '../../src/kernels/kernel-regressor';
import { predictBlockRows } from '../../src/kernels/predict-blocks';
import { Matrix } from '../../src/linalg/matrix';
import { RFM } from '../../src/rfm/rfm';
import { chooseForm } from '../../src/rfm/cost-model';

// Issue 13, item 8: allocations above 256 MB are checked against an estimate first; the error gives the estimate
// and the largest n that fits, and comes before any work.

function data(n: number, d: number) {
  const x = new Matrix(n, d);
  for (let i = 0; i < x.data.length; i++) x.data[i] = Math.sin(0.7 * i);
  const y = Matrix.column(Array.from({ length: n }, (_, i) => Math.cos(i)));
  return { x, y };
}

// The exact solver is asked for: with solver 'auto' an oversize fit goes to the Nystrom solver instead (kernels/solver-choice.ts).
const refusal = (e: Error) =>
  e instanceof MemoryError &&
  /needs (about [\d.]+ GiB|one array of)/.test(e.message) &&
  /largest that fits: n <= [\d,]+ training points/.test(e.message);

test('item 8: n = 200,000 is refused up front (RFM and KernelRegressor), naming the estimate and the largest n', async () => {
  const { x, y } = data(200_000, 10);
  let t0 = performance.now();
  await assert.rejects(new RFM({ iterations: 1, solver: 'exact' }).fit(x, y), refusal);
  const rfmSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  await assert.rejects(new KernelRegressor({ solver: 'exact' }).fit(x, y), refusal);
  const krSeconds = (performance.now() - t0) / 1000;
  assert.ok(
    rfmSeconds < 1 && krSeconds < 1,
    `refused after ${rfmSeconds.toFixed(2)} s and ${krSeconds.toFixed(2)} s (load ${os.loadavg()[0].toFixed(1)})`,
  );
});

test('item 8: n = 20,000 in the dual form is refused up front when the estimate exceeds the machine', async (t) => {
  const estimate = chooseForm(
    {
      n: 20_000,
      d: 10,
      c: 1,
      sample: 20_000,
      tracked: 0,
      iterations: 1,
      dtype: 'float64',
      diagonal: false,
      normalization: 'none',
      gramOnly: false,
    },
    'dual',
  ).candidates.find((k) => k.form === 'dual')!.memoryBytes;
  const limit = Math.min(os.totalmem(), os.freemem());
  if (estimate <= limit) {
    t.skip(
      `this machine can give ${(limit / 2 ** 30).toFixed(1)} GiB, more than the dual form's ${(estimate / 2 ** 30).toFixed(1)} GiB`,
    );
    return;
  }
  const { x, y } = data(20_000, 10);
  const t0 = performance.now();
  await assert.rejects(
    new RFM({ iterations: 1, form: 'dual', solver: 'exact' }).fit(x, y),
    (e: Error) => refusal(e) && /dual/.test(e.message),
  );
  const seconds = (performance.now() - t0) / 1000;
  assert.ok(seconds < 1, `refused after ${seconds.toFixed(2)} s (load ${os.loadavg()[0].toFixed(1)})`);
});

test('item 8: the largest n in the message is the largest that passes the same check', () => {
  const memory = { free: 2 * 2 ** 30, total: 8 * 2 ** 30 };
  const bytes = (n: number) => 3 * n * n * 8;
  const limit = Math.min(memory.total, memory.free);
  const largest = largestFitting((n) => bytes(n) <= limit, 100_000);
  assert.ok(bytes(largest) <= limit && bytes(largest + 1) > limit);
  assert.throws(
    () =>
      checkAllocation(
        bytes(100_000),
        'a fit',
        (l) => `at most n = ${largestFitting((n) => bytes(n) <= l, 100_000)}`,
        memory,
      ),
    (e: Error) =>
      e instanceof MemoryError && new RegExp(`needs about 223.52 GiB.*at most n = ${largest}$`).test(e.message),
  );
  checkAllocation(bytes(largest), 'a fit', 'unused', memory);
});

test('item 8: a prediction of many points runs in blocks of rows, with the numbers of one block at a time', async () => {
  // Blocks bound the m x n kernel block whatever m is (kernels/predict-blocks.ts): 5,000 points against 2,000
  // training points are three blocks, and each block's rows must equal that block predicted alone.
  const { x, y } = data(2_000, 2);
  const points = data(5_000, 2).x;
  const rows = predictBlockRows(2_000, 2);
  assert.ok(rows < 5_000, `one block holds ${rows} rows: the test needs several`);
  const rfm = await new RFM({ iterations: 1, bandwidth: 3 }).fit(x, y);
  const kr = await new KernelRegressor({ bandwidth: 3 }).fit(x, y);
  for (const predict of [(z: Matrix) => rfm.predict(z), (z: Matrix) => kr.predict(z)]) {
    const all = await predict(points);
    for (let start = 0; start < 5_000; start += rows) {
      const idx = Array.from({ length: Math.min(rows, 5_000 - start) }, (_, i) => start + i);
      const alone = await predict(points.selectRows(idx));
      assert.deepEqual(all.data.subarray(start, start + idx.length), alone.data);
    }
  }
});
