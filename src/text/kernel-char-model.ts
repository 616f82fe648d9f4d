// Next-character kernel models over one-hot windows (docs/rfm-math.md; docs/text-rfm.md): Laplace kernel ridge
// regression onto one-hot targets, with M = I (the Laplace model) or with the metric M learned by an RFM, and
// probabilities from a softmax layer (temperature, log-score weight, per-symbol bias) fitted on validation windows.
//
// How the pieces fit:
// - The RFM (src/rfm) learns M from the windows' codes (its one-hot input: the products with X run on the codes)
//   and picks the iteration by validation accuracy, or by calibrated validation NLL (`selection: 'nll'`). By default
//   M is diagonal with one weight per context position (`metric: 'position'`): the full AGOP collapses the windows
//   onto ~50 linear projections and predicts worse than M = I, which docs/text-rfm.md measures.
// - The model is the RFM's kept pair (M_t, alpha_t): M_t from featureMatrix(), alpha_t and the training norms from
//   keptState(), so that the synchronous CharModel (generation asks for one distribution at a time) scores windows
//   itself, without the asynchronous backend.
// - Scoring a window against the training windows then costs O(w d + n w + n V) with a full M (the one-hot products
//   of src/rfm/features.ts), O(w + n w + n V) with a diagonal one: about a millisecond per character at n = 5000.

import { OptionError, ShapeError } from '../core/errors';
import { checkOptions } from '../core/options';
import { StageTimer } from '../core/timer';
import { Matrix, type FloatArray } from '../linalg/matrix';
import { backendFor } from '../linalg/registry';
import { distanceKernelRows } from '../linalg/distance-kernel';
import { forceTrainDiagonal, kernelFromGram, productKernel, zeroTolerance } from '../kernels/kernel';
import { ridgeSolve } from '../kernels/ridge-solve';
import type { Form, GradientPath, Normalization } from '../rfm/cost-model';
import { OneHotFeatures } from '../rfm/features';
import type { IterationRecord } from '../rfm/history';
import { RFM, type OneHotInput, type RFMEvent } from '../rfm/rfm';
import { fitTemperature, type ScoreMatrix } from '../kernels/temperature';
import { fitSoftmaxLayer, type SoftmaxLayer } from '../kernels/softmax-layer';
import type { Metric } from '../kernels/kernel';
import { CalibratedModel, type WindowScorer } from './calibration';
import { OneHotIndex } from './onehot-index';
import { ZERO_ROW, type Vocabulary } from './vocab';
import type { CodeWindows, Windows } from './windows';

/**
 * Default bandwidth L. Squared distances between one-hot windows are 2 (w - matches), ~9-10 apart for w = 48, so L
 * must be of that order. On Moby-Dick (w = 48, 5000 training windows) the Laplace model's validation NLL was lowest
 * at L = 5 of {3, 5, 10, 20, 48}: 3.017 nats, against 3.021 at 3, 3.045 at 10 and 3.082 at the study's 48
 * (`bench/text.bench.ts --bandwidths 3,5,10,20,48` re-measures it). The RFM's position weights learn at L = 5 too
 * (trace-normalised, so the distances keep the scale of M = I; docs/text-rfm.md).
 */
export const DEFAULT_TEXT_BANDWIDTH = 5;
/**
 * Default ridge lambda of the RFM. Regression onto one-hot next characters at the study's 1e-3 nearly interpolates
 * the training windows' noisy targets; lambda = 1 smooths them. On Moby-Dick (notebook 02's defaults) the RFM learning
 * at L = 5 went from 3.227 to 3.156 held-out bits per character with it (docs/text-rfm.md section 6, which also
 * measures the grid of final bandwidths and ridges on the kept M: 0.3-1 is the best ridge at every L in 1.5-5).
 */
