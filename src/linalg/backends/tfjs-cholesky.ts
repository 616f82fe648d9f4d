import { NotSPDError } from '../../core/errors';

/**
 * Blocked Cholesky factorisation and triangular solves for a library that multiplies matrices fast but has no
 * factorisations (tfjs): the small diagonal blocks are factored and solved in float64 JavaScript, and all the work of
 * cubic cost goes through `product`. Matrices are row-major float32 arrays, worked on in place; only the operands
 * of each product are uploaded. (Keeping the working matrix as a tfjs tensor instead measured 1.5-2x slower at
 * n = 2000 and 4000: every update then rebuilds the whole trailing matrix, upper triangle included.)
 */

/** A B for row-major float32 operands, A rows x inner and B inner x cols. */
export type Product = (a: Float32Array, rows: number, inner: number, b: Float32Array, cols: number) => Float32Array;

/**
 * Diagonal block size. On wasm at n = 2000 and 4000, 192 and 256 were equally fast (within this machine's noise) and
 * 128 and 384 slower: smaller blocks make the updates' inner dimension too short for the GEMM to reach speed, larger
 * ones spend longer in the float64 JavaScript block work.
 */
export const BLOCK = 192;

/**
 * Rows of the trailing update computed per product (768-1024 measured fastest at n = 2000 and 4000). The update only needs its
 * lower triangle: row strips skip most of the upper part, while short strips make products too small to run fast.
 */
const STRIP = 1024;

function transpose(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const ri = i * cols;
    for (let j = 0; j < cols; j++) out[j * rows + i] = src[ri + j];
  }
  return out;
}

/** The rows x cols block of a row-major matrix (row length `stride`) starting at row r0, column c0, copied. */
function block(src: Float32Array, stride: number, r0: number, c0: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const from = (r0 + i) * stride + c0;
    out.set(src.subarray(from, from + cols), i * cols);
  }
  return out;
}

/** Factors the diagonal block at (k, k) of w in float64, writes its lower triangle back and returns it. */
function factorDiagonal(w: Float32Array, n: number, k: number, nb: number): Float64Array {
  const l = new Float64Array(nb * nb);
  for (let i = 0; i < nb; i++) for (let j = 0; j <= i; j++) l[i * nb + j] = w[(k + i) * n + k + j];
  for (let j = 0; j < nb; j++) {
    const rj = j * nb;
    let d = l[rj + j];
    for (let p = 0; p < j; p++) d -= l[rj + p] * l[rj + p];
    if (!(d > 0)) throw new NotSPDError(n, k + j, `pivot value ${d}`);
    const ljj = Math.sqrt(d);
    l[rj + j] = ljj;
    for (let i = j + 1; i < nb; i++) {
      const ri = i * nb;
      let s = l[ri + j];
      for (let p = 0; p < j; p++) s -= l[ri + p] * l[rj + p];
      l[ri + j] = s / ljj;
    }
  }
  for (let i = 0; i < nb; i++) for (let j = 0; j <= i; j++) w[(k + i) * n + k + j] = l[i * nb + j];
  return l;
}

/** (L^-1)' of a lower-triangular float64 block, rounded to float32 for the products. */
function inverseTransposed(l: Float64Array, nb: number): Float32Array {
  // Row i of X = L^-1 from the rows above it: each step is an axpy over a contiguous row.
  const x = new Float64Array(nb * nb);
  for (let i = 0; i < nb; i++) {
    const ri = i * nb;
    for (let p = 0; p < i; p++) {
      const lip = l[ri + p];
      if (lip === 0) continue;
      const rp = p * nb;
      for (let c = 0; c <= p; c++) x[ri + c] -= lip * x[rp + c];
    }
    x[ri + i] += 1;
    const inv = 1 / l[ri + i];
    for (let c = 0; c <= i; c++) x[ri + c] *= inv;
  }
  const out = new Float32Array(nb * nb);
  for (let i = 0; i < nb; i++) for (let j = 0; j <= i; j++) out[j * nb + i] = x[i * nb + j];
  return out;
}

/**
 * Right-looking blocked Cholesky of the n x n matrix in w, overwritten by its lower factor (upper triangle zeroed).
 * Only the lower triangle of the input is read. Throws NotSPDError naming the global pivot.
 */
