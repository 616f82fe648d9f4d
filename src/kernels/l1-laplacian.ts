import { ShapeError } from '../core/errors';
import { Matrix } from '../linalg/matrix';

/**
 * The L1 Laplacian exp(-sum_i |x_i - z_i| / L) of the study's notebooks. It has no matrix-product form, so it is
 * computed directly, in blocks of rows so that a block of Z and a block of X stay in cache together. Zero distances
 * are exact here (|x - x| = 0), so no tolerance is needed.
 */
const BLOCK = 32;

export function l1LaplacianKernel(z: Matrix, x: Matrix, bandwidth: number, out?: Matrix): Matrix {
  if (z.cols !== x.cols) throw new ShapeError(`the model has ${x.cols} features, the points given have ${z.cols}`);
  const res = out ?? new Matrix(z.rows, x.rows, z.dtype);
  if (res.rows !== z.rows || res.cols !== x.rows)
    throw new ShapeError(`l1LaplacianKernel: output must be ${z.rows} x ${x.rows}`);
  const d = z.cols;
  const Z = z.data;
  const X = x.data;
  const K = res.data;
  const n = x.rows;
  const invL = 1 / bandwidth;
  for (let ib = 0; ib < z.rows; ib += BLOCK) {
    const iEnd = Math.min(ib + BLOCK, z.rows);
    for (let jb = 0; jb < n; jb += BLOCK) {
      const jEnd = Math.min(jb + BLOCK, n);
      for (let i = ib; i < iEnd; i++) {
        const zo = i * d;
        for (let j = jb; j < jEnd; j++) {
          const xo = j * d;
          let s = 0;
          for (let p = 0; p < d; p++) s += Math.abs(Z[zo + p] - X[xo + p]);
          K[i * n + j] = Math.exp(-s * invL);
        }
      }
    }
  }
  return res;
}
