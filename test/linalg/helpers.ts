import assert from 'node:assert/strict';
import type { Backend } from '../../src/linalg/backend';
import { DType, FloatArray, Matrix, epsOf } from '../../src/linalg/matrix';

/** Shared helpers for the linalg tests (not a test file itself). */

/** A small seeded generator (mulberry32), so every run tests the same matrices. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform entries in [-1, 1). */
export function randomMatrix(rows: number, cols: number, dtype: DType, rand: () => number): Matrix {
  const m = new Matrix(rows, cols, dtype);
  for (let i = 0; i < m.data.length; i++) m.data[i] = 2 * rand() - 1;
  return m;
}

/** A well-conditioned SPD matrix X X' / k + I. */
export function randomSPD(n: number, dtype: DType, rand: () => number): Matrix {
  const x = randomMatrix(n, n + 3, 'float64', rand);
  const a = new Matrix(n, n, 'float64');
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < x.cols; p++) s += x.data[i * x.cols + p] * x.data[j * x.cols + p];
      s /= x.cols;
      if (i === j) s += 1;
      a.data[i * n + j] = s;
      a.data[j * n + i] = s;
    }
  }
  return a.astype(dtype);
}

/** Q diag(lambda) Q' with Q a random orthogonal matrix (product of Householder reflectors) and lambda log-spaced in [1/cond, 1]. */
export function spdWithCondition(n: number, cond: number, dtype: DType, rand: () => number): Matrix {
  // Start from diag(lambda) and apply reflectors H = I - 2 v v' on both sides: A <- H A H.
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = n === 1 ? 1 : Math.pow(cond, -i / (n - 1));
  const v = new Float64Array(n);
  const w = new Float64Array(n);
  for (let r = 0; r < Math.min(n, 24); r++) {
    let norm = 0;
    for (let i = 0; i < n; i++) {
      v[i] = 2 * rand() - 1;
      norm += v[i] * v[i];
    }
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) v[i] /= norm;
    // A H = A - 2 (A v) v'; then H (A H) = (A H) - 2 v (v' A H).
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j] * v[j];
      w[i] = s;
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] -= 2 * w[i] * v[j];
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += v[i] * a[i * n + j];
      w[j] = s;
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] -= 2 * v[i] * w[j];
  }
  // Symmetrize exactly (rounding leaves tiny asymmetries).
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
  return new Matrix(n, n, a).astype(dtype);
}

/** A lower-triangular matrix with a diagonal in [1, 2] and small off-diagonal entries (well conditioned). */
export function randomLower(n: number, dtype: DType, rand: () => number): Matrix {
  const l = new Matrix(n, n, dtype);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) l.data[i * n + j] = (2 * rand() - 1) / n;
    l.data[i * n + i] = 1 + rand();
  }
  return l;
}

export function maxAbs(x: FloatArray | Matrix): number {
  const d = x instanceof Matrix ? x.data : x;
  let m = 0;
  for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i]));
  return m;
}

/** Every entry within `tol` (absolute); the message names the first offending entry. */
export function assertClose(
  actual: Matrix | FloatArray,
  expected: Matrix | FloatArray,
  tol: number,
  what: string,
): void {
  const a = actual instanceof Matrix ? actual.data : actual;
  const e = expected instanceof Matrix ? expected.data : expected;
  if (actual instanceof Matrix && expected instanceof Matrix) {
    assert.deepEqual([actual.rows, actual.cols], [expected.rows, expected.cols], `${what}: shape`);
    assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  }
  assert.equal(a.length, e.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - e[i]);
    if (!(diff <= tol) && !Object.is(a[i], e[i])) {
      assert.fail(`${what}: entry ${i} is ${a[i]}, expected ${e[i]} (difference ${diff} > ${tol})`);
    }
  }
}

/** Tolerance for results of k-term sums of products of entries bounded by `scale`. */
export function sumTol(dtype: DType, k: number, scale: number): number {
  return 4 * epsOf(dtype) * Math.max(1, k) * Math.max(scale, Number.MIN_VALUE);
}

/** Normwise backward error ||A X - B|| / (||A|| ||X|| + ||B||) in the infinity norm, computed in float64, worst column. */
export function backwardError(a: Matrix, x: Matrix, b: Matrix): number {
  const n = a.rows;
  let normA = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(a.data[i * n + j]);
    normA = Math.max(normA, s);
  }
  let worst = 0;
  for (let c = 0; c < b.cols; c++) {
    let r = 0;
    let nx = 0;
    let nb = 0;
    for (let i = 0; i < n; i++) {
      let s = -b.data[i * b.cols + c];
      for (let j = 0; j < n; j++) s += a.data[i * n + j] * x.data[j * x.cols + c];
      r = Math.max(r, Math.abs(s));
      nx = Math.max(nx, Math.abs(x.data[i * x.cols + c]));
      nb = Math.max(nb, Math.abs(b.data[i * b.cols + c]));
    }
    worst = Math.max(worst, r / (normA * nx + nb));
  }
  return worst;
}

/** Runs `fn` and returns what it threw (sync or async), failing when it does not throw. */
export async function caught(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  assert.fail('expected an error');
}

export function label(backend: Backend, dtype: DType): string {
  return `${backend.name} ${dtype}`;
}
