import { DTypeError, ShapeError } from '../core/errors';
import { FloatArray, Matrix, allocate } from './matrix';

/**
 * O(n^2) elementwise helpers written once in tight typed-array loops. The backends cover the O(n^3) products; these
 * passes are cheap next to them as long as they do not allocate or go through generic code per element.
 */

function sameShape(a: Matrix, b: Matrix, what: string): void {
  if (a.rows !== b.rows || a.cols !== b.cols)
    throw new ShapeError(`${what}: ${a.rows} x ${a.cols} vs ${b.rows} x ${b.cols}`);
}

/** out_i = scale * sum_j a_ij b_ij (the diagonal of scale * A B' without forming it). */
export function rowDots(a: Matrix, b: Matrix, out?: FloatArray, scale = 1): FloatArray {
  sameShape(a, b, 'rowDots');
  const res = out ?? allocate(a.dtype, a.rows);
  const A = a.data;
  const B = b.data;
  const cols = a.cols;
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    for (let j = 0, off = i * cols; j < cols; j++) s += A[off + j] * B[off + j];
    res[i] = scale * s;
  }
  return res;
}

/** out_j (+)= scale * sum_i a_ij^2, each row's term added in double and stored (Backend.addColumnSquares's reference). */
export function addColumnSquares(a: Matrix, out: FloatArray, scale: number, accumulate: boolean): void {
  checkColumnSquares(a, out);
  if (!accumulate) out.fill(0);
  const A = a.data;
  const cols = a.cols;
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0, off = i * cols; j < cols; j++) out[j] += scale * A[off + j] * A[off + j];
  }
}

export function checkColumnSquares(a: Matrix, out: FloatArray): void {
  if (out.length !== a.cols) throw new ShapeError(`addColumnSquares: ${a.cols} columns, output has ${out.length}`);
  if (out instanceof Float32Array !== a.data instanceof Float32Array)
    throw new DTypeError('addColumnSquares: output must have the matrix dtype');
  if (out.buffer === a.data.buffer)
    throw new ShapeError('addColumnSquares: output must not share memory with the matrix');
}

let nativeSymmetrize: ((a: FloatArray, n: number) => void) | undefined | null = null;

/** Tests compare the addon's symmetrize with the JavaScript loop: false makes symmetrize run the loop. */
export function useNativeSymmetrize(on: boolean): void {
  nativeSymmetrize = on ? null : undefined;
}

/**
 * A <- (A + A') / 2 in place, so that products which are symmetric in exact arithmetic are exactly symmetric. The
 * addon runs the same arithmetic (same bits) when it loads: ~0.1 ms at 640 x 640 against ~0.7 ms for this loop, once
 * per iteration of a primal fit.
 */
export function symmetrize(a: Matrix): void {
  if (a.rows !== a.cols) throw new ShapeError(`symmetrize: ${a.rows} x ${a.cols} is not square`);
  if (nativeSymmetrize === null) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      nativeSymmetrize = (require('./backends/native') as typeof import('./backends/native')).nativeSymmetrize();
    } catch {
      nativeSymmetrize = undefined;
    }
  }
  if (nativeSymmetrize) return nativeSymmetrize(a.data, a.rows);
  const n = a.rows;
  const A = a.data;
  const B = 64;
  for (let ib = 0; ib < n; ib += B) {
    for (let jb = 0; jb <= ib; jb += B) {
      const iEnd = Math.min(ib + B, n);
      for (let i = ib; i < iEnd; i++) {
        const jEnd = Math.min(jb + B, i);
        for (let j = jb; j < jEnd; j++) {
          const v = 0.5 * (A[i * n + j] + A[j * n + i]);
          A[i * n + j] = v;
          A[j * n + i] = v;
        }
      }
    }
  }
}

export function addToDiagonal(a: Matrix, value: number): void {
  const n = Math.min(a.rows, a.cols);
  for (let i = 0; i < n; i++) a.data[i * a.cols + i] += value;
}

export function setDiagonal(a: Matrix, value: number): void {
  const n = Math.min(a.rows, a.cols);
  for (let i = 0; i < n; i++) a.data[i * a.cols + i] = value;
}

export function diagonalInto(a: Matrix, out: FloatArray): FloatArray {
  const n = Math.min(a.rows, a.cols);
  for (let i = 0; i < n; i++) out[i] = a.data[i * a.cols + i];
  return out;
}

export function meanDiagonal(a: Matrix): number {
  const n = Math.min(a.rows, a.cols);
  let s = 0;
  for (let i = 0; i < n; i++) s += a.data[i * a.cols + i];
  return s / n;
}

/** out = A diag(scale) (each column j times scale_j). */
export function scaleColumns(a: Matrix, scale: ArrayLike<number>, out: Matrix): Matrix {
  sameShape(a, out, 'scaleColumns');
  if (scale.length !== a.cols) throw new ShapeError(`scaleColumns: ${a.cols} columns, ${scale.length} scales`);
  const A = a.data;
  const O = out.data;
  const cols = a.cols;
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0, off = i * cols; j < cols; j++) O[off + j] = A[off + j] * scale[j];
  }
  return out;
}

export function scaleInPlace(a: Matrix | FloatArray, factor: number): void {
  const d = a instanceof Matrix ? a.data : a;
  for (let i = 0; i < d.length; i++) d[i] *= factor;
}

/** Copies values (converting dtype if needed) into an existing matrix of the same shape. */
export function copyInto(dst: Matrix, src: Matrix): Matrix {
  sameShape(dst, src, 'copyInto');
  dst.data.set(src.data);
  return dst;
}

/** sum_ij a_ij b_ji = trace(A B) for square matrices of one size. */
export function traceOfProduct(a: Matrix, b: Matrix): number {
  sameShape(a, b, 'traceOfProduct');
  const n = a.rows;
  const A = a.data;
  const Bd = b.data;
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += A[i * n + j] * Bd[j * n + i];
  return s;
}

export function maxAbs(a: FloatArray): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
  }
  return m;
}
