import { OptionError } from '../core/errors';
import { checkOptions } from '../core/options';
import type { ScoreMatrix } from '../metrics/classification';
import { fitTemperature, logSoftmaxRows } from './temperature';

/**
 * A multinomial logistic layer on kernel scores, fitted on held-out data (docs/text-rfm.md, "Calibration"):
 *     logit_k = beta f_k + gamma log(max(f_k, floor)) + b_k,    p = softmax(logit).
 * beta alone is the temperature fit (beta = 1 / tau, temperature.ts), and the fit starts from it. The per-class bias
 * b_k supplies the prior a regression onto one-hot targets under-weights (rare classes), and the log term lets a
 * score that estimates a probability act as a log-probability: a kernel regression onto one-hot targets estimates
 * p(k | x) itself, which softmax(f / tau) turns into probabilities far too flat near 0 and too sharp near 1.
 * The mean NLL is convex in (beta, gamma, b); a damped Newton method with a small ridge l2 (which also fixes the
 * shift the bias would otherwise be free in) minimises it.
 */

export interface SoftmaxLayerOptions {
  /** Fit the per-class bias b. Default true. */
  bias?: boolean;
  /** Fit gamma (the log-score weight). Default true. */
  logScores?: boolean;
  /** Scores below it count as it in the log term. Default 1e-3. */
  floor?: number;
  /** Ridge on the biases b. Default 1e-4. */
  l2?: number;
}

export interface SoftmaxLayer {
  beta: number;
  gamma: number;
  bias: Float64Array;
  floor: number;
  /** Mean NLL on the data it was fitted on (nats), and that of the temperature fit alone. */
  nll: number;
  temperatureNll: number;
  /** Newton steps taken. */
  steps: number;
}

const MAX_STEPS = 50;

export function fitSoftmaxLayer(
  scores: ScoreMatrix,
  labels: ArrayLike<number>,
  options: SoftmaxLayerOptions = {},
): SoftmaxLayer {
  checkOptions('fitSoftmaxLayer', options, ['bias', 'logScores', 'floor', 'l2']);
  const { bias = true, logScores = true, floor = 1e-3, l2 = 1e-4 } = options;
  if (!(floor > 0 && Number.isFinite(floor)))
    throw new OptionError(`fitSoftmaxLayer: floor must be a positive number, got ${String(floor)}`);
  if (!(l2 >= 0 && Number.isFinite(l2)))
    throw new OptionError(`fitSoftmaxLayer: l2 must be a number >= 0, got ${String(l2)}`);
  const start = fitTemperature(scores, labels);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0)
      throw new OptionError(`fitSoftmaxLayer: label ${labels[i]} at row ${i}: every row needs a class`);
  }
  const c = scores.cols;
  const free = [true, logScores, ...Array<boolean>(c).fill(bias)];
  let theta = new Float64Array(2 + c);
  theta[0] = 1 / start.temperature;
  const logs = logTerm(scores, floor);
  let value = objective(scores, logs, labels, theta, l2);
  let steps = 0;
  for (; steps < MAX_STEPS; steps++) {
    const { gradient, hessian } = derivatives(scores, logs, labels, theta, l2);
    const step = newtonStep(hessian, gradient, free);
    let t = 1;
    let next = theta;
    let nextValue = Infinity;
    for (let halving = 0; halving < 30; halving++) {
      next = theta.map((v, a) => v - t * step[a]);
      nextValue = objective(scores, logs, labels, next, l2);
      if (nextValue <= value - 1e-4 * t * dot(gradient, step)) break;
      t /= 2;
    }
    if (!(nextValue < value)) break;
    const gain = value - nextValue;
    theta = next;
    value = nextValue;
    if (gain < 1e-12) break;
  }
  return {
    beta: theta[0],
    gamma: theta[1],
    bias: theta.slice(2),
    floor,
    nll: value - penalty(theta, l2),
    temperatureNll: start.nll,
    steps,
  };
}

/** Row-wise log-probabilities of the layer on new scores. */
export function softmaxLayerLogProbs(layer: SoftmaxLayer, scores: ScoreMatrix): Float64Array {
  const { rows, cols, data } = scores;
  if (layer.bias.length !== cols)
    throw new OptionError(`softmaxLayerLogProbs: the layer has ${layer.bias.length} classes, the scores ${cols}`);
  const logits = new Float64Array(rows * cols);
  for (let i = 0; i < logits.length; i++) {
    logits[i] = layer.beta * data[i] + layer.gamma * Math.log(Math.max(data[i], layer.floor)) + layer.bias[i % cols];
  }
  return logSoftmaxRows({ rows, cols, data: logits }, 1);
}

function logTerm(scores: ScoreMatrix, floor: number): Float64Array {
  return Float64Array.from(scores.data, (v) => Math.log(Math.max(v, floor)));
}

