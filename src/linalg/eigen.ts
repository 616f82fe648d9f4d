import { EigenConvergenceError, ShapeError } from '../core/errors';
import { Matrix, assertFinite, assertNonEmpty, assertSquare } from './matrix';

/**
 * Symmetric eigendecomposition in plain TypeScript, float64: Householder reduction to tridiagonal form followed by
 * the implicit QL algorithm (the EISPACK tred2/tql2 pair, as in JAMA). O(n^3); no backend has an eigensolver, and
 * the matrices here (an RFM's d x d M, a min(n, p) square Gram) are small enough for it.
 */

export interface SymmetricEigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Eigenvectors as columns, in the order of `values`; orthonormal. */
  vectors: Matrix;
}

// Asymmetry above this (relative to the largest entry) is a caller's mistake, not rounding.
const SYMMETRY_TOLERANCE = 1e-8;
const MAX_QL_ITERATIONS = 60;

export function symmetricEigen(a: Matrix): SymmetricEigen {
  assertNonEmpty(a, 'eigen input');
  assertSquare(a, 'eigen input');
  assertFinite(a, 'eigen input');
  const n = a.rows;
  // The algorithms are written on V (column j of V is eigenvector j); this array holds V transposed, so that
  // every inner loop of both stages walks memory contiguously. It starts as the symmetrised input.
  const u = symmetrised(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalise(u, d, e, n);
  tridiagonalQL(u, d, e, n);

  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j] - d[i]);
  const values = new Float64Array(n);
  const vectors = new Matrix(n, n);
  for (let c = 0; c < n; c++) {
    const src = order[c];
    values[c] = d[src];
    for (let k = 0; k < n; k++) vectors.data[k * n + c] = u[src * n + k];
  }
  return { values, vectors };
}

/**
 * The symmetric PSD square root V diag(sqrt(max(lambda, 0))) V'. Rounding leaves tiny negative eigenvalues on a PSD
 * matrix (an AGOP of low rank, say); they are clamped to 0. A clearly negative one (below -1e-10 times the largest
 * magnitude) means the input is not PSD, and is an error.
 */
export function symmetricSqrt(m: Matrix): Matrix {
  const { values, vectors } = symmetricEigen(m);
  const n = m.rows;
  const scale = Math.max(Math.abs(values[0]), Math.abs(values[n - 1]));
  if (values[n - 1] < -1e-10 * scale) {
    throw new ShapeError(
      `symmetricSqrt: the matrix is not positive semidefinite (eigenvalue ${values[n - 1]}, largest ${values[0]})`,
    );
  }
  const roots = values.map((v) => Math.sqrt(Math.max(v, 0)));
  const out = new Matrix(n, n);
  const V = vectors.data;
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) row[k] = V[i * n + k] * roots[k];
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += row[k] * V[j * n + k];
      out.data[i * n + j] = s;
      out.data[j * n + i] = s;
    }
  }
  return out;
}

function symmetrised(a: Matrix): Float64Array {
  const n = a.rows;
  const src = a.data;
  const u = new Float64Array(n * n);
  let largest = 0;
  let asymmetry = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = src[i * n + j];
      const y = src[j * n + i];
      largest = Math.max(largest, Math.abs(x));
      asymmetry = Math.max(asymmetry, Math.abs(x - y));
      const mean = 0.5 * (x + y);
      u[i * n + j] = mean;
      u[j * n + i] = mean;
    }
  }
  if (asymmetry > SYMMETRY_TOLERANCE * largest) {
    throw new ShapeError(
      `eigen input must be symmetric: entries differ from their transposes by up to ${asymmetry} (largest entry ${largest})`,
    );
  }
  return u;
}

/** tred2 on V' (stored in u, V[r][c] = u[c * n + r]): on return d is the diagonal, e the subdiagonal in e[1..]. */
function tridiagonalise(u: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = u[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = u[j * n + i - 1];
        u[j * n + i] = 0;
        u[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        u[i * n + j] = f;
        const cj = j * n;
        g = e[j] + u[cj + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += u[cj + k] * d[k];
          e[k] += u[cj + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        const cj = j * n;
        for (let k = j; k <= i - 1; k++) u[cj + k] -= f * e[k] + g * d[k];
        d[j] = u[cj + i - 1];
        u[cj + i] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the Householder transformations into V.
  for (let i = 0; i < n - 1; i++) {
    u[i * n + n - 1] = u[i * n + i];
    u[i * n + i] = 1;
    const h = d[i + 1];
    const next = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = u[next + k] / h;
      for (let j = 0; j <= i; j++) {
        const cj = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += u[next + k] * u[cj + k];
        for (let k = 0; k <= i; k++) u[cj + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) u[next + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = u[j * n + n - 1];
    u[j * n + n - 1] = 0;
  }
  u[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** tql2: diagonalises the tridiagonal (d, e), accumulating the rotations into V (stored transposed in u). */
function tridiagonalQL(u: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > MAX_QL_ITERATIONS) throw new EigenConvergenceError(n, l);
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          const ci = i * n;
          const cn = ci + n;
          for (let k = 0; k < n; k++) {
            const t = u[cn + k];
            u[cn + k] = s * u[ci + k] + c * t;
            u[ci + k] = c * u[ci + k] - s * t;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}
