import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Matrix } from '../../src/linalg/matrix';
import { symmetricEigen, symmetricSqrt } from '../../src/linalg/eigen';
import { NonFiniteError, ShapeError } from '../../src/core/errors';
import { Rng } from '../../src/random';

function randomSymmetric(n: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const a = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a.set(i, j, v);
      a.set(j, i, v);
    }
  }
  return a;
}

function maxAbs(data: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) m = Math.max(m, Math.abs(data[i]));
  return m;
}

/** Largest entry of |V diag(values) V' - A| and of |V'V - I|. */
function residuals(a: Matrix, values: Float64Array, v: Matrix): { reconstruction: number; orthogonality: number } {
  const n = a.rows;
  let reconstruction = 0;
  let orthogonality = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let r = 0;
      let o = 0;
      for (let k = 0; k < n; k++) {
        r += v.get(i, k) * values[k] * v.get(j, k);
        o += v.get(k, i) * v.get(k, j);
      }
      reconstruction = Math.max(reconstruction, Math.abs(r - a.get(i, j)));
      orthogonality = Math.max(orthogonality, Math.abs(o - (i === j ? 1 : 0)));
    }
  }
  return { reconstruction, orthogonality };
}

test('reconstructs a random symmetric matrix with orthonormal eigenvectors, values descending', () => {
  for (const n of [1, 2, 5, 40, 120]) {
    const a = randomSymmetric(n, n);
    const { values, vectors } = symmetricEigen(a);
    const { reconstruction, orthogonality } = residuals(a, values, vectors);
    const scale = maxAbs(values);
    assert.ok(reconstruction < 1e-12 * n * scale, `n=${n}: reconstruction error ${reconstruction}`);
    assert.ok(orthogonality < 1e-12 * n, `n=${n}: orthogonality error ${orthogonality}`);
    for (let i = 1; i < n; i++) assert.ok(values[i] <= values[i - 1], `n=${n}: values not descending at ${i}`);
  }
});

test('known spectra: diagonal, repeated eigenvalues, a rank-one matrix and a zero matrix', () => {
  const diag = Matrix.from([
    [1, 0, 0],
    [0, 3, 0],
    [0, 0, 2],
  ]);
  assert.deepEqual(Array.from(symmetricEigen(diag).values), [3, 2, 1]);

  const repeated = symmetricEigen(Matrix.identity(6)).values;
  for (const v of repeated) assert.ok(Math.abs(v - 1) < 1e-15);

  const x = [1, -2, 3, 0.5];
  const rankOne = Matrix.from(x.map((a) => x.map((b) => a * b)));
  const { values, vectors } = symmetricEigen(rankOne);
  const norm2 = x.reduce((s, a) => s + a * a, 0);
  assert.ok(Math.abs(values[0] - norm2) < 1e-12 * norm2);
  for (let i = 1; i < 4; i++) assert.ok(Math.abs(values[i]) < 1e-12 * norm2);
  const cosine = x.reduce((s, a, i) => s + a * vectors.get(i, 0), 0) / Math.sqrt(norm2);
  assert.ok(Math.abs(Math.abs(cosine) - 1) < 1e-12);

  const zero = symmetricEigen(Matrix.zeros(4, 4));
  assert.deepEqual(Array.from(zero.values), [0, 0, 0, 0]);
  assert.ok(residuals(Matrix.zeros(4, 4), zero.values, zero.vectors).orthogonality < 1e-15);
});

test('a float32 matrix is decomposed in float64', () => {
  const a = randomSymmetric(8, 3).astype('float32');
  const { values, vectors } = symmetricEigen(a);
  assert.equal(vectors.dtype, 'float64');
  assert.ok(residuals(a, values, vectors).reconstruction < 1e-10);
});

test('symmetricSqrt squares back to a PSD matrix, clamping rounding-level negative eigenvalues', () => {
  const rng = new Rng(7);
  const b = new Matrix(10, 4);
  for (let i = 0; i < b.size; i++) b.data[i] = rng.normal();
  // B B' has rank 4: six eigenvalues are zero up to rounding, some of them slightly negative.
  const m = new Matrix(10, 10);
  for (let i = 0; i < 10; i++)
    for (let j = 0; j < 10; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += b.get(i, k) * b.get(j, k);
      m.set(i, j, s);
    }
  const root = symmetricSqrt(m);
  let err = 0;
  for (let i = 0; i < 10; i++)
    for (let j = 0; j < 10; j++) {
      let s = 0;
      for (let k = 0; k < 10; k++) s += root.get(i, k) * root.get(k, j);
      err = Math.max(err, Math.abs(s - m.get(i, j)));
      assert.ok(Math.abs(root.get(i, j) - root.get(j, i)) < 1e-12);
    }
  assert.ok(err < 1e-10 * maxAbs(m.data), `sqrt error ${err}`);
  assert.throws(
    () =>
      symmetricSqrt(
        Matrix.from([
          [1, 0],
          [0, -1],
        ]),
      ),
    ShapeError,
  );
});

test('rejects non-square, non-symmetric and non-finite input', () => {
  assert.throws(() => symmetricEigen(new Matrix(2, 3)), ShapeError);
  assert.throws(
    () =>
      symmetricEigen(
        Matrix.from([
          [1, 2],
          [0, 1],
        ]),
      ),
    ShapeError,
  );
  assert.throws(
    () =>
      symmetricEigen(
        Matrix.from([
          [1, NaN],
          [NaN, 1],
        ]),
      ),
    NonFiniteError,
  );
});
