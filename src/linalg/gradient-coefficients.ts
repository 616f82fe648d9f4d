import type { GradientCoefficientsOptions } from './backend';
import type { FloatArray } from './matrix';

/**
 * Backend.gradientCoefficients over typed arrays, written once for the js and tfjs backends (the native addon has its
 * own C loop with the same arithmetic: products and sums in double, rounded once per stored entry, so the three agree
 * bit for bit). W is m x n, A is n x c, S is m x c and B (written) is m x n.
 */
export function gradientCoefficientsInto(
  W: FloatArray,
  A: FloatArray,
  S: FloatArray,
  m: number,
  n: number,
  c: number,
  o: GradientCoefficientsOptions,
  B: FloatArray,
): void {
  const { rows, output: k, kappa } = o;
  for (let r = 0; r < m; r++) {
    const off = r * n;
    for (let i = 0; i < n; i++) B[off + i] = kappa * W[off + i] * A[i * c + k];
    const j = rows === null ? r : rows[r];
    B[off + j] -= kappa * S[r * c + k];
  }
  if (o.centering) {
    const mean = new Float64Array(n);
    for (let r = 0; r < m; r++) for (let i = 0, off = r * n; i < n; i++) mean[i] += B[off + i];
    for (let i = 0; i < n; i++) mean[i] /= m;
    for (let r = 0; r < m; r++) for (let i = 0, off = r * n; i < n; i++) B[off + i] -= mean[i];
  }
}