export const DEFAULT_TEXT_RIDGE = 1;
/** Default ridge of the Laplace model (M = I), the study's: at L = 5, lambda = 1 loses (3.938 vs 3.924 bits/char). */
export const DEFAULT_LAPLACE_RIDGE = 1e-3;
/** The study's L (docs/study-protocol.md section B): with distances ~9-10 it puts every kernel value near exp(-0.2). */
export const STUDY_TEXT_BANDWIDTH = 48;

export interface KernelCharModelOptions {
  /** L of exp(-||x - z||_M / L). Default DEFAULT_TEXT_BANDWIDTH. */
  bandwidth?: number;
  /** lambda. Default DEFAULT_TEXT_RIDGE (1) for an RFM, DEFAULT_LAPLACE_RIDGE (1e-3, the study's) for M = I. */
  ridge?: number;
  /** T: 0 is the Laplace model (M = I); T > 0 fits an RFM with iterations 0..T and keeps the best. Default 0. */
  iterations?: number;
  /**
   * The RFM's M: 'position' (default; diagonal, one weight per context position: RFM groupSize = V), 'diagonal' (one
   * weight per position and symbol) or 'full' (the study's). docs/text-rfm.md compares them.
   */
  metric?: TextMetric;
  /** Scaling of M after each AGOP: 'trace' (default; trace(M) = d, the scale of M = I) or 'none' (the study's). */
  normalization?: Exclude<Normalization, 'max'>;
  /**
   * Probabilities: 'layer' (default; softmax of beta f + gamma log f + per-symbol bias, kernels/softmax-layer.ts) or
   * 'temperature' (softmax(f / tau)). Both fitted on the validation windows.
   */
  calibration?: 'layer' | 'temperature';
  /** Form of the RFM iteration; 'auto' (default) lets the RFM's cost model choose. */
  form?: 'auto' | Form;
  /** AGOP over a random subsample of this many training windows (default all). */
  agopSampleSize?: number;
  /**
   * How the RFM picks its iteration on the validation windows: 'accuracy' (the RFM's default, ties broken by MSE) or
   * 'nll', the mean negative log-likelihood under the temperature fitted to that iteration's scores (the number the
   * model is then calibrated by). Default 'accuracy'.
   */
  selection?: 'accuracy' | 'nll';
  seed?: number;
  onEvent?: (event: KernelCharEvent) => void;
}

/** 'metric' forms the RFM's kept M; 'solve' is the Laplace model's ridge solve (the RFM's alpha is its own). */
export type KernelCharStage = 'inputs' | 'rfm' | 'metric' | 'solve' | 'calibration';

export type KernelCharEvent =
  | { type: 'stage'; stage: KernelCharStage; seconds: number }
  | { type: 'jitter'; jitter: number; message: string }
  | { type: 'rfm'; event: RFMEvent };

/** What a fit did, as plain data. */
export interface KernelCharFitDetails {
  model: 'laplace' | 'rfm';
  bandwidth: number;
  ridge: number;
  iterations: number;
  metric: TextMetric;
  normalization: Exclude<Normalization, 'max'>;
  calibration: 'layer' | 'temperature';
  trainWindows: number;
  validationWindows: number;
  /** Jitter the ridge solve of the model's alpha needed on top of lambda (0 when none). */
  jitter: number;
  /** The fitted calibration: beta = 1 / temperature, gamma, biases (gamma = 0 and no bias for 'temperature'). */
  softmax: SoftmaxLayer;
  /** Wall-clock seconds per stage; `rfm` is the RFM's own fit (0 for the Laplace model). */
  seconds: Record<KernelCharStage, number> & { total: number };
  rfm?: {
    form: Form;
    reason: string;
    gradients?: GradientPath;
    selection: 'accuracy' | 'nll';
    bestIteration: number;
    iterationsRun: number;
    stopReason: string;
    history: IterationRecord[];
    /** diag(M) of the kept iteration, w x V row-major (position p, symbol v at p V + v); all ones at t = 0. */
    weights: Float64Array;
    /** Seconds, flops and GFLOPS of the RFM's steps, slowest first. */
    profile: Array<{ step: string; seconds: number; flops: number; calls: number; gflops: number }>;
  };
}

