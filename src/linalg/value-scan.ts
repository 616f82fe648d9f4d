import type { FloatArray } from './matrix';

/**
 * One pass over a row-major rows x cols matrix for the degeneracy checks (kernels/kernel-checks.ts kernelProblem,
 * rfm/degeneracy.ts agopProblem), in the native addon: they run before every solve and after every update of an RFM
 * fit, and their JavaScript loops cost ~2-4 ms per 640 x 640 matrix (~8 % of a dual fit) against ~0.1 ms. Returns
 * undefined without the addon; the callers' JavaScript loops are then the reference, and give the same answers.
 */
export const SCAN = {
  /** Some value is NaN or +-Infinity (the other bits are then meaningless). */
  nonFinite: 1,
  /** Every value is 0. */
  allZero: 2,
  /** Every off-diagonal value v (row != column) has 1 - v <= 1e-12. */
  offDiagonalOnes: 4,
  /** Every off-diagonal value is <= 1e-12. */
  offDiagonalZeros: 8,
} as const;

let scan: ((a: FloatArray, rows: number, cols: number) => number) | undefined | null = null;

/** Tests compare the addon's answers with the JavaScript loops: false makes scanValues return undefined. */
export function useNativeScan(on: boolean): void {
  scan = on ? null : undefined;
}

export function scanValues(values: FloatArray, rows: number, cols: number): number | undefined {
  if (scan === null) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      scan = (require('./backends/native') as typeof import('./backends/native')).nativeScanValues();
    } catch {
      scan = undefined;
    }
  }
  return scan?.(values, rows, cols);
}
