import type { Backend } from '../linalg/backend';
import { DataError, NotSPDError, ShapeError } from '../core/errors';
import { addToDiagonal, meanDiagonal } from '../linalg/elementwise';
import { FloatArray, Matrix } from '../linalg/matrix';
import { WORK_MATRICES } from '../linalg/matrix-pool';
import { SCAN, scanValues } from '../linalg/value-scan';

/**
 * Checks that catch a kernel machine that would otherwise be silently constant or NaN (docs/reliability.md):
 * the data's scale against the bandwidth, seen in the training kernel matrix, and metrics or Gram matrices that are
 * not positive semi-definite (their "squared distances" go negative, are clamped to 0, and the kernel becomes 1).
 */

/**
 * What is wrong with a training kernel matrix K(X, X) (diagonal 1), if anything: 'non-finite' (a squared distance
 * overflowed float64), 'all-ones' (every pairwise distance is 0 at this bandwidth: K = 11', a constant predictor),
 * 'identity' (every pairwise distance is so large that K = I to 1e-12: the model is 0 away from its training points).
 * One O(n^2) pass, cheap beside the O(n^3) solve.
 */
export type KernelProblem = 'non-finite' | 'all-ones' | 'identity';

export function kernelProblem(k: Matrix): KernelProblem | undefined {
  const n = k.rows;
  if (n < 2) return undefined;
  const bits = scanValues(k.data, n, k.cols);
  if (bits !== undefined) {
    if (bits & SCAN.nonFinite) return 'non-finite';
    return bits & SCAN.offDiagonalOnes ? 'all-ones' : bits & SCAN.offDiagonalZeros ? 'identity' : undefined;
  }
  const data = k.data;
  let allOnes = true;
  let allZero = true;
  // The off-diagonal entries are scanned for the two flags only until both are false (at once, for any learned
  // kernel); the rest of the matrix is only checked to be finite, with one comparison per entry (v - v is NaN for NaN
  // and +-Infinity): this runs before every solve of an RFM fit.
  let i = 0;
  for (; i < n && (allOnes || allZero); i++) {
    const off = i * n;
    for (let j = 0; j < n; j++) {
      const v = data[off + j];
      if (v !== v || v === Infinity || v === -Infinity) return 'non-finite';
      if (i === j) continue;
      // 1e-12: closer to 1 (or 0) than any ridge can tell apart from an all-ones (rank-one) matrix (or I).
      if (allOnes && 1 - v > 1e-12) allOnes = false;
      if (allZero && v > 1e-12) allZero = false;
    }
  }
  for (let p = i * n; p < data.length; p++) if (data[p] - data[p] !== 0) return 'non-finite';
  return allOnes ? 'all-ones' : allZero ? 'identity' : undefined;
}

/** The largest |entry|, for messages that say what scale the data is at. */
export function largestMagnitude(values: FloatArray): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > m) m = a;
  }
  return m;
}

/**
 * The message for a kernel problem seen at iteration 0 (the data, not anything learned): what happened, the scale
 * of X (`scale`: its largest |entry|, when known) and the fix, standardising X or another bandwidth.
 */
export function dataScaleMessage(problem: KernelProblem, bandwidth: number, what: string, scale?: number): string {
  const at = scale === undefined ? '' : ` (X's largest |entry| is ${scale.toExponential(2)})`;
  const fix =
    'standardise X (each feature to mean 0 and variance 1) or choose a bandwidth near the typical distance between points';
  if (problem === 'non-finite') {
    return `${what}: the squared distances between points overflow float64${at}, so the kernel matrix is NaN: standardise X (each feature to mean 0 and variance 1)`;
  }
  if (problem === 'all-ones') {
    return (
      `${what}: every pairwise distance is 0 at bandwidth ${bandwidth}${at}: the kernel matrix is all ones and the ` +
      `model would be a constant: ${fix}`
    );
  }
  return (
    `${what}: every pairwise distance is so large at bandwidth ${bandwidth}${at} that the kernel matrix is the ` +
    `identity: the model memorises its training points and predicts 0 elsewhere (bandwidth too small for the data's scale): ${fix}`
  );
}

/**
 * Throws unless `m` is symmetric and positive semi-definite (a metric M or a Gram matrix X X'): the Cholesky of
 * m + tau I with tau = 1e-9 of its mean diagonal, which succeeds for any PSD matrix (also a singular one, such as
 * a Gram matrix with n > d) and fails for one with an eigenvalue below about -tau.
 */
export async function checkPositiveSemidefinite(backend: Backend, m: Matrix, what: string): Promise<void> {
  const n = m.rows;
  if (m.cols !== n) throw new ShapeError(`${what} must be square, got ${m.rows} x ${m.cols}`);
  const scale = largestMagnitude(m.data);
  for (let i = 0; i < n; i++) {
    if (m.data[i * n + i] < 0) {
      throw new DataError(`${what} is not positive semi-definite: its diagonal entry ${i} is ${m.data[i * n + i]} < 0`);
    }
    for (let j = 0; j < i; j++) {
      if (Math.abs(m.data[i * n + j] - m.data[j * n + i]) > 1e-8 * scale) {
        throw new DataError(`${what} is not symmetric: entries (${i}, ${j}) and (${j}, ${i}) differ`);
      }
    }
  }
  if (scale === 0) return;
  // The float64 copy is factorised in place: a work matrix (matrix-pool.ts), written in full by set() and given back
  // after, since this runs on the Gram of every RFM fit from Gram matrices (3.3 MB at n = 640 allocated per fit).
  const shifted = WORK_MATRICES.take(n, n, 'float64');
  try {
    shifted.data.set(m.data);
    addToDiagonal(shifted, 1e-9 * Math.max(meanDiagonal(shifted), 1e-300));
    await backend.cholesky(shifted, { inPlace: true });
  } catch (e) {
    if (!(e instanceof NotSPDError)) throw e;
    throw new DataError(
      `${what} is not positive semi-definite (it has a negative eigenvalue; Cholesky failed at pivot ${e.pivot}): ` +
        'squared distances under it would be negative and are clamped to 0, making the kernel constant',
    );
  } finally {
    WORK_MATRICES.give(shifted);
  }
}