export type TextMetric = 'position' | 'diagonal' | 'full';

const OPTION_KEYS = [
  'bandwidth',
  'ridge',
  'iterations',
  'metric',
  'normalization',
  'calibration',
  'form',
  'agopSampleSize',
  'selection',
  'seed',
  'onEvent',
];

/** The RFM options of each text metric (one-hot windows of `vocabularySize` symbols per position). */
export function textMetricOptions(
  metric: TextMetric,
  vocabularySize: number,
): { diagonal: boolean; groupSize?: number } {
  if (metric === 'position') return { diagonal: true, groupSize: vocabularySize };
  return { diagonal: metric === 'diagonal' };
}

export class KernelCharModel extends CalibratedModel {
  private constructor(
    vocab: Vocabulary,
    context: number,
    private readonly scoreWindows: WindowScorer,
    calibration: SoftmaxLayer,
    readonly details: KernelCharFitDetails,
  ) {
    super(vocab, context, scoreWindows, calibration);
  }

  /** The raw kernel outputs f (count x vocab.size), before the softmax. */
  rawScores(windows: CodeWindows): ScoreMatrix {
    checkCodes(windows, this.vocab.size, this.context, 'windows');
    return this.scoreWindows(windows);
  }

  /**
   * Fits on `train` (windows and their next characters) and calibrates on `validation`, which also picks the RFM's
   * iteration. Both must come from the same vocabulary and context length.
   */
  static async fit(
    vocab: Vocabulary,
    train: Windows,
    validation: Windows,
    options: KernelCharModelOptions = {},
  ): Promise<KernelCharModel> {
    const o = parseOptions(options);
    const size = vocab.size;
    checkTrainingWindows(train, size, 'train');
    checkTrainingWindows(validation, size, 'validation');
    if (validation.context !== train.context)
      throw new ShapeError(
        `KernelCharModel: validation windows have ${validation.context} characters, training windows ${train.context}`,
      );
    const emit = options.onEvent;
    const timer = new StageTimer<KernelCharStage>(['inputs', 'rfm', 'metric', 'solve', 'calibration']);
    const seconds = timer.seconds as KernelCharFitDetails['seconds'];
    const stage = async <T>(name: KernelCharStage, f: () => Promise<T> | T): Promise<T> => {
      const r = await timer.time(name, f);
      emit?.({ type: 'stage', stage: name, seconds: seconds[name] });
      return r;
    };
    const index = await stage('inputs', () => new OneHotIndex(train, size));
    let model: KeptModel;
    let rfmDetails: KernelCharFitDetails['rfm'];
    if (o.iterations > 0) ({ model, details: rfmDetails } = await learnModel(vocab, train, validation, o, stage, emit));
    else model = await stage('solve', () => solveLaplace(index, train, o, emit));
    const scorer = windowScorer(index, model.metric, model.norms, model.alpha, o.bandwidth);
    const softmax = await stage('calibration', () => calibrate(scorer(validation), validation.targets, o.calibration));
    seconds.total = timer.elapsedSeconds();
    const details: KernelCharFitDetails = {
      model: o.iterations > 0 ? 'rfm' : 'laplace',
      bandwidth: o.bandwidth,
      ridge: o.ridge,
      iterations: o.iterations,
      metric: o.metric,
      normalization: o.normalization,
      calibration: o.calibration,
      trainWindows: train.count,
      validationWindows: validation.count,
      jitter: model.jitter,
      softmax,
      seconds,
      ...(rfmDetails ? { rfm: rfmDetails } : {}),
    };
    return new KernelCharModel(vocab, train.context, scorer, softmax, details);
  }
}

type ParsedOptions = Required<Omit<KernelCharModelOptions, 'onEvent' | 'agopSampleSize'>> & { agopSampleSize?: number };

