import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix } from '../../src/linalg/matrix';
import { MatrixPool } from '../../src/linalg/matrix-pool';
import { NotFittedError } from '../../src/core/errors';
import { RFM, RFMOptions } from '../../src/rfm/rfm';
import { Rng } from '../../src/random';
import { gaussianMatrix, target } from './helpers';

/**
 * The dual engines give their work buffers back to a shared pool after each fit (src/linalg/matrix-pool.ts): a
 * fitted model must not hold any of them, or the next fits would overwrite it silently.
 */

test('MatrixPool: gives back a matrix of the same shape and dtype, once, within its bound', () => {
  const pool = new MatrixPool(3 * 4 * 8);
  const a = new Matrix(3, 4);
  pool.give(a);
  pool.give(a);
  assert.equal(pool.take(3, 4, 'float32') === a, false, 'a float64 matrix taken for float32');
  assert.equal(pool.take(4, 3, 'float64') === a, false, 'a 3 x 4 matrix taken for 4 x 3');
  assert.equal(pool.take(3, 4, 'float64'), a);
  assert.notEqual(pool.take(3, 4, 'float64'), a, 'given twice, taken twice');
  pool.give(new Matrix(3, 4));
  const over = new Matrix(1, 1);
  pool.give(over);
  assert.notEqual(pool.take(1, 1, 'float64'), over, 'kept beyond the bound');
});

for (const dtype of ['float64', 'float32'] as const) {
  for (const extra of [{}, { agopSampleSize: 44, seed: 2 }] as RFMOptions[]) {
    test(`dual-q, ${dtype}${extra.agopSampleSize ? ', AGOP subsample' : ''}: a model predicts the same after later fits reuse the pool`, async () => {
      const rng = new Rng(21);
      const x = gaussianMatrix(48, 70, rng, 0.3);
      const xv = gaussianMatrix(16, 70, rng, 0.3);
      const xt = gaussianMatrix(20, 70, rng, 0.3);
      const xNew = gaussianMatrix(12, 70, rng, 0.3);
      const options: RFMOptions = { bandwidth: 2, iterations: 6, form: 'dual-q', dtype, ...extra };
      const fit = (seed: number) => {
        const r = new Rng(seed);
        const yNoise = target(x);
        for (let i = 0; i < yNoise.data.length; i++) yNoise.data[i] += 0.05 * r.normal();
        return new RFM(options).fit(x, yNoise, {
          validation: { X: xv, Y: target(xv) },
          test: { X: xt, Y: target(xt) },
        });
      };
      const first = await fit(1);
      const expected = await first.predict(xNew);
      const again = await fit(1);
      assert.ok(again.bestIteration > 0, 'the kept iteration needs W of earlier iterations');
      // Other fits of the same size take the released buffers and overwrite them.
      for (const seed of [2, 3, 4]) await fit(seed);
      assert.deepEqual((await again.predict(xNew)).data, expected.data);
      assert.deepEqual(
        again.history.map((h) => h.test?.mse),
        first.history.map((h) => h.test?.mse),
      );
    });
  }
}

for (const dtype of ['float64', 'float32'] as const) {
  test(`dual-q, ${dtype}, historyOnly: the same history, no kept model, and its W log reused safely`, async () => {
    const rng = new Rng(31);
    const x = gaussianMatrix(48, 70, rng, 0.3);
    const xv = gaussianMatrix(16, 70, rng, 0.3);
    const xt = gaussianMatrix(20, 70, rng, 0.3);
    const xNew = gaussianMatrix(12, 70, rng, 0.3);
    const fit = (historyOnly: boolean) =>
      new RFM({ bandwidth: 2, iterations: 6, form: 'dual-q', dtype }).fit(x, target(x), {
        validation: { X: xv, Y: target(xv) },
        test: { X: xt, Y: target(xt) },
        historyOnly,
      });
    const full = await fit(false);
    assert.ok(full.bestIteration > 1, 'the kept iteration needs W of earlier iterations');
    const expected = await full.predict(xNew);
    const expectedBaseline = await full.predict(xNew, { baseline: true });
    const light = await fit(true);
    assert.deepEqual(
      light.history,
      full.history.map((h) => ({ ...h, seconds: light.history[h.iteration].seconds })),
    );
    assert.equal(light.bestIteration, full.bestIteration);
    await assert.rejects(light.predict(xNew), NotFittedError);
    await assert.rejects(light.materialize(), /historyOnly/);
    assert.deepEqual((await light.predict(xNew, { baseline: true })).data, expectedBaseline.data);
    // More historyOnly fits take the W log they gave back; the full model must not have shared any of it.
    for (let i = 0; i < 3; i++) await fit(true);
    const fresh = new RFM({ bandwidth: 2, iterations: 6, form: 'dual-q', dtype });
    await assert.rejects(
      fresh.fit(x, target(x), { historyOnly: 1 as unknown as boolean }),
      /historyOnly must be a boolean/,
    );
    assert.deepEqual((await full.predict(xNew)).data, expected.data);
  });
}
