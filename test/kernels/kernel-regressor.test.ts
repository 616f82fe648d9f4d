import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OptionError, ShapeError } from '../../src/core/errors';
import { Matrix } from '../../src/linalg/matrix';
import { KernelRegressor } from '../../src/kernels/kernel-regressor';
import { labelIndices, oneHot, resolveTask } from '../../src/kernels/targets';
import { fitTemperature, meanNegativeLogLikelihood } from '../../src/kernels/temperature';
import { Rng } from '../../src/random';

function gaussian(rows: number, cols: number, rng: Rng): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal();
  return m;
}

/** alpha = (K + lambda I)^-1 Y by Gaussian elimination, K by the direct formula: the oracle. */
function directKrr(
  x: Matrix,
  y: Matrix,
  z: Matrix,
  k: (a: ArrayLike<number>, b: ArrayLike<number>) => number,
  ridge: number,
): Matrix {
  const n = x.rows;
  const c = y.cols;
  const a = Array.from({ length: n }, (_, i) => [
    ...Array.from({ length: n }, (_, j) => k(x.row(i), x.row(j)) + (i === j ? ridge : 0)),
    ...Array.from(y.row(i)),
  ]);
  for (let p = 0; p < n; p++) {
    for (let i = p + 1; i < n; i++) {
      const f = a[i][p] / a[p][p];
      for (let j = p; j < n + c; j++) a[i][j] -= f * a[p][j];
    }
  }
  const alpha = new Matrix(n, c);
  for (let i = n - 1; i >= 0; i--) {
    for (let q = 0; q < c; q++) {
      let s = a[i][n + q];
      for (let j = i + 1; j < n; j++) s -= a[i][j] * alpha.get(j, q);
      alpha.set(i, q, s / a[i][i]);
    }
  }
  const out = new Matrix(z.rows, c);
  for (let i = 0; i < z.rows; i++)
    for (let q = 0; q < c; q++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += k(z.row(i), x.row(j)) * alpha.get(j, q);
      out.set(i, q, s);
    }
  return out;
}

const kernels = {
  laplace: (a: ArrayLike<number>, b: ArrayLike<number>) =>
    Math.exp(-Math.sqrt(Array.from(a).reduce((s, v, i) => s + (v - b[i]) ** 2, 0)) / 3),
  gaussian: (a: ArrayLike<number>, b: ArrayLike<number>) =>
    Math.exp(-Array.from(a).reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / 9),
  'l1-laplacian': (a: ArrayLike<number>, b: ArrayLike<number>) =>
    Math.exp(-Array.from(a).reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / 3),
};

for (const name of ['laplace', 'gaussian', 'l1-laplacian'] as const) {
  test(`KernelRegressor (${name}) matches kernel ridge regression solved directly, multi-output`, async () => {
    const rng = new Rng(4);
    const x = gaussian(30, 4, rng);
    const y = gaussian(30, 2, rng);
    const z = gaussian(8, 4, rng);
    const model = await new KernelRegressor({ kernel: name, bandwidth: 3, ridge: 1e-2 }).fit(x, y);
    const p = await model.predict(z);
    const e = directKrr(x, y, z, kernels[name], 1e-2);
    for (let i = 0; i < p.data.length; i++) assert.ok(Math.abs(p.data[i] - e.data[i]) < 1e-9);
    // score is R^2 (uniform over outputs), here of the oracle's fitted values.
    const fitted = directKrr(x, y, x, kernels[name], 1e-2);
    let r2 = 0;
    for (let q = 0; q < 2; q++) {
      let mean = 0;
      for (let i = 0; i < 30; i++) mean += y.get(i, q) / 30;
      let res = 0;
      let tot = 0;
      for (let i = 0; i < 30; i++) {
        res += (y.get(i, q) - fitted.get(i, q)) ** 2;
        tot += (y.get(i, q) - mean) ** 2;
      }
      r2 += (1 - res / tot) / 2;
    }
    assert.ok(Math.abs((await model.score(x, y)) - r2) < 1e-9);
    const back = KernelRegressor.fromJSON(JSON.stringify(model));
    assert.deepEqual((await back.predict(z)).data, p.data);
    assert.deepEqual((await KernelRegressor.fromBinary(model.toBinary()).predict(z)).data, p.data);
  });
}