function parseOptions(options: KernelCharModelOptions): ParsedOptions {
  checkOptions('KernelCharModel.fit', options, OPTION_KEYS);
  const {
    bandwidth = DEFAULT_TEXT_BANDWIDTH,
    iterations = 0,
    ridge = iterations > 0 ? DEFAULT_TEXT_RIDGE : DEFAULT_LAPLACE_RIDGE,
    metric = 'position',
    normalization = 'trace',
    calibration = 'layer',
  } = options;
  const { form = 'auto', selection = 'accuracy', seed = 0, agopSampleSize } = options;
  if (!(typeof bandwidth === 'number' && bandwidth > 0 && Number.isFinite(bandwidth)))
    throw new OptionError(`KernelCharModel: bandwidth must be a positive number, got ${String(bandwidth)}`);
  if (!(typeof ridge === 'number' && ridge >= 0 && Number.isFinite(ridge)))
    throw new OptionError(`KernelCharModel: ridge must be a number >= 0, got ${String(ridge)}`);
  if (!Number.isInteger(iterations) || iterations < 0)
    throw new OptionError(`KernelCharModel: iterations must be an integer >= 0, got ${String(iterations)}`);
  if (!['position', 'diagonal', 'full'].includes(metric))
    throw new OptionError(`KernelCharModel: metric must be 'position', 'diagonal' or 'full', got ${String(metric)}`);
  if (normalization !== 'none' && normalization !== 'trace')
    throw new OptionError(`KernelCharModel: normalization must be 'none' or 'trace', got ${String(normalization)}`);
  if (calibration !== 'layer' && calibration !== 'temperature')
    throw new OptionError(`KernelCharModel: calibration must be 'layer' or 'temperature', got ${String(calibration)}`);
  if (selection !== 'accuracy' && selection !== 'nll')
    throw new OptionError(`KernelCharModel: selection must be 'accuracy' or 'nll', got ${String(selection)}`);
  return { bandwidth, ridge, iterations, metric, normalization, calibration, form, selection, seed, agopSampleSize };
}

/** The softmax layer, or the temperature alone as a layer (gamma = 0, no bias). */
function calibrate(scores: ScoreMatrix, targets: Int32Array, calibration: 'layer' | 'temperature'): SoftmaxLayer {
  if (calibration === 'layer') return fitSoftmaxLayer(scores, targets);
  const t = fitTemperature(scores, targets);
  return {
    beta: 1 / t.temperature,
    gamma: 0,
    bias: new Float64Array(scores.cols),
    floor: 1,
    nll: t.nll,
    temperatureNll: t.nll,
    steps: 0,
  };
}

/** The Laplace model: alpha = (K + lambda I)^-1 Y with K over the one-hot windows (M = I). */
async function solveLaplace(
  index: OneHotIndex,
  train: Windows,
  o: ParsedOptions,
  emit: KernelCharModelOptions['onEvent'],
): Promise<KeptModel> {
  const backend = await backendFor('float64');
  const n = train.count;
  const size = index.vocabSize;
  const kernel = index.crossGram(train);
  const trainNorms = kernel.diagonal();
  await kernelFromGram(backend, kernel, trainNorms, trainNorms, productKernel('laplace', o.bandwidth), kernel);
  forceTrainDiagonal(kernel);
  const a = new Matrix(n, size);
  const r = await ridgeSolve(
    backend,
    kernel,
    o.ridge,
    oneHotTargets(train.targets, size),
    { factor: new Matrix(n, n), alpha: a },
    `kernel matrix K(X, X) of ${n} training windows`,
    (j, failure) =>
      emit?.({ type: 'jitter', jitter: j, message: `${failure.message}; retrying with jitter ${j.toExponential(2)}` }),
  );
  return { metric: null, alpha: a, norms: trainNorms, jitter: r.jitter };
}

type Stage = <T>(name: KernelCharStage, f: () => Promise<T> | T) => Promise<T>;

