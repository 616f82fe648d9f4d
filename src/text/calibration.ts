// From real-valued scores (kernel regression onto one-hot targets) to probabilities (rfm-math.md section 7):
// p = softmax(f / tau), with the temperature tau fitted on validation scores by minimising the mean negative
// log-likelihood of the true next characters.
//
// The NLL is convex in 1 / tau, hence unimodal in log tau: a golden-section search on log tau over [min, max] finds
// its minimum. A fit that ends at either end of the range is flagged (the scores are then either nearly separable or
// carry almost no information).

import { checkContextCodes, fitContext, type CharModel } from './char-model';
import { checkOptions } from './options';
import type { Vocabulary } from './vocab';
import type { CodeWindows } from './windows';

/** Row-major scores, one row per example and one column per symbol (a linalg Matrix fits). */
export interface ScoreMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: ArrayLike<number>;
}

/** Row-wise softmax of scores / temperature. */
export function softmaxWithTemperature(scores: ScoreMatrix, temperature: number): Float64Array {
  const out = logSoftmaxWithTemperature(scores, temperature);
  for (let i = 0; i < out.length; i++) out[i] = Math.exp(out[i]);
  return out;
}

/** Row-wise log-softmax of scores / temperature (computed stably). */
export function logSoftmaxWithTemperature(scores: ScoreMatrix, temperature: number): Float64Array {
  checkScores(scores, 'logSoftmaxWithTemperature');
  if (!(temperature > 0 && Number.isFinite(temperature))) throw new Error(`softmax: temperature must be a positive number, got ${temperature}`);
  return logSoftmaxRows(scores, temperature);
}

function logSoftmaxRows(scores: ScoreMatrix, temperature: number): Float64Array {
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

/** Mean negative log-likelihood of `targets` under softmax(scores / temperature). */
export function temperatureNll(scores: ScoreMatrix, targets: ArrayLike<number>, temperature: number): number {
  checkScores(scores, 'temperatureNll');
  checkTargets(scores, targets);
  if (!(temperature > 0 && Number.isFinite(temperature))) throw new Error(`temperatureNll: temperature must be a positive number, got ${temperature}`);
  return meanNll(scores, targets, temperature);
}

function meanNll(scores: ScoreMatrix, targets: ArrayLike<number>, temperature: number): number {
  const logp = logSoftmaxRows(scores, temperature);
  let total = 0;
  for (let i = 0; i < scores.rows; i++) total -= logp[i * scores.cols + targets[i]];
  return total / scores.rows;
}

export interface TemperatureFit {
  temperature: number;
  /** Mean NLL at the fitted temperature (nats). */
  nll: number;
  /** True when the optimum is at an end of the search range. */
  atBound: boolean;
}

export interface TemperatureSearch {
  /** Search range of tau. Defaults 1e-3 and 1e3. */
  min?: number;
  max?: number;
  /** Width of the final bracket on log tau. Default 1e-6. */
  tolerance?: number;
}

export function fitTemperature(scores: ScoreMatrix, targets: ArrayLike<number>, options: TemperatureSearch = {}): TemperatureFit {
  checkOptions(options, ['min', 'max', 'tolerance'], 'fitTemperature');
  const { min = 1e-3, max = 1e3, tolerance = 1e-6 } = options;
  if (!(min > 0 && max > min && Number.isFinite(max))) throw new Error(`fitTemperature: need 0 < min < max, got min ${min}, max ${max}`);
  if (!(tolerance > 0)) throw new Error(`fitTemperature: tolerance must be > 0, got ${tolerance}`);
  checkScores(scores, 'fitTemperature');
  checkTargets(scores, targets);
  const objective = (logTau: number) => meanNll(scores, targets, Math.exp(logTau));
  const ratio = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(min);
  let b = Math.log(max);
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let fc = objective(c);
  let fd = objective(d);
  while (b - a > tolerance) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = objective(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = objective(d);
    }
  }
  const logTau = (a + b) / 2;
  const atBound = logTau - Math.log(min) < 10 * tolerance || Math.log(max) - logTau < 10 * tolerance;
  return { temperature: Math.exp(logTau), nll: objective(logTau), atBound };
}

/** Raw scores of a kernel model: one row of vocab.size scores per window. */
export type WindowScorer = (windows: CodeWindows) => ScoreMatrix;

/**
 * A CharModel from a scorer and a fitted temperature. Contexts shorter than `context` (the start of a prompt) are
 * left-padded with `padCode`, by default the space symbol.
 */
export class CalibratedModel implements CharModel {
  readonly padCode: number;

  constructor(
    readonly vocab: Vocabulary,
    readonly context: number,
    private readonly scorer: WindowScorer,
    readonly temperature: number,
    padCode?: number,
  ) {
    if (!Number.isInteger(context) || context < 1) throw new Error(`CalibratedModel: context must be a positive integer, got ${context}`);
    if (!(temperature > 0 && Number.isFinite(temperature))) throw new Error(`CalibratedModel: temperature must be a positive number, got ${temperature}`);
    const space = vocab.indexOf(' ');
    this.padCode = padCode ?? (space >= 0 ? space : 0);
  }

  nextDistribution(context: ArrayLike<number>): Float64Array {
    checkContextCodes(context, this.vocab.size, 'CalibratedModel');
    const window = fitContext(context, this.context, this.padCode);
    return softmaxWithTemperature(this.score({ codes: window, count: 1, context: this.context }), this.temperature);
  }

  logProbs(windows: CodeWindows): Float64Array {
    if (windows.context !== this.context) throw new Error(`CalibratedModel: windows have ${windows.context} characters, the model reads ${this.context}`);
    return logSoftmaxWithTemperature(this.score(windows), this.temperature);
  }

  private score(windows: CodeWindows): ScoreMatrix {
    const scores = this.scorer(windows);
    if (scores.rows !== windows.count || scores.cols !== this.vocab.size) {
      throw new Error(`CalibratedModel: the scorer returned ${scores.rows} x ${scores.cols} scores for ${windows.count} windows x ${this.vocab.size} symbols`);
    }
    return scores;
  }
}

function checkScores(scores: ScoreMatrix, where: string): void {
  if (!scores || !Number.isInteger(scores.rows) || !Number.isInteger(scores.cols) || scores.data.length !== scores.rows * scores.cols) {
    throw new Error(`${where}: scores must be { rows, cols, data } with rows * cols values`);
  }
  for (let i = 0; i < scores.data.length; i++) {
    if (!Number.isFinite(scores.data[i])) {
      throw new Error(`${where}: score ${scores.data[i]} at row ${Math.floor(i / scores.cols)}, column ${i % scores.cols} is not finite`);
    }
  }
}

function checkTargets(scores: ScoreMatrix, targets: ArrayLike<number>): void {
  if (targets.length !== scores.rows) throw new Error(`calibration: ${targets.length} targets for ${scores.rows} rows of scores`);
  if (scores.rows === 0) throw new Error('calibration: no examples to fit on');
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    if (!Number.isInteger(t) || t < 0 || t >= scores.cols) throw new Error(`calibration: target ${t} at row ${i} is not a symbol in [0, ${scores.cols})`);
  }
}
