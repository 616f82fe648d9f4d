/** Errors that name the problem, so a notebook user sees what went wrong without reading a stack trace. */

export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

export class NonFiniteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteError';
  }
}

export class EmptyMatrixError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmptyMatrixError';
  }
}

/** Thrown by the low-level Cholesky; estimators catch it and retry with jitter (rfm-math.md section 2). */
export class NotSPDError extends Error {
  readonly size: number;
  readonly pivot: number;
  constructor(size: number, pivot: number, detail = '') {
    super(
      `matrix is not symmetric positive definite: Cholesky of the ${size} x ${size} matrix failed at pivot ${pivot}` +
        (detail ? ` (${detail})` : ''),
    );
    this.name = 'NotSPDError';
    this.size = size;
    this.pivot = pivot;
  }
}

export class DTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DTypeError';
  }
}

export class OptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionError';
  }
}

/** Rejects keys the caller did not mean: a misspelt option silently ignored is a wrong experiment. */
export function checkOptions(what: string, options: object | undefined, allowed: readonly string[]): void {
  if (options === undefined || options === null) return;
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new OptionError(`${what}: unknown option "${key}" (allowed: ${allowed.join(', ')})`);
    }
  }
}