/** What scores windows: M (null for M = I), alpha (n x vocab.size) and the training windows' squared M-norms. */
interface KeptModel {
  metric: Exclude<Metric, { kind: 'identity' }> | null;
  alpha: Matrix;
  norms: Float64Array;
  jitter: number;
  /** diag(M) (RFM only). */
  weights?: Float64Array;
}

function oneHotInput(windows: CodeWindows, size: number): OneHotInput {
  return { oneHot: { codes: windows.codes, width: windows.context, vocabulary: size } };
}

/** The RFM's kept pair (M_t, alpha_t), with alpha_t widened to one column per symbol. */
async function learnModel(
  vocab: Vocabulary,
  train: Windows,
  validation: Windows,
  o: ParsedOptions,
  stage: Stage,
  emit: KernelCharModelOptions['onEvent'],
): Promise<{ model: KeptModel; details: NonNullable<KernelCharFitDetails['rfm']> }> {
  const size = vocab.size;
  const rfm = new RFM({
    kernel: 'laplace',
    bandwidth: o.bandwidth,
    ridge: o.ridge,
    iterations: o.iterations,
    ...textMetricOptions(o.metric, size),
    normalization: o.normalization,
    agopSampleSize: o.agopSampleSize,
    form: o.form,
    seed: o.seed,
    task: 'classification',
  });
  const onEvent = (event: RFMEvent) => emit?.({ type: 'rfm', event });
  // The RFM's classes are the symbols seen as targets in training or validation, in increasing order.
  const classes = Array.from(new Set([...train.targets, ...validation.targets])).sort((a, b) => a - b);
  const validationScore =
    o.selection === 'nll' ? (scores: Matrix) => calibratedNll(scores, classes, size, validation.targets) : undefined;
  await stage('rfm', () =>
    rfm.fit(oneHotInput(train, size), train.targets, {
      validation: { ...oneHotInput(validation, size), Y: validation.targets },
      validationScore,
      onEvent,
    }),
  );
  const model = await stage('metric', async () => {
    await rfm.materialize();
    const kept = rfm.keptState();
    const alpha = new Matrix(train.count, size);
    const c = classes.length;
    for (let i = 0; i < train.count; i++)
      for (let k = 0; k < c; k++) alpha.data[i * size + classes[k]] = kept.alpha.data[i * c + k];
    const m = await rfm.featureMatrix();
    const weights = m.diagonal() as Float64Array;
    const metric: KeptModel['metric'] =
      kept.iteration === 0
        ? null
        : o.metric === 'full'
          ? { kind: 'full', matrix: m }
          : { kind: 'diagonal', diagonal: weights };
    return { metric, alpha, norms: kept.norms, jitter: rfm.history[kept.iteration].jitter, weights };
  });
  const s = rfm.summary;
  return {
    model,
    details: {
      form: s.form,
      reason: s.reason,
      gradients: s.gradients,
      selection: o.selection,
      bestIteration: s.bestIteration,
      iterationsRun: s.iterationsRun,
      stopReason: s.stopReason,
      history: rfm.history,
      weights: model.weights!,
      profile: rfm.profile.summary(),
    },
  };
}

/** The calibrated mean NLL of the model with these validation scores (one column per class; unseen symbols score 0). */
function calibratedNll(scores: Matrix, classes: number[], size: number, targets: Int32Array): number {
  const c = classes.length;
  const wide = new Float64Array(scores.rows * size);
  for (let i = 0; i < scores.rows; i++)
    for (let k = 0; k < c; k++) wide[i * size + classes[k]] = scores.data[i * c + k];
  return fitTemperature({ rows: scores.rows, cols: size, data: wide }, targets).nll;
}

/** Rows of windows scored at once: bounds the m x n kernel block (256 x 5000 float64 = 10 MB). */
const SCORE_BLOCK = 256;

