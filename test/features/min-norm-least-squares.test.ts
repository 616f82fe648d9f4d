import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Matrix } from '../../src/linalg/matrix';
import { OptionError, ShapeError } from '../../src/core/errors';
import { backendFor } from '../../src/linalg/registry';
import { spdSolve } from '../../src/linalg/spd-solve';
import { minNormLeastSquares } from '../../src/features/min-norm-least-squares';
import { randomFourierFeatures } from '../../src/features/random-fourier';
import { Rng } from '../../src/random';

const N = 60;

/** Laplace random features of N points in 5 dimensions, and a noisy nonlinear target. */
async function problem(p: number): Promise<{ phi: Matrix; y: Matrix }> {
  const rng = new Rng(4);
  const x = new Matrix(N, 5);
  for (let i = 0; i < x.size; i++) x.data[i] = rng.normal() / Math.sqrt(5);
  const y = new Matrix(N, 1);
  for (let i = 0; i < N; i++)
    y.data[i] = 5 * x.get(i, 0) ** 3 + 2 * x.get(i, 1) ** 2 + 10 * x.get(i, 2) + 0.1 * rng.normal();
  const phi = await randomFourierFeatures({
    kernel: 'laplace',
    bandwidth: 1,
    features: p,
    seed: 8,
    inputDim: 5,
  }).transform(x);
  return { phi, y };
}

function relativeResidual(phi: Matrix, w: Matrix, y: Matrix): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < phi.rows; i++) {
    let f = 0;
    for (let k = 0; k < phi.cols; k++) f += phi.get(i, k) * w.data[k];
    num += (f - y.data[i]) ** 2;
    den += y.data[i] ** 2;
  }
  return Math.sqrt(num / den);
}

function maxRelativeDifference(a: Matrix, b: Matrix): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.size; i++) {
    diff = Math.max(diff, Math.abs(a.data[i] - b.data[i]));
    scale = Math.max(scale, Math.abs(b.data[i]));
  }
  return diff / scale;
}

test('p >= n: interpolates the training data, to rounding far from p = n and still closely near it', async () => {
  for (const [p, bound] of [
    [10 * N, 1e-10],
    [2 * N, 1e-9],
    [N + 3, 1e-6],
    [N, 1e-5],
  ] as const) {
    const { phi, y } = await problem(p);
    const solution = await minNormLeastSquares(phi, y);
    assert.equal(solution.gram, 'rows');
    assert.equal(solution.rank, N, `p = ${p}: rank ${solution.rank}`);
    const r = relativeResidual(phi, solution.weights, y);
    assert.ok(r < bound, `p = ${p}: relative interpolation residual ${r.toExponential(2)} (bound ${bound})`);
  }
});

test("p >= n: is the minimum-norm interpolant Phi' (Phi Phi')^-1 y on a well-conditioned case", async () => {
  const { phi, y } = await problem(10 * N);
  const backend = await backendFor('float64');
  const reference = await backend.gemm(phi, await spdSolve(backend, await backend.syrk(phi), y), { transA: true });
  const { weights } = await minNormLeastSquares(phi, y);
  assert.ok(maxRelativeDifference(weights, reference) < 1e-8);
});

test('p < n: is the least-squares solution of the normal equations on a well-conditioned case', async () => {
  const { phi, y } = await problem(N / 6);
  const backend = await backendFor('float64');
  const reference = await spdSolve(
    backend,
    await backend.syrk(phi, { trans: true }),
    await backend.gemm(phi, y, { transA: true }),
  );
  const solution = await minNormLeastSquares(phi, y);
  assert.equal(solution.gram, 'columns');
  assert.equal(solution.weights.rows, N / 6);
  assert.ok(maxRelativeDifference(solution.weights, reference) < 1e-9);
});

test('a rank-deficient system gets the minimum-norm solution: a duplicated column shares its weight', async () => {
  const phi = Matrix.from([
    [1, 1, 0],
    [0, 0, 1],
    [1, 1, 1],
    [2, 2, 0],
  ]);
  const { weights, rank } = await minNormLeastSquares(phi, [2, 1, 3, 4]);
  assert.equal(rank, 2);
  assert.ok(
    Math.abs(weights.data[0] - 1) < 1e-12 &&
      Math.abs(weights.data[1] - 1) < 1e-12 &&
      Math.abs(weights.data[2] - 1) < 1e-12,
  );
  const zero = await minNormLeastSquares(Matrix.zeros(3, 2), [1, 2, 3]);
  assert.equal(zero.rank, 0);
  assert.deepEqual(Array.from(zero.weights.data), [0, 0]);
});

test('several outputs at once, and argument checks', async () => {
  const phi = Matrix.from([
    [1, 0],
    [0, 2],
    [1, 1],
  ]);
  const y = Matrix.from([
    [1, 2],
    [2, 4],
    [1.5, 3],
  ]);
  const { weights } = await minNormLeastSquares(phi, y);
  for (let k = 0; k < 2; k++) assert.ok(Math.abs(weights.get(k, 1) - 2 * weights.get(k, 0)) < 1e-12);
  await assert.rejects(minNormLeastSquares(phi, [1, 2]), ShapeError);
  await assert.rejects(minNormLeastSquares(phi, [1, 2, 3], { rcond: 2 }), OptionError);
  await assert.rejects(minNormLeastSquares(phi, [1, 2, 3], { tol: 1 } as never), OptionError);
});

test("with a ridge it is ridge regression, Phi' (Phi Phi' + r I)^-1 y, on either side of p = n", async () => {
  const backend = await backendFor('float64');
  for (const p of [N / 3, 2 * N]) {
    const { phi, y } = await problem(p);
    const gram = await backend.syrk(phi);
    for (let i = 0; i < N; i++) gram.data[i * N + i] += 0.05;
    const reference = await backend.gemm(phi, await spdSolve(backend, gram, y), { transA: true });
    const { weights, ridge } = await minNormLeastSquares(phi, y, { ridge: 0.05 });
    assert.equal(ridge, 0.05);
    assert.ok(maxRelativeDifference(weights, reference) < 1e-9, `p = ${p}`);
  }
  await assert.rejects(minNormLeastSquares(phi3(), [1, 2, 3], { ridge: -1 }), OptionError);
});

function phi3(): Matrix {
  return Matrix.from([
    [1, 0],
    [0, 2],
    [1, 1],
  ]);
}
