import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix } from '../../src/linalg/matrix';
import { backendFor } from '../../src/linalg/registry';
import { KernelRegressor } from '../../src/kernels/kernel-regressor';
import { IDENTITY, productKernel, trainKernel, trainKernelBuffers } from '../../src/kernels/kernel';
import { hadamardS, sampleRows, scoreMatrix } from '../../src/rfm/agop';
import { RFM } from '../../src/rfm/rfm';
import { Rng } from '../../src/random';
import { gaussianMatrix, matrixRelDiff, target } from './helpers';

/** S = sum_{j in J, k} b_jk b_jk' by explicit loops over points and outputs (docs/rfm-math.md section 4). */
function naiveS(w: Matrix, a: Matrix, rows: number[], kappa: number, centering: boolean): Matrix {
  const n = w.rows;
  const c = a.cols;
  const s = new Matrix(n, n);
  for (let k = 0; k < c; k++) {
    const bs: Float64Array[] = [];
    for (const j of rows) {
      const b = new Float64Array(n);
      let sjk = 0;
      for (let i = 0; i < n; i++) sjk += w.get(i, j) * a.get(i, k);
      for (let i = 0; i < n; i++) b[i] = -kappa * ((i === j ? sjk : 0) - a.get(i, k) * w.get(i, j));
      bs.push(b);
    }
    if (centering) {
      const mean = new Float64Array(n);
      for (const b of bs) for (let i = 0; i < n; i++) mean[i] += b[i] / bs.length;
      for (const b of bs) for (let i = 0; i < n; i++) b[i] -= mean[i];
    }
    for (const b of bs) for (let i = 0; i < n; i++) for (let l = 0; l < n; l++) s.data[i * n + l] += b[i] * b[l];
  }
  return s;
}

async function kernelAndWeights(n: number, d: number, q: 'laplace' | 'gaussian', seed: number) {
  const rng = new Rng(seed);
  const x = gaussianMatrix(n, d, rng);
  const b = await backendFor('float64');
  const buffers = trainKernelBuffers(n, d, 'float64', true, false);
  const kernel = productKernel(q, 3);
  await trainKernel(b, x, IDENTITY, kernel, buffers);
  const c = 4;
  const a = gaussianMatrix(n, c, rng);
  return { b, x, w: buffers.weights!, a, kernel, kappa: kernel.exponent / Math.pow(kernel.bandwidth, kernel.exponent) };
}

for (const q of ['laplace', 'gaussian'] as const) {
  for (const [label, sub, centering] of [
    ['all points', false, false],
    ['subsample J', true, false],
    ['centred, subsample J', true, true],
  ] as const) {
    test(`Hadamard S equals the naive per-output loops (${q}, ${label})`, async () => {
      const n = 30;
      const { b, w, a, kappa } = await kernelAndWeights(n, 5, q, 7);
      const rows = sub ? Int32Array.from([0, 3, 4, 9, 17, 21, 29]) : null;
      const list = rows ? Array.from(rows) : Array.from({ length: n }, (_, i) => i);
      const wj = sampleRows(w, rows);
      const sm = await scoreMatrix(b, wj, a);
      const s = await hadamardS(b, wj, a, sm, rows, kappa, centering, new Matrix(n, n), new Matrix(n, n));
      const expected = naiveS(w, a, list, kappa, centering);
      assert.ok(matrixRelDiff(s, expected) < 1e-13, `relative difference ${matrixRelDiff(s, expected)}`);
      // The per-output coefficients B_k give the same S as sum_k B_k' B_k.
      const viaB = new Matrix(n, n);
      const bk = new Matrix(list.length, n);
      for (let k = 0; k < a.cols; k++) {
        await b.gradientCoefficients(wj, a, sm, { rows, output: k, kappa, centering, out: bk });
        await b.syrk(bk, { trans: true, beta: 1, out: viaB });
      }
      assert.ok(matrixRelDiff(viaB, expected) < 1e-13);
    });
  }
}

test("the first AGOP update equals the average outer product of the baseline predictor's gradients", async () => {
  const rng = new Rng(3);
  const x = gaussianMatrix(40, 6, rng);
  const y = target(x, 2);
  const rfm = await new RFM({ bandwidth: 4, iterations: 1, form: 'primal' }).fit(x, y);
  assert.equal(rfm.bestIteration, 1);
  const m1 = await rfm.featureMatrix();
  // Iteration 0 is plain kernel ridge regression; its gradients at the training points (zero-distance terms dropped).
  const krr = await new KernelRegressor({ bandwidth: 4 }).fit(x, y);
  const grads = await krr.gradients(x);
  const d = x.cols;
  const expected = new Matrix(d, d);
  for (const g of grads)
    for (let j = 0; j < x.rows; j++)
      for (let p = 0; p < d; p++)
        for (let r = 0; r < d; r++) expected.data[p * d + r] += (g.get(j, p) * g.get(j, r)) / x.rows;
  assert.ok(matrixRelDiff(m1, expected) < 1e-10, `relative difference ${matrixRelDiff(m1, expected)}`);
});

async function finiteDifferenceCheck(
  predict: (z: Matrix) => Promise<Matrix>,
  gradients: (z: Matrix) => Promise<Matrix[]>,
  z: Matrix,
): Promise<number> {
  const h = 1e-5;
  const grads = await gradients(z);
  let worst = 0;
  let scale = 0;
  for (let p = 0; p < z.cols; p++) {
    const plus = z.clone();
    const minus = z.clone();
    for (let i = 0; i < z.rows; i++) {
      plus.data[i * z.cols + p] += h;
      minus.data[i * z.cols + p] -= h;
    }
    const fp = await predict(plus);
    const fm = await predict(minus);
    for (let i = 0; i < z.rows; i++) {
      for (let k = 0; k < grads.length; k++) {
        const fd = (fp.get(i, k) - fm.get(i, k)) / (2 * h);
        worst = Math.max(worst, Math.abs(fd - grads[k].get(i, p)));
        scale = Math.max(scale, Math.abs(fd));
      }
    }
  }
  return worst / scale;
}

for (const form of ['primal', 'dual-q'] as const) {
  for (const kernel of ['laplace', 'gaussian'] as const) {
    test(`gradients of a fitted RFM (${form}, ${kernel}) match central differences away from the training points`, async () => {
      const rng = new Rng(11);
      const d = form === 'primal' ? 5 : 40;
      const x = gaussianMatrix(30, d, rng);
      const y = target(x, 2);
      const rfm = await new RFM({ kernel, bandwidth: kernel === 'laplace' ? 3 : 6, iterations: 2, form }).fit(x, y);
      // Fresh points: the predictor has a cusp at each training point, where no derivative exists.
      const z = gaussianMatrix(6, d, rng);
      const err = await finiteDifferenceCheck(
        (p) => rfm.predict(p),
        (p) => rfm.gradients(p),
        z,
      );
      assert.ok(err < 1e-6, `finite-difference mismatch ${err}`);
    });
  }
}

test('KernelRegressor gradients with a fixed full M match central differences', async () => {
  const rng = new Rng(5);
  const x = gaussianMatrix(25, 4, rng);
  const g = gaussianMatrix(4, 4, rng);
  const metric = await (await backendFor('float64')).gemm(g, g, { transA: true });
  const model = await new KernelRegressor({ bandwidth: 5, metric }).fit(x, target(x));
  const err = await finiteDifferenceCheck(
    (p) => model.predict(p),
    (p) => model.gradients(p),
    gaussianMatrix(5, 4, rng),
  );
  assert.ok(err < 1e-6, `finite-difference mismatch ${err}`);
});
