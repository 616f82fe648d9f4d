import { DataError } from '../core/errors';
import { FloatArray, Matrix } from '../linalg/matrix';
import { SCAN, scanValues } from '../linalg/value-scan';
import { dataScaleMessage, kernelProblem } from '../kernels/kernel-checks';

/**
 * A fit that degenerates stops with an event rather than keeping a constant or NaN model (docs/reliability.md):
 *   - at iteration 0 the kernel matrix sees the data itself: a NaN or all-ones K is the data's scale against the
 *     bandwidth, an error (nothing was learned yet); K = I is a warning (the plain kernel memorises, the fit goes on);
 *   - after an AGOP update, an all-zero or non-finite M_{t+1} (or, in the dual forms, S_t or P_{t+1}), or a NaN or
 *     all-ones K later, is a collapse of what was learned: the iterations stop, and the kept model is the best of
 *     those fitted before.
 * The engines call the checks (EngineSetup.checks); the fit loop turns a DegenerateIteration into an event.
 */

/** What the engines call: on the kernel matrix before each solve, and on the AGOP's values after each update. */
export interface EngineChecks {
  kernel(k: Matrix): void;
  agop(values: FloatArray, what: string): void;
}

/** Thrown by the checks inside the engine and caught by the fit loop (never reaches the caller). */
export class DegenerateIteration extends Error {
  constructor(
    readonly iteration: number,
    readonly cause: string,
  ) {
    super(`iteration ${iteration}: ${cause}`);
  }
}

const LIKELY = "likely cause: the bandwidth is too small for the data's scale (standardise X, or raise the bandwidth)";

function agopProblem(values: FloatArray): 'all-zero' | 'non-finite' | undefined {
  const bits = scanValues(values, 1, values.length);
  if (bits !== undefined) return bits & SCAN.nonFinite ? 'non-finite' : bits & SCAN.allZero ? 'all-zero' : undefined;
  // One comparison per entry once a non-zero is seen (v - v is NaN for NaN and +-Infinity): this runs after every
  // update of an RFM fit, over n^2 or d^2 values.
  let i = 0;
  for (; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) return 'non-finite';
    if (v !== 0) break;
  }
  if (i === values.length) return 'all-zero';
  for (; i < values.length; i++) if (values[i] - values[i] !== 0) return 'non-finite';
  return undefined;
}

export function engineChecks(
  iteration: { current: number },
  bandwidth: number,
  scale: () => number | undefined,
  warn: (message: string) => void,
): EngineChecks {
  return {
    kernel(k: Matrix): void {
      const problem = kernelProblem(k);
      if (problem === undefined) return;
      const t = iteration.current;
      if (t === 0) {
        const message = dataScaleMessage(problem, bandwidth, 'RFM.fit', scale());
        if (problem === 'identity') warn(message);
        else throw new DataError(message);
      } else if (problem !== 'identity') {
        const what =
          problem === 'all-ones'
            ? `every pairwise distance under M_${t} is 0 (M_${t} is about 0)`
            : `the kernel matrix under M_${t} is not finite`;
        throw new DegenerateIteration(t, `${what}: the AGOP collapsed; ${LIKELY}`);
      }
    },
    agop(values: FloatArray, what: string): void {
      const problem = agopProblem(values);
      if (problem === undefined) return;
      const t = iteration.current;
      const found =
        problem === 'all-zero'
          ? `the AGOP update (${what}) is all zero: every gradient of f_${t} vanished`
          : `the AGOP update (${what}) is not finite (overflow)`;
      throw new DegenerateIteration(t, `${found}; ${LIKELY}`);
    },
  };
}

/** Runs one step of the loop; a DegenerateIteration comes back as a value, anything else is thrown. */
export async function unlessDegenerate<T>(
  step: () => Promise<T>,
): Promise<{ value?: T; degenerate?: DegenerateIteration }> {
  try {
    return { value: await step() };
  } catch (e) {
    if (e instanceof DegenerateIteration) return { degenerate: e };
    throw e;
  }
}
