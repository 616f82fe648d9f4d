import { ShapeError } from '../core';
import { symmetricEigen } from '../linalg/eigen';
import { Matrix, assertSquare } from '../linalg/matrix';

/**
 * How alike two feature matrices are (a network's W_1' W_1, its AGOP, an RFM's M), in float64. Both measures
 * ignore overall scale, which differs arbitrarily between these matrices.
 */

function checkSameShape(caller: string, a: Matrix, b: Matrix): void {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new ShapeError(`${caller}: the matrices differ in shape (${a.rows} x ${a.cols} and ${b.rows} x ${b.cols})`);
  }
}

/**
 * Pearson correlation of the matrices' entries, taken as two vectors of length rows * cols. NaN when either matrix
 * is constant (there is no correlation to speak of).
 */
export function entryCorrelation(a: Matrix, b: Matrix): number {
  checkSameShape('entryCorrelation', a, b);
  const n = a.size;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a.data[i];
    meanB += b.data[i];
  }
  meanA /= n;
  meanB /= n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const x = a.data[i] - meanA;
    const y = b.data[i] - meanB;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa === 0 || bb === 0 ? NaN : ab / Math.sqrt(aa * bb);
}

/**
 * <A, B> / (||A||_F ||B||_F): the uncentred correlation that the RFM paper reports between feature matrices, given
 * beside Pearson's so our numbers can be set against the paper's.
 */
export function cosineSimilarity(a: Matrix, b: Matrix): number {
  checkSameShape('cosineSimilarity', a, b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.size; i++) {
    ab += a.data[i] * b.data[i];
    aa += a.data[i] * a.data[i];
    bb += b.data[i] * b.data[i];
  }
  return aa === 0 || bb === 0 ? NaN : ab / Math.sqrt(aa * bb);
}

/** The unit eigenvector of a symmetric matrix's largest eigenvalue (its sign is arbitrary). */
export function topEigenvector(m: Matrix): Float64Array {
  assertSquare(m, 'topEigenvector input');
  const { vectors } = symmetricEigen(m);
  return Float64Array.from({ length: m.rows }, (_, i) => vectors.get(i, 0));
}

/** The angle in degrees (0..90) between two lines through the origin, given by vectors of either sign. */
export function lineAngle(u: ArrayLike<number>, v: ArrayLike<number>): number {
  if (u.length !== v.length) throw new ShapeError(`lineAngle: vectors of length ${u.length} and ${v.length}`);
  let uv = 0;
  let uu = 0;
  let vv = 0;
  for (let i = 0; i < u.length; i++) {
    uv += u[i] * v[i];
    uu += u[i] * u[i];
    vv += v[i] * v[i];
  }
  if (uu === 0 || vv === 0) throw new ShapeError('lineAngle: a zero vector has no direction');
  return (Math.acos(Math.min(1, Math.abs(uv) / Math.sqrt(uu * vv))) * 180) / Math.PI;
}

/** The angle in degrees (0..90) between the top eigenvectors of two symmetric matrices. */
export function topEigenvectorAngle(a: Matrix, b: Matrix): number {
  checkSameShape('topEigenvectorAngle', a, b);
  return lineAngle(topEigenvector(a), topEigenvector(b));
}
