import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { RFM } from '../../src/rfm/rfm';
import { relDiff } from './helpers';
import { SKIP_NO_REF, readRfmData, referenceFit, runReference } from './rfmdata';

/** Against the numpy reference on its own data (the study's scaling data, T = 10, L = 1, lambda = 1e-3). */

const dir = mkdtempSync(join(tmpdir(), 'rfm-ref-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function dataFor(d: number) {
  const path = join(dir, `scaling-${d}.rfmdata`);
  runReference(['gen', '--d', String(d), '--seed', '0', '--out', path]);
  const data = readRfmData(path);
  const part = (rows: number[]) => ({ X: data.X.selectRows(rows), Y: data.Y.selectRows(rows) });
  return { path, fit: part(data.fit), val: part(data.val), test: part(data.test) };
}

async function ours(
  data: ReturnType<typeof dataFor>,
  dtype: 'float64' | 'float32',
  form: 'auto' | 'primal' | 'dual-q' = 'auto',
  testEveryIteration = false,
) {
  const rfm = new RFM({ bandwidth: 1, ridge: 1e-3, iterations: 10, dtype, form });
  return rfm.fit(data.fit.X, data.fit.Y, { validation: data.val, test: data.test, testEveryIteration });
}

for (const d of [100, 1000]) {
  test(
    `float64: the numpy reference's validation and test MSE at every iteration (d = ${d})`,
    { skip: SKIP_NO_REF },
    async () => {
      const data = dataFor(d);
      const ref = referenceFit(data.path, ['--form', 'primal']);
      const rfm = await ours(data, 'float64', 'auto', true);
      assert.equal(rfm.summary.form, d < 640 ? 'primal' : 'dual-q');
      assert.equal(rfm.history.length, ref.val_mse.length);
      for (let t = 0; t < ref.val_mse.length; t++) {
        assert.ok(
          relDiff(rfm.history[t].validation!.mse, ref.val_mse[t]) < 1e-6,
          `validation MSE at ${t}: ${rfm.history[t].validation!.mse} vs ${ref.val_mse[t]}`,
        );
        assert.ok(
          relDiff(rfm.history[t].test!.mse, ref.test_mse[t]) < 1e-6,
          `test MSE at ${t}: ${rfm.history[t].test!.mse} vs ${ref.test_mse[t]}`,
        );
      }
      assert.equal(rfm.bestIteration, ref.best_iter);
    },
  );

  for (const dtype of ['float64', 'float32'] as const) {
    test(
      `${dtype}: the test set scored once after the fit gives the every-iteration MSE of the kept iteration and of t = 0 (d = ${d})`,
      { skip: SKIP_NO_REF },
      async () => {
        const data = dataFor(d);
        const every = await ours(data, dtype, 'auto', true);
        const once = await ours(data, dtype);
        assert.equal(once.summary.form, every.summary.form);
        assert.equal(once.bestIteration, every.bestIteration);
        const best = once.bestIteration;
        const tol = dtype === 'float64' ? 1e-10 : 1e-5;
        assert.ok(
          relDiff(once.history[best].test!.mse, every.history[best].test!.mse) < tol,
          `kept: ${once.history[best].test!.mse} vs ${every.history[best].test!.mse}`,
        );
        assert.ok(
          relDiff(once.history[0].test!.mse, every.history[0].test!.mse) < tol,
          `t = 0: ${once.history[0].test!.mse} vs ${every.history[0].test!.mse}`,
        );
        assert.ok(once.history.every((h, t) => (t === 0 || t === best ? h.test !== null : h.test === null)));
      },
    );
  }

  const f32Form = d < 640 ? 'primal' : 'dual-q';
  test(
    `float32 ${f32Form} picks float64's best iteration with a test MSE within 1e-3 (d = ${d})`,
    { skip: SKIP_NO_REF },
    async () => {
      const data = dataFor(d);
      const f64 = await ours(data, 'float64', f32Form);
      const f32 = await ours(data, 'float32', f32Form);
      assert.equal(f32.summary.dtype, 'float32');
      assert.equal(f32.bestIteration, f64.bestIteration);
      const best = f64.bestIteration;
      assert.ok(relDiff(f32.history[best].test!.mse, f64.history[best].test!.mse) < 1e-3);
      // Cholesky succeeded at every iteration without jitter.
      assert.ok(f32.history.every((h) => h.jitter === 0));
      const viaPredict = await f32.mse(data.test.X, data.test.Y);
      assert.ok(relDiff(viaPredict, f64.history[best].test!.mse) < 1e-3);
    },
  );
}
