import { ShapeError } from '../linalg/errors';
import { Matrix } from '../linalg/matrix';

/**
 * Probabilities from kernel scores (rfm-math.md section 7): p = softmax(f / tau), with tau fitted on held-out data by
 * minimising the mean negative log-likelihood of the true labels. NLL is convex in beta = 1 / tau, so the minimiser
 * is found by bisection on its derivative mean(E_p[f] - f_y), which increases with beta.
 */

/** beta is kept in [BETA_MIN, BETA_MAX] so tau stays finite (and JSON-serialisable) when the scores separate perfectly. */
const BETA_MIN = 1e-3;
const BETA_MAX = 1e4;

export function softmaxRows(scores: Matrix, temperature: number): Matrix {
  const out = new Matrix(scores.rows, scores.cols);
  const c = scores.cols;
  for (let i = 0; i < scores.rows; i++) {
    const off = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, scores.data[off + j]);
    let sum = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp((scores.data[off + j] - max) / temperature);
      out.data[off + j] = e;
      sum += e;
    }
    for (let j = 0; j < c; j++) out.data[off + j] /= sum;
  }
  return out;
}

/** Mean NLL of the labelled rows (label -1 rows are skipped) under softmax(scores / temperature). */
export function meanNegativeLogLikelihood(scores: Matrix, labels: Int32Array, temperature: number): number {
  return nllAndSlope(scores, labels, 1 / temperature).nll;
}

function nllAndSlope(scores: Matrix, labels: Int32Array, beta: number): { nll: number; slope: number } {
  const c = scores.cols;
  let nll = 0;
  let slope = 0;
  let count = 0;
  for (let i = 0; i < scores.rows; i++) {
    const y = labels[i];
    if (y < 0) continue;
    const off = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, scores.data[off + j]);
    let sum = 0;
    let weighted = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp(beta * (scores.data[off + j] - max));
      sum += e;
      weighted += e * scores.data[off + j];
    }
    nll += Math.log(sum) + beta * max - beta * scores.data[off + y];
    slope += weighted / sum - scores.data[off + y];
    count++;
  }
  return { nll: nll / count, slope: slope / count };
}

/** The temperature minimising the validation NLL. */
export function fitTemperature(scores: Matrix, labels: Int32Array): number {
  if (labels.length !== scores.rows) throw new ShapeError(`fitTemperature: ${scores.rows} score rows, ${labels.length} labels`);
  if (!labels.some((l) => l >= 0)) throw new ShapeError('fitTemperature: no labelled rows');
  let lo = BETA_MIN;
  let hi = BETA_MAX;
  if (nllAndSlope(scores, labels, lo).slope >= 0) return 1 / lo;
  if (nllAndSlope(scores, labels, hi).slope <= 0) return 1 / hi;
  // Bisection in log(beta): the optimum spans orders of magnitude, 60 halvings of a 7-decade interval reach 1e-17.
  for (let it = 0; it < 60; it++) {
    const mid = Math.sqrt(lo * hi);
    if (nllAndSlope(scores, labels, mid).slope < 0) lo = mid;
    else hi = mid;
  }
  return 1 / Math.sqrt(lo * hi);
}