export function blockedCholesky(w: Float32Array, n: number, product: Product): void {
  for (let k = 0; k < n; k += BLOCK) {
    const nb = Math.min(BLOCK, n - k);
    const m = n - k - nb;
    const l11 = factorDiagonal(w, n, k, nb);
    if (m === 0) break;
    // L21 = A21 L11^-T as one product with the explicit inverse: a substitution in JavaScript would be the slowest
    // step, and the inverse's extra error is bounded by cond(L11) <= sqrt(cond(A)).
    const l21 = product(block(w, n, k + nb, k, m, nb), m, nb, inverseTransposed(l11, nb), nb);
    for (let i = 0; i < m; i++) w.set(l21.subarray(i * nb, (i + 1) * nb), (k + nb + i) * n + k);
    // A22 -= L21 L21', lower triangle only, in strips of rows [r0, r1) against columns [0, r1).
    const l21t = transpose(l21, m, nb);
    for (let r0 = 0; r0 < m; r0 += STRIP) {
      const r1 = Math.min(r0 + STRIP, m);
      const right = r1 === m ? l21t : block(l21t, m, 0, 0, nb, r1);
      const q = product(l21.subarray(r0 * nb, r1 * nb), r1 - r0, nb, right, r1);
      for (let i = r0; i < r1; i++) {
        const row = (k + nb + i) * n + k + nb;
        const qi = (i - r0) * r1;
        for (let j = 0; j <= i; j++) w[row + j] -= q[qi + j];
      }
    }
  }
  for (let i = 0; i < n; i++) w.fill(0, i * n + i + 1, (i + 1) * n);
}

/** Overwrites rows [k, k + nb) of x (r columns) with op(L11)^-1 times them, in float64; L11 is l's diagonal block at k. */
function solveDiagonal(
  l: Float32Array,
  n: number,
  k: number,
  nb: number,
  x: Float32Array,
  r: number,
  transposed: boolean,
): void {
  const t = new Float64Array(nb * r);
  for (let i = 0; i < nb * r; i++) t[i] = x[k * r + i];
  for (let s = 0; s < nb; s++) {
    const i = transposed ? nb - 1 - s : s;
    const ri = i * r;
    const from = transposed ? i + 1 : 0;
    const to = transposed ? nb : i;
    for (let p = from; p < to; p++) {
      const lip = transposed ? l[(k + p) * n + k + i] : l[(k + i) * n + k + p];
      if (lip === 0) continue;
      const rp = p * r;
      for (let j = 0; j < r; j++) t[ri + j] -= lip * t[rp + j];
    }
    const inv = 1 / l[(k + i) * n + k + i];
    for (let j = 0; j < r; j++) t[ri + j] *= inv;
  }
  for (let i = 0; i < nb * r; i++) x[k * r + i] = t[i];
}

/**
 * Solves L X = B (or L' X = B when `transposed`) for the n x n lower-triangular l (upper triangle never read),
 * with B the n x r matrix in x, overwritten by X. Blocked, with the off-diagonal updates as products.
 */
export function blockedTriangularSolve(
  l: Float32Array,
  n: number,
  x: Float32Array,
  r: number,
  transposed: boolean,
  product: Product,
): void {
  if (r === 0) return;
  // With one right-hand side, gathering the factor's panels for the products costs more than the whole substitution
  // (measured at n = 1000-4000; from two right-hand sides on, the blocked solve is as fast or faster).
  if (r === 1 || n <= BLOCK) {
    solveDiagonal(l, n, 0, n, x, r, transposed);
    return;
  }
  if (!transposed) {
    for (let k = 0; k < n; k += BLOCK) {
      const nb = Math.min(BLOCK, n - k);
      const m = n - k - nb;
      solveDiagonal(l, n, k, nb, x, r, false);
      if (m === 0) break;
      // X[k + nb:] -= L[k + nb:, k:k + nb] X[k:k + nb]
      const p = product(block(l, n, k + nb, k, m, nb), m, nb, x.subarray(k * r, (k + nb) * r), r);
      const off = (k + nb) * r;
      for (let i = 0; i < m * r; i++) x[off + i] -= p[i];
    }
    return;
  }
  for (let k = Math.floor((n - 1) / BLOCK) * BLOCK; k >= 0; k -= BLOCK) {
    const nb = Math.min(BLOCK, n - k);
    solveDiagonal(l, n, k, nb, x, r, true);
    if (k === 0) break;
    // X[:k] -= L[k:k + nb, :k]' X[k:k + nb], computed transposed as X[k:k + nb]' L[k:k + nb, :k] so the factor's
    // rows are read as stored and no large transpose is needed.
    const p = product(transpose(x.subarray(k * r, (k + nb) * r), nb, r), r, nb, block(l, n, k, 0, nb, k), k);
    for (let i = 0; i < k; i++) for (let j = 0; j < r; j++) x[i * r + j] -= p[j * k + i];
  }
}