/** f(z) = K_M(z, X) alpha for one-hot windows, synchronously (the CharModel interface is synchronous). */
function windowScorer(
  index: OneHotIndex,
  metric: KeptModel['metric'],
  trainNorms: Float64Array,
  alpha: Matrix,
  bandwidth: number,
): WindowScorer {
  const train = index.x;
  const size = index.vocabSize;
  const n = train.count;
  const w = train.context;
  const trainFeatures = metric
    ? OneHotFeatures.fromCodes({ codes: train.codes, width: w, vocabulary: size })
    : undefined;
  const kernelOptions = { bandwidth, exponent: 1, zeroTol: zeroTolerance('float64') };
  const a = alpha.data;
  return (windows: CodeWindows): ScoreMatrix => {
    const m = windows.count;
    const out = new Float64Array(m * size);
    for (let start = 0; start < m; start += SCORE_BLOCK) {
      const rows = Math.min(SCORE_BLOCK, m - start);
      let gram: Matrix;
      let norms: FloatArray;
      if (metric) {
        const block = OneHotFeatures.fromCodes({
          codes: windows.codes.subarray(start * w, (start + rows) * w),
          width: w,
          vocabulary: size,
        });
        const zm = block.times(metric);
        gram = trainFeatures!.crossProducts(zm);
        norms = block.rowDots(zm);
      } else {
        gram = index.crossGram(windows, start, rows);
        norms = new Float64Array(rows);
        for (let r = 0; r < rows; r++)
          for (let p = 0; p < w; p++) if (windows.codes[(start + r) * w + p] !== ZERO_ROW) norms[r]++;
      }
      distanceKernelRows(gram.data, norms, trainNorms, n, 0, rows, kernelOptions, gram.data, undefined);
      const k = gram.data;
      for (let r = 0; r < rows; r++) {
        const row = (start + r) * size;
        for (let j = 0; j < n; j++) {
          const kj = k[r * n + j];
          if (kj === 0) continue;
          const aj = j * size;
          for (let c = 0; c < size; c++) out[row + c] += kj * a[aj + c];
        }
      }
    }
    return { rows: m, cols: size, data: out };
  };
}

/** One-hot rows over the whole vocabulary: a symbol never seen as a target gets an all-zero output column. */
function oneHotTargets(targets: Int32Array, size: number): Matrix {
  const y = new Matrix(targets.length, size);
  for (let i = 0; i < targets.length; i++) y.data[i * size + targets[i]] = 1;
  return y;
}

function checkCodes(windows: CodeWindows, size: number, context: number, name: string): void {
  if (!windows || !(windows.codes instanceof Int32Array) || windows.codes.length !== windows.count * windows.context) {
    throw new ShapeError(
      `KernelCharModel: ${name} must be { codes: Int32Array, count, context } with count * context codes`,
    );
  }
  if (windows.context !== context)
    throw new ShapeError(`KernelCharModel: ${name} have ${windows.context} characters, the model reads ${context}`);
  for (let i = 0; i < windows.codes.length; i++) {
    const c = windows.codes[i];
    if (c < -1 || c >= size)
      throw new ShapeError(
        `KernelCharModel: ${name} code ${c} at window ${Math.floor(i / context)} is not a symbol of a ${size}-symbol vocabulary`,
      );
  }
}

function checkTrainingWindows(windows: Windows, size: number, name: string): void {
  if (!windows || windows.count === 0) throw new ShapeError(`KernelCharModel: no ${name} windows`);
  checkCodes(windows, size, windows.context, name);
  if (!(windows.targets instanceof Int32Array) || windows.targets.length !== windows.count)
    throw new ShapeError(`KernelCharModel: ${name} windows need one target each`);
  for (let i = 0; i < windows.count; i++) {
    const t = windows.targets[i];
    if (!Number.isInteger(t) || t < 0 || t >= size) {
      throw new ShapeError(
        `KernelCharModel: ${name} target ${t} at window ${i} is not a symbol (an all-zero row cannot be a target: make windows with zeroTargets 'skip')`,
      );
    }
  }
}
