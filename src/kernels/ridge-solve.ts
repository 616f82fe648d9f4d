import type { Backend } from '../linalg/backend';
import { addToDiagonal, copyInto, meanDiagonal } from '../linalg/elementwise';
import { NotSPDError } from '../core';
import { DType, Matrix } from '../linalg/matrix';

/**
 * alpha = (K + lambda I)^-1 Y by Cholesky, with the jitter policy of rfm-math.md section 2: when the factorisation
 * fails, retry with lambda + j * mean(diag(K + lambda I)) for j in JITTER_MULTIPLES (growing 100x each time; float32
 * starts higher because its rounding is ~1e-7 of the diagonal), then throw naming the size and the jitters tried.
 */
export const JITTER_MULTIPLES: Readonly<Record<DType, readonly number[]>> = {
  float64: [1e-10, 1e-8, 1e-6, 1e-4],
  float32: [1e-6, 1e-4, 1e-2],
};

export interface RidgeSolveResult {
  /** The jitter added on top of the ridge (0 when the first factorisation succeeded). */
  jitter: number;
}

/**
 * Solves into `alpha` (n x c), using `factor` (n x n) as scratch; K and Y are left untouched. `onJitter` hears of
 * each retry before it is made (for the fit's event callback); `what` names the matrix in the final error.
 */
export async function ridgeSolve(
  backend: Backend,
  kernel: Matrix,
  ridge: number,
  y: Matrix,
  work: { factor: Matrix; alpha: Matrix },
  what: string,
  onJitter?: (jitter: number, failure: NotSPDError) => void,
): Promise<RidgeSolveResult> {
  const tries = [0, ...JITTER_MULTIPLES[kernel.dtype]];
  let scale = 0;
  let last: NotSPDError | undefined;
  for (const multiple of tries) {
    copyInto(work.factor, kernel);
    addToDiagonal(work.factor, ridge);
    if (multiple === 0) scale = meanDiagonal(work.factor);
    const jitter = multiple * scale;
    if (jitter > 0) {
      onJitter?.(jitter, last!);
      addToDiagonal(work.factor, jitter);
    }
    try {
      await backend.cholesky(work.factor, { inPlace: true });
    } catch (e) {
      if (!(e instanceof NotSPDError)) throw e;
      last = e;
      continue;
    }
    copyInto(work.alpha, y);
    await backend.triangularSolve(work.factor, work.alpha, { inPlace: true });
    await backend.triangularSolve(work.factor, work.alpha, { transpose: true, inPlace: true });
    return { jitter };
  }
  const n = kernel.rows;
  const tried = JITTER_MULTIPLES[kernel.dtype].map((m) => (m * scale).toExponential(2)).join(', ');
  throw new NotSPDError(
    n,
    last!.pivot,
    `${what} + ridge ${ridge} stayed non-positive-definite after jitter ${tried} (multiples ${JITTER_MULTIPLES[kernel.dtype].join(', ')} of the mean diagonal ${scale.toPrecision(4)}), ${kernel.dtype}`,
  );
}
