import { Matrix } from '../../src/linalg/matrix';
import { Rng } from '../../src/random';

/** Shared by the rfm tests (not a test file itself). */

export function gaussianMatrix(rows: number, cols: number, rng: Rng, scale = 1): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = scale * rng.normal();
  return m;
}

/** A smooth multi-index target on the first coordinates: c columns. */
export function target(x: Matrix, c = 1): Matrix {
  const y = new Matrix(x.rows, c);
  for (let i = 0; i < x.rows; i++) {
    const r = x.row(i);
    for (let k = 0; k < c; k++) y.data[i * c + k] = r[0] * (k + 1) + Math.sin(r[1] + k) + r[2] * r[0];
  }
  return y;
}

export function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
}

/** max |a - b| / max |b|. */
export function matrixRelDiff(a: Matrix, b: Matrix): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.data.length; i++) {
    num = Math.max(num, Math.abs(a.data[i] - b.data[i]));
    den = Math.max(den, Math.abs(b.data[i]));
  }
  return num / den;
}