test('KernelRegressor classification: labels, one-hot targets, calibrated probabilities', async () => {
  const rng = new Rng(6);
  const make = (rows: number) => {
    const x = gaussian(rows, 3, rng);
    return { X: x, Y: Int32Array.from({ length: rows }, (_, i) => (x.get(i, 0) > 0 ? 7 : 3)) };
  };
  const train = make(60);
  const val = make(40);
  const model = await new KernelRegressor({ bandwidth: 3 }).fit(train.X, train.Y, { validation: val });
  assert.deepEqual(model.classes, [3, 7]);
  const acc = await model.score(val.X, val.Y);
  assert.ok(acc > 0.8);
  const scores = await model.predict(val.X);
  const idx = labelIndices(Array.from(val.Y), [3, 7]);
  const tau = model.temperature!;
  // The fitted temperature minimises the validation NLL.
  const nll = meanNegativeLogLikelihood(scores, idx, tau);
  for (const f of [0.5, 0.8, 1.25, 2]) assert.ok(nll <= meanNegativeLogLikelihood(scores, idx, tau * f) + 1e-12);
  assert.ok(Math.abs(fitTemperature(scores, idx).temperature - tau) < 1e-12);
  const proba = await model.predictProba(val.X);
  assert.ok(Math.abs(proba.row(0)[0] + proba.row(0)[1] - 1) < 1e-12);
  assert.deepEqual(await model.predictLabels(val.X.selectRows([0])), [val.Y[0]]);
});

test('targets: an Int32Array is labels, anything else regression (docs/reliability.md); one-hot rows', () => {
  assert.equal(resolveTask('auto', Int32Array.from([0, 2, 1])), 'classification');
  assert.equal(resolveTask('auto', [0, 2, 1]), 'regression');
  assert.equal(resolveTask('auto', [0.5, 2, 1]), 'regression');
  assert.equal(resolveTask('auto', [[0], [1]]), 'regression');
  assert.equal(resolveTask('regression', [0, 1]), 'regression');
  assert.deepEqual(oneHot(labelIndices([5, 1, 9], [1, 5]), 2).toArray(), [
    [0, 1],
    [1, 0],
    [0, 0],
  ]);
});

test('KernelRegressor errors name the problem', async () => {
  assert.throws(() => new KernelRegressor({ kernel: 'cauchy' as never }), /unknown kernel "cauchy"/);
  assert.throws(() => new KernelRegressor({ bandwidth: 0 }), /bandwidth must be a positive/);
  assert.throws(() => new KernelRegressor({ ridge: -1 }), /ridge must be a finite number >= 0/);
  assert.throws(() => new KernelRegressor({ kernel: 'l1-laplacian', metric: [1, 2] }), /takes no metric/);
  assert.throws(() => new KernelRegressor({ ridg: 1 } as never), OptionError);
  const model = new KernelRegressor();
  await assert.rejects(model.predict([[1, 2]]), /not fitted yet/);
  await assert.rejects(
    model.fit(
      [
        [1, 2],
        [3, 4],
      ],
      [1, 2, 3],
    ),
    (e: Error) => e instanceof ShapeError && /X has 2 rows but Y has 3/.test(e.message),
  );
  await model.fit(
    [
      [1, 2],
      [3, 4],
    ],
    [[1], [2]],
  );
  await assert.rejects(model.predict([[1, 2, 3]]), /fit on 2 features, X has 3/);
  await assert.rejects(new KernelRegressor({ metric: [1, 1, 1] }).fit([[1, 2]], [[1]]), /fit on 3 features/);
});
