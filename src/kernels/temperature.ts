import { OptionError, ShapeError, NonFiniteError } from '../core/errors';
import { checkOptions } from '../core/options';
import { Matrix } from '../linalg/matrix';
import type { ScoreMatrix } from '../metrics/classification';

/**
 * Probabilities from kernel scores (docs/rfm-math.md section 7): p = softmax(f / tau), with tau fitted on
 * held-out data by minimising the mean negative log-likelihood of the true labels. The one softmax and the one
 * temperature fit of the project (the RFM, KernelRegressor and the text models use these).
 *
 * The NLL is convex in beta = 1 / tau, so its minimiser is found by bisection on the derivative
 * mean(E_p[f] - f_y), which increases with beta; the bisection runs on log beta (the optimum spans decades).
 * The search range is tau in [1e-4, 1e3] (beta in [1e-3, 1e4]): wide enough for every score scale seen in the
 * studies, and bounded so tau stays finite (and JSON-serialisable) when the scores separate the classes perfectly.
 * A fit that ends at a bound is flagged (`atBound`): the scores are then nearly separable or carry little information.
 */

export type { ScoreMatrix };

/** The default search range of tau. */
export const TEMPERATURE_RANGE: { readonly min: number; readonly max: number } = { min: 1e-4, max: 1e3 };
// The same range as bounds on beta, written as literals so the default search is exactly reproducible.
const BETA_MIN = 1e-3;
const BETA_MAX = 1e4;
const BISECTION_STEPS = 60;

export interface TemperatureFit {
  temperature: number;
  /** Mean NLL at the fitted temperature (nats). */
  nll: number;
  /** True when the optimum is at an end of the search range. */
  atBound: boolean;
}

/** Row-wise log-softmax of scores / temperature, computed stably (the largest score is subtracted first). */
export function logSoftmaxRows(scores: ScoreMatrix, temperature: number): Float64Array {
  checkTemperature(temperature, 'softmax');
  const { rows, cols, data } = scores;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, data[i * cols + j] / temperature);
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(data[i * cols + j] / temperature - max);
    const logNormaliser = max + Math.log(sum);
    for (let j = 0; j < cols; j++) out[i * cols + j] = data[i * cols + j] / temperature - logNormaliser;
  }
  return out;
}

/** Row-wise softmax(scores / temperature) as a float64 matrix (rows sum to 1; the row maximum subtracted first). */
export function softmaxRows(scores: ScoreMatrix, temperature: number): Matrix {
  checkTemperature(temperature, 'softmax');
  const { rows, cols: c, data } = scores;
  const out = new Matrix(rows, c);
  for (let i = 0; i < rows; i++) {
    const off = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, data[off + j]);
    let sum = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp((data[off + j] - max) / temperature);
      out.data[off + j] = e;
      sum += e;
    }
    for (let j = 0; j < c; j++) out.data[off + j] /= sum;
  }
  return out;
}

/** Mean NLL of the labelled rows (label -1 rows are skipped) under softmax(scores / temperature). */
export function meanNegativeLogLikelihood(scores: ScoreMatrix, labels: ArrayLike<number>, temperature: number): number {
  checkScores(scores, labels, 'meanNegativeLogLikelihood');
  return nllAndSlope(scores, labels, 1 / temperature).nll;
}

/**
 * The temperature minimising the mean NLL of `labels` (class indices; -1 skips a row) under softmax(scores / tau),
 * searched in [min, max] (default TEMPERATURE_RANGE).
 */
export function fitTemperature(
  scores: ScoreMatrix,
  labels: ArrayLike<number>,
  range: { min?: number; max?: number } = {},
): TemperatureFit {
  checkOptions('fitTemperature', range, ['min', 'max']);
  const { min, max } = range;
  if (min !== undefined || max !== undefined) {
    const a = min ?? TEMPERATURE_RANGE.min;
    const b = max ?? TEMPERATURE_RANGE.max;
    if (!(a > 0 && b > a && Number.isFinite(b)))
      throw new OptionError(`fitTemperature: need 0 < min < max, got min ${a}, max ${b}`);
  }
  checkScores(scores, labels, 'fitTemperature');
  let lo = max === undefined ? BETA_MIN : 1 / max;
  let hi = min === undefined ? BETA_MAX : 1 / min;
  const result = (beta: number, atBound: boolean): TemperatureFit => ({
    temperature: 1 / beta,
    nll: nllAndSlope(scores, labels, beta).nll,
    atBound,
  });
  if (nllAndSlope(scores, labels, lo).slope >= 0) return result(lo, true);
  if (nllAndSlope(scores, labels, hi).slope <= 0) return result(hi, true);
  // 60 halvings of a 7-decade interval in log beta reach 1e-17.
  for (let it = 0; it < BISECTION_STEPS; it++) {
    const mid = Math.sqrt(lo * hi);
    if (nllAndSlope(scores, labels, mid).slope < 0) lo = mid;
    else hi = mid;
  }
  return result(Math.sqrt(lo * hi), false);
}

function nllAndSlope(scores: ScoreMatrix, labels: ArrayLike<number>, beta: number): { nll: number; slope: number } {
  const { cols: c, data } = scores;
  let nll = 0;
  let slope = 0;
  let count = 0;
  for (let i = 0; i < scores.rows; i++) {
    const y = labels[i];
    if (y < 0) continue;
    const off = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, data[off + j]);
    let sum = 0;
    let weighted = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp(beta * (data[off + j] - max));
      sum += e;
      weighted += e * data[off + j];
    }
    nll += Math.log(sum) + beta * max - beta * data[off + y];
    slope += weighted / sum - data[off + y];
    count++;
  }
  return { nll: nll / count, slope: slope / count };
}

function checkTemperature(temperature: number, where: string): void {
  if (!(temperature > 0 && Number.isFinite(temperature))) {
    throw new OptionError(`${where}: temperature must be a positive number, got ${temperature}`);
  }
}

function checkScores(scores: ScoreMatrix, labels: ArrayLike<number>, where: string): void {
  const { rows, cols, data } = scores ?? ({} as ScoreMatrix);
  if (!scores || !Number.isInteger(rows) || !Number.isInteger(cols) || data.length !== rows * cols) {
    throw new ShapeError(`${where}: scores must be { rows, cols, data } with rows * cols values`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new NonFiniteError(
        `${where}: score ${data[i]} at row ${Math.floor(i / cols)}, column ${i % cols} is not finite`,
      );
    }
  }
  if (labels.length !== rows) throw new ShapeError(`${where}: ${labels.length} targets for ${rows} rows of scores`);
  let labelled = 0;
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    if (t === -1) continue;
    if (!Number.isInteger(t) || t < 0 || t >= cols) {
      throw new ShapeError(`${where}: target ${t} at row ${i} is not a class in [0, ${cols}) (or -1, skipped)`);
    }
    labelled++;
  }
  if (labelled === 0) throw new ShapeError(`${where}: no labelled rows to fit on`);
}