/** The ridge is on the biases only: it fixes their free shift without pulling beta or gamma towards 0. */
function penalty(theta: Float64Array, l2: number): number {
  let s = 0;
  for (let k = 2; k < theta.length; k++) s += theta[k] * theta[k];
  return 0.5 * l2 * s;
}

/** Logits of row i into z, softmax into p. */
function rowSoftmax(
  scores: ScoreMatrix,
  logs: Float64Array,
  theta: Float64Array,
  i: number,
  z: Float64Array,
  p: Float64Array,
): number {
  const c = scores.cols;
  let max = -Infinity;
  for (let k = 0; k < c; k++) {
    z[k] = theta[0] * scores.data[i * c + k] + theta[1] * logs[i * c + k] + theta[2 + k];
    max = Math.max(max, z[k]);
  }
  let sum = 0;
  for (let k = 0; k < c; k++) sum += p[k] = Math.exp(z[k] - max);
  for (let k = 0; k < c; k++) p[k] /= sum;
  return max + Math.log(sum);
}

function objective(
  scores: ScoreMatrix,
  logs: Float64Array,
  labels: ArrayLike<number>,
  theta: Float64Array,
  l2: number,
): number {
  const c = scores.cols;
  const z = new Float64Array(c);
  const p = new Float64Array(c);
  let total = 0;
  for (let i = 0; i < scores.rows; i++) total += rowSoftmax(scores, logs, theta, i, z, p) - z[labels[i]];
  return total / scores.rows + penalty(theta, l2);
}

/**
 * Gradient and Hessian of the mean NLL: per row, with J_k = (f_k, log f_k, e_k) the derivative of logit k,
 * g = sum_k (p_k - y_k) J_k and H = sum_k p_k J_k J_k' - m m', m = sum_k p_k J_k.
 */
function derivatives(
  scores: ScoreMatrix,
  logs: Float64Array,
  labels: ArrayLike<number>,
  theta: Float64Array,
  l2: number,
): { gradient: Float64Array; hessian: Float64Array } {
  const c = scores.cols;
  const P = 2 + c;
  const gradient = new Float64Array(P);
  const hessian = new Float64Array(P * P);
  const z = new Float64Array(c);
  const p = new Float64Array(c);
  for (let i = 0; i < scores.rows; i++) {
    rowSoftmax(scores, logs, theta, i, z, p);
    const f = scores.data;
    let mf = 0;
    let mg = 0;
    let ff = 0;
    let fg = 0;
    let gg = 0;
    for (let k = 0; k < c; k++) {
      const a = f[i * c + k];
      const b = logs[i * c + k];
      mf += p[k] * a;
      mg += p[k] * b;
      ff += p[k] * a * a;
      fg += p[k] * a * b;
      gg += p[k] * b * b;
    }
    const y = labels[i];
    gradient[0] += mf - f[i * c + y];
    gradient[1] += mg - logs[i * c + y];
    gradient[2 + y] -= 1;
    hessian[0] += ff - mf * mf;
    hessian[1] += fg - mf * mg;
    hessian[P + 1] += gg - mg * mg;
    for (let k = 0; k < c; k++) {
      gradient[2 + k] += p[k];
      const hf = p[k] * (f[i * c + k] - mf);
      const hg = p[k] * (logs[i * c + k] - mg);
      hessian[2 + k] += hf;
      hessian[P + 2 + k] += hg;
      const row = (2 + k) * P + 2;
      hessian[row + k] += p[k];
      for (let j = 0; j < c; j++) hessian[row + j] -= p[k] * p[j];
    }
  }
  const n = scores.rows;
  for (let a = 0; a < P; a++) {
    gradient[a] = gradient[a] / n + (a >= 2 ? l2 * theta[a] : 0);
    for (let b = a; b < P; b++) {
      const v = hessian[a * P + b] / n + (a === b && a >= 2 ? l2 : 0);
      hessian[a * P + b] = v;
      hessian[b * P + a] = v;
    }
  }
  return { gradient, hessian };
}

/** H^-1 g restricted to the free parameters (Cholesky; the others do not move). */
function newtonStep(hessian: Float64Array, gradient: Float64Array, free: boolean[]): Float64Array {
  const idx = free.flatMap((f, a) => (f ? [a] : []));
  const P = free.length;
  const m = idx.length;
  const L = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = hessian[idx[i] * P + idx[j]] + (i === j ? 1e-12 : 0);
      for (let k = 0; k < j; k++) s -= L[i * m + k] * L[j * m + k];
      L[i * m + j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / L[j * m + j];
    }
  }
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = gradient[idx[i]];
    for (let k = 0; k < i; k++) s -= L[i * m + k] * y[k];
    y[i] = s / L[i * m + i];
  }
  const step = new Float64Array(P);
  for (let i = m - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < m; k++) s -= L[k * m + i] * step[idx[k]];
    step[idx[i]] = s / L[i * m + i];
  }
  return step;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
