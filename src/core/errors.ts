/**
 * One family of errors, so a caller can catch everything rfm-lab throws on purpose with `instanceof RfmLabError`,
 * or one kind of problem with its subclass (numpy's LinAlgError, scikit-learn's NotFittedError). Every message names
 * the problem and, where there is one, the fix: a notebook user should not need the stack trace.
 */

export class RfmLabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An option, hyperparameter or configuration value that is unknown, out of range or of the wrong type. */
export class OptionError extends RfmLabError {}

/** Arrays whose shapes do not fit together (rows of X and Y, feature counts, a non-square Gram...). */
export class ShapeError extends RfmLabError {}

/** A method that needs a fitted model was called before `fit`. */
export class NotFittedError extends RfmLabError {}

/** Data of an unsupported element type (e.g. float32 where float64 is required). */
export class DTypeError extends RfmLabError {}

/** NaN or an infinity in input data. */
export class NonFiniteError extends RfmLabError {}

/** A matrix with no rows or no columns where one with entries is needed. */
export class EmptyMatrixError extends RfmLabError {}

/** Work stopped because its AbortSignal was aborted; nothing was half-changed (a model keeps its previous state). */
export class CancelledError extends RfmLabError {
  constructor(message = 'cancelled') {
    super(message);
  }
}

/** A memory estimate larger than what the machine can give (checkAllocation in core/memory.ts). */
export class MemoryError extends RfmLabError {}

/** Parent of the linear-algebra failures (a matrix that the algorithm cannot handle, rather than bad arguments). */
export class LinAlgError extends RfmLabError {}

/** Thrown by the low-level Cholesky; estimators catch it and retry with jitter (docs/rfm-math.md, "Jitter"). */
export class NotSPDError extends LinAlgError {
  readonly size: number;
  readonly pivot: number;
  constructor(size: number, pivot: number, detail = '') {
    super(
      `matrix is not symmetric positive definite: Cholesky of the ${size} x ${size} matrix failed at pivot ${pivot}` +
        (detail ? ` (${detail})` : ''),
    );
    this.size = size;
    this.pivot = pivot;
  }
}

/** The symmetric eigensolver's QL iteration did not converge. */
export class EigenConvergenceError extends LinAlgError {
  constructor(size: number, index: number) {
    super(
      `symmetric eigensolver: the QL iteration did not converge for eigenvalue ${index} of the ${size} x ${size} matrix`,
    );
  }
}
