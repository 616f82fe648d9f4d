import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotSPDError, OptionError } from '../../src/core/errors';
import { Matrix, epsOf } from '../../src/linalg/matrix';
import { backendFor } from '../../src/linalg/registry';
import {
  ZERO_DISTANCE_FACTOR,
  crossKernel,
  productKernel,
  trainKernel,
  trainKernelBuffers,
} from '../../src/kernels/kernel';
import { l1LaplacianKernel } from '../../src/kernels/l1-laplacian';
import { JITTER_MULTIPLES, ridgeSolve } from '../../src/kernels/ridge-solve';
import { Rng } from '../../src/random';

function gaussian(rows: number, cols: number, rng: Rng, scale = 1): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = scale * rng.normal();
  return m;
}

/** An ill-conditioned PSD M like a learned one: a few large directions over a small isotropic floor. */
function learnedLikeMetric(d: number, rng: Rng): Matrix {
  const m = new Matrix(d, d);
  for (let r = 0; r < 3; r++) {
    const v = Array.from({ length: d }, () => rng.normal());
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m.data[i * d + j] += 50 * v[i] * v[j];
  }
  for (let i = 0; i < d; i++) m.data[i * d + i] += 1e-3;
  return m;
}

function direct(x: ArrayLike<number>, z: ArrayLike<number>, m: Matrix | null, L: number, q: number): number {
  const d = x.length;
  const v = Array.from({ length: d }, (_, i) => x[i] - z[i]);
  let s = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s += v[i] * (m ? m.get(i, j) : i === j ? 1 : 0) * v[j];
  return Math.exp(-Math.pow(Math.sqrt(Math.max(0, s)) / L, q));
}

for (const dtype of ['float64', 'float32'] as const) {
  test(`kernels by matrix products equal the direct formula (${dtype})`, async () => {
    const rng = new Rng(1);
    const b = await backendFor(dtype);
    const x = gaussian(20, 7, rng);
    const z = gaussian(9, 7, rng);
    const m = learnedLikeMetric(7, rng);
    for (const name of ['laplace', 'gaussian'] as const) {
      const kernel = productKernel(name, 4);
      const buffers = trainKernelBuffers(20, 7, dtype, true, true);
      await trainKernel(b, x.astype(dtype), { kind: 'full', matrix: m.astype(dtype) }, kernel, buffers);
      const k = await crossKernel(
        b,
        z.astype(dtype),
        x.astype(dtype),
        { kind: 'full', matrix: m.astype(dtype) },
        buffers.norms,
        kernel,
      );
      const tol = dtype === 'float64' ? 1e-10 : 2e-3;
      for (let i = 0; i < 9; i++)
        for (let j = 0; j < 20; j++)
          assert.ok(Math.abs(k.get(i, j) - direct(z.row(i), x.row(j), m, 4, kernel.exponent)) < tol);
      for (let i = 0; i < 20; i++) {
        assert.equal(buffers.kernel.get(i, i), 1);
        assert.equal(buffers.weights!.get(i, i), 0);
        for (let j = 0; j < 20; j++) assert.equal(buffers.kernel.get(i, j), buffers.kernel.get(j, i));
      }
    }
  });

  test(`zero-distance rule: duplicates of training points are at distance exactly 0, distinct points are not (${dtype})`, async () => {
    const rng = new Rng(2);
    const b = await backendFor(dtype);
    const d = 300;
    const x = gaussian(50, d, rng, 1 / Math.sqrt(d)).astype(dtype);
    const metric = { kind: 'full' as const, matrix: learnedLikeMetric(d, rng).astype(dtype) };
    const kernel = productKernel('laplace', 1);
    const buffers = trainKernelBuffers(50, d, dtype, true, true);
    await trainKernel(b, x, metric, kernel, buffers);
    // Duplicates computed through another summation order (Z M Z' row norms against the Gram's diagonal).
    const dup = x.selectRows([3, 17, 42]);
    const k = await crossKernel(b, dup, x, metric, buffers.norms, kernel);
    assert.equal(k.get(0, 3), 1);
    assert.equal(k.get(1, 17), 1);
    assert.equal(k.get(2, 42), 1);
    // A point moved by a relative squared distance 100 times the threshold is not merged.
    const near = x.selectRows([3]);
    const rel = 100 * ZERO_DISTANCE_FACTOR * epsOf(dtype);
    const scale = Math.sqrt(rel * 2 * buffers.norms[3]);
    const dir = gaussian(1, d, rng);
    const mv = await b.gemm(dir.astype(dtype), metric.matrix);
    let norm = 0;
    for (let p = 0; p < d; p++) norm += mv.data[p] * dir.data[p];
    for (let p = 0; p < d; p++) near.data[p] += (scale * dir.data[p]) / Math.sqrt(norm);
    const kn = await crossKernel(b, near, x, metric, buffers.norms, kernel);
    assert.ok(kn.get(0, 3) < 1);
  });
}

test('the L1 Laplacian equals exp(-||x - z||_1 / L) and is 1 on the diagonal', () => {
  const rng = new Rng(3);
  const x = gaussian(70, 9, rng);
  const k = l1LaplacianKernel(x, x, 2.5);
  for (let i = 0; i < 70; i++) {
    assert.equal(k.get(i, i), 1);
    for (let j = 0; j < 70; j += 7) {
      let s = 0;
      for (let p = 0; p < 9; p++) s += Math.abs(x.get(i, p) - x.get(j, p));
      assert.ok(Math.abs(k.get(i, j) - Math.exp(-s / 2.5)) < 1e-15);
    }
  }
});

test('ridgeSolve: jitter grows from the stated multiples of the mean diagonal, then the error names size and jitters', async () => {
  const b = await backendFor('float64');
  // Singular PSD: two equal rows. Retried once with 1e-10 * mean diagonal.
  const k = Matrix.from([
    [1, 1, 0],
    [1, 1, 0],
    [0, 0, 1],
  ]);
  const heard: number[] = [];
  const y = Matrix.column([1, 2, 3]);
  const work = { factor: new Matrix(3, 3), alpha: new Matrix(3, 1) };
  const r = await ridgeSolve(b, k, 0, y, work, 'K', (j) => heard.push(j));
  assert.equal(r.jitter, JITTER_MULTIPLES.float64[0]);
  assert.deepEqual(heard, [JITTER_MULTIPLES.float64[0]]);
  // Indefinite beyond any jitter: the error names the matrix, its size and every jitter tried.
  const bad = Matrix.from([
    [1, 2],
    [2, 1],
  ]);
  await assert.rejects(
    ridgeSolve(
      b,
      bad,
      0,
      Matrix.column([1, 1]),
      { factor: new Matrix(2, 2), alpha: new Matrix(2, 1) },
      'kernel matrix K(X, X)',
    ),
    (e: Error) => {
      assert.ok(e instanceof NotSPDError);
      assert.match(e.message, /2 x 2 matrix/);
      assert.match(
        e.message,
        /kernel matrix K\(X, X\) \+ ridge 0 stayed non-positive-definite after jitter 1\.00e-10, 1\.00e-8, 1\.00e-6, 1\.00e-4/,
      );
      return true;
    },
  );
  assert.throws(() => productKernel('l1-laplacian', 1), OptionError);
});
