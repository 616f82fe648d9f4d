import { Matrix } from '../../linalg/matrix';
import { Rng } from '../../random';

/**
 * The scaling test's data (seed-experiments.md part A): X ~ N(0, 1) of n x dMax, the first d columns scaled by
 * 1/sqrt(d) (nested features), rows [0, train) split at random into fit and validation, the rest test.
 */

export type ScalingTarget = 'code' | 'page';

/** The study's code used 5 x1^3 + 2 x2^2 + 10 x3; its page and report print 5 x1^3 + 10 x2^2 + 2 x3. */
export const TARGET_COEFFICIENTS: Record<ScalingTarget, [number, number, number]> = {
  code: [5, 2, 10],
  page: [5, 10, 2],
};

export function targetFormula(target: ScalingTarget): string {
  const [a, b, c] = TARGET_COEFFICIENTS[target];
  return `${a} x1^3 + ${b} x2^2 + ${c} x3`;
}

/**
 * Var f(x) for x ~ N(0, I/d) (E x^6 = 15 s^6, Var x^2 = 2 s^4): the scale the test MSE is compared with. Predicting 0
 * already scores about this much, so a falling MSE at large d is partly the target shrinking.
 */
export function targetVariance(target: ScalingTarget, d: number, noise = 0): number {
  const [a, b, c] = TARGET_COEFFICIENTS[target];
  return (15 * a * a) / d ** 3 + (2 * b * b) / d ** 2 + (c * c) / d + noise * noise;
}

export interface ScalingTrialData {
  /** Unscaled N(0, 1) features, n x dMax. */
  x: Matrix;
  fit: Int32Array;
  validation: Int32Array;
  test: Int32Array;
  /** Label noise per row (zeros without noise), fixed per trial so every d sees the same noise draw. */
  noise: Float64Array;
}

export function scalingTrialData(options: {
  seed: number;
  samples: number;
  trainRows: number;
  fitRows: number;
  maxDim: number;
  noise: number;
}): ScalingTrialData {
  const rng = new Rng(options.seed);
  const x = new Matrix(options.samples, options.maxDim);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal();
  const perm = rng.shuffle(Array.from({ length: options.trainRows }, (_, i) => i));
  const noise = new Float64Array(options.samples);
  if (options.noise > 0) for (let i = 0; i < noise.length; i++) noise[i] = options.noise * rng.normal();
  return {
    x,
    fit: Int32Array.from(perm.slice(0, options.fitRows)),
    validation: Int32Array.from(perm.slice(options.fitRows)),
    test: Int32Array.from({ length: options.samples - options.trainRows }, (_, i) => options.trainRows + i),
    noise,
  };
}

/** Targets of the given rows at dimension d (features scaled by 1/sqrt(d)), as a column. */
export function scalingTargets(data: ScalingTrialData, rows: Int32Array, d: number, target: ScalingTarget): Matrix {
  const [a, b, c] = TARGET_COEFFICIENTS[target];
  const s = 1 / Math.sqrt(d);
  const y = new Matrix(rows.length, 1);
  const cols = data.x.cols;
  for (let r = 0; r < rows.length; r++) {
    const off = rows[r] * cols;
    const x1 = data.x.data[off] * s;
    const x2 = data.x.data[off + 1] * s;
    const x3 = data.x.data[off + 2] * s;
    y.data[r] = a * x1 * x1 * x1 + b * x2 * x2 + c * x3 + data.noise[rows[r]];
  }
  return y;
}

/** The first d features of the given rows, scaled by 1/sqrt(d). */
export function scaledFeatures(data: ScalingTrialData, rows: Int32Array, d: number): Matrix {
  const out = new Matrix(rows.length, d);
  const s = 1 / Math.sqrt(d);
  const cols = data.x.cols;
  for (let r = 0; r < rows.length; r++) {
    const off = rows[r] * cols;
    for (let j = 0; j < d; j++) out.data[r * d + j] = data.x.data[off + j] * s;
  }
  return out;
}
