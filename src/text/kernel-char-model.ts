// Next-character kernel models over one-hot windows (rfm-math.md sections 2-3 and 5-7): Laplace kernel ridge
// regression onto one-hot targets, with M = I (the Laplace model) or with the metric M learned by an RFM, and
// probabilities softmax(f / tau) with tau fitted on validation windows.
//
// How the pieces fit:
// - The RFM (src/rfm) learns M and picks the iteration by validation accuracy. It runs in the form its cost model
//   prices cheapest: the primal form on the dense one-hot matrix (d = w V = 2400 for the study's windows, cheaper
//   than the dual once n > d), or a dual form on the one-hot Gram matrices (built from the codes, onehot-index.ts).
// - The kept M (d x d; M = X' C X from a dual fit's C) then gives the model's alpha by one more ridge solve: the pair
//   (M_t, alpha_t) of the kept iteration, re-solved in float64 from M_t, as the RFM's own Q form does for float32.
//   This is needed because CharModel is synchronous (generation asks for one distribution at a time) while the RFM
//   predicts asynchronously through the backend, and the RFM keeps its alpha private.
// - Scoring a window against the training windows then costs O(w d + n w + n V) with M (onehot-metric.ts) and
//   O(n w + n V) without: about a millisecond per generated character at n = 5000.

import { checkOptions, OptionError, ShapeError } from '../linalg/errors';
import { Matrix } from '../linalg/matrix';
import { backendFor } from '../linalg/registry';
import { distanceKernelRows } from '../linalg/distance-kernel';
import { forceTrainDiagonal, kernelFromGram, productKernel, zeroTolerance } from '../kernels/kernel';
import { ridgeSolve } from '../kernels/ridge-solve';
import { chooseForm, type Form, type Normalization } from '../rfm/cost-model';
import type { IterationRecord } from '../rfm/history';
import { RFM, type RFMEvent } from '../rfm/rfm';
import { CalibratedModel, fitTemperature, type ScoreMatrix, type TemperatureFit, type WindowScorer } from './calibration';
import { oneHotExpand, oneHotSquaredNorms } from './onehot-gram';
import { OneHotIndex } from './onehot-index';
import { metricCrossProducts, oneHotCongruence, oneHotMetricGram, oneHotTimes } from './onehot-metric';
import { ZERO_ROW, type Vocabulary } from './vocab';
import type { CodeWindows, Windows } from './windows';

/**
 * Default bandwidth L. Squared distances between one-hot windows are 2 (w - matches), ~9-10 apart for w = 48, so L
 * must be of that order. On Moby-Dick (w = 48, 5000 training windows) the Laplace model's validation NLL was lowest
 * at L = 5 of {3, 5, 10, 20, 48}: 3.017 nats, against 3.021 at 3, 3.045 at 10 and 3.082 at the study's 48
 * (`bench/text.bench.ts --bandwidths 3,5,10,20,48` re-measures it). With ridge 1e-3 the RFM kept iteration 0
 * (M = I) at every L tried.
 */
export const DEFAULT_TEXT_BANDWIDTH = 5;
/** The study's L (seed-experiments.md B): with distances ~9-10 it puts every kernel value near exp(-0.2). */
export const STUDY_TEXT_BANDWIDTH = 48;

export interface KernelCharModelOptions {
  /** L of exp(-||x - z||_M / L). Default DEFAULT_TEXT_BANDWIDTH. */
  bandwidth?: number;
  /** lambda. Default 1e-3 (the study's). */
  ridge?: number;
  /** T: 0 is the Laplace model (M = I); T > 0 fits an RFM with iterations 0..T and keeps the best. Default 0. */
  iterations?: number;
  /** Scaling of M after each AGOP: 'none' (the study's, default) or 'trace' (trace(M) = d, the scale of M = I). */
  normalization?: Exclude<Normalization, 'max'>;
  /** Form of the RFM iteration; 'auto' (default) lets the RFM's cost model choose. */
  form?: 'auto' | Form;
  /** AGOP over a random subsample of this many training windows (default all). */
  agopSampleSize?: number;
  seed?: number;
  onEvent?: (event: KernelCharEvent) => void;
}

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
  normalization: Exclude<Normalization, 'max'>;
  trainWindows: number;
  validationWindows: number;
  /** Jitter the final ridge solve needed on top of lambda (0 when none). */
  jitter: number;
  temperature: TemperatureFit;
  /** Wall-clock seconds per stage; `rfm` is the RFM's own fit (0 for the Laplace model). */
  seconds: Record<KernelCharStage, number> & { total: number };
  rfm?: {
    form: Form;
    reason: string;
    bestIteration: number;
    iterationsRun: number;
    stopReason: string;
    history: IterationRecord[];
    /** Seconds, flops and GFLOPS of the RFM's steps, slowest first. */
    profile: Array<{ step: string; seconds: number; flops: number; calls: number; gflops: number }>;
  };
}

const OPTION_KEYS = ['bandwidth', 'ridge', 'iterations', 'normalization', 'form', 'agopSampleSize', 'seed', 'onEvent'];

export class KernelCharModel extends CalibratedModel {
  private constructor(
    vocab: Vocabulary,
    context: number,
    private readonly scoreWindows: WindowScorer,
    temperature: number,
    readonly details: KernelCharFitDetails,
  ) {
    super(vocab, context, scoreWindows, temperature);
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
  static async fit(vocab: Vocabulary, train: Windows, validation: Windows, options: KernelCharModelOptions = {}): Promise<KernelCharModel> {
    checkOptions('KernelCharModel.fit', options, OPTION_KEYS);
    const started = performance.now();
    const { bandwidth = DEFAULT_TEXT_BANDWIDTH, ridge = 1e-3, iterations = 0, normalization = 'none', form = 'auto', seed = 0 } = options;
    if (!(typeof bandwidth === 'number' && bandwidth > 0 && Number.isFinite(bandwidth))) throw new OptionError(`KernelCharModel: bandwidth must be a positive number, got ${String(bandwidth)}`);
    if (!(typeof ridge === 'number' && ridge >= 0 && Number.isFinite(ridge))) throw new OptionError(`KernelCharModel: ridge must be a number >= 0, got ${String(ridge)}`);
    if (!Number.isInteger(iterations) || iterations < 0) throw new OptionError(`KernelCharModel: iterations must be an integer >= 0, got ${String(iterations)}`);
    if (normalization !== 'none' && normalization !== 'trace') throw new OptionError(`KernelCharModel: normalization must be 'none' or 'trace', got ${String(normalization)}`);
    const size = vocab.size;
    checkTrainingWindows(train, size, 'train');
    checkTrainingWindows(validation, size, 'validation');
    if (validation.context !== train.context) throw new ShapeError(`KernelCharModel: validation windows have ${validation.context} characters, training windows ${train.context}`);
    const emit = options.onEvent;
    const seconds: KernelCharFitDetails['seconds'] = { inputs: 0, rfm: 0, metric: 0, solve: 0, calibration: 0, total: 0 };
    const stage = async <T>(name: KernelCharStage, f: () => Promise<T> | T): Promise<T> => {
      const t0 = performance.now();
      const r = await f();
      seconds[name] += (performance.now() - t0) / 1000;
      emit?.({ type: 'stage', stage: name, seconds: seconds[name] });
      return r;
    };

    const index = await stage('inputs', () => new OneHotIndex(train, size));
    let metric: Matrix | null = null;
    let rfmDetails: KernelCharFitDetails['rfm'];
    if (iterations > 0) {
      const learned = await learnMetric(vocab, train, validation, index, { bandwidth, ridge, iterations, normalization, form, seed, agopSampleSize: options.agopSampleSize }, stage, emit);
      metric = learned.metric;
      rfmDetails = learned.details;
    }

    const backend = await backendFor('float64');
    const n = train.count;
    const { alpha, norms, jitter } = await stage('solve', async () => {
      const kernel = metric ? oneHotMetricGram(train, size, metric) : index.crossGram(train);
      const trainNorms = kernel.diagonal();
      await kernelFromGram(backend, kernel, trainNorms, trainNorms, productKernel('laplace', bandwidth), kernel);
      forceTrainDiagonal(kernel);
      const a = new Matrix(n, size);
      const r = await ridgeSolve(backend, kernel, ridge, oneHotTargets(train.targets, size), { factor: new Matrix(n, n), alpha: a }, `kernel matrix K(X, X) of ${n} training windows`, (j, failure) =>
        emit?.({ type: 'jitter', jitter: j, message: `${failure.message}; retrying with jitter ${j.toExponential(2)}` }),
      );
      return { alpha: a, norms: trainNorms, jitter: r.jitter };
    });
    const scorer = windowScorer(index, metric, norms, alpha, bandwidth);
    const temperature = await stage('calibration', () => fitTemperature(scorer(validation), validation.targets));
    seconds.total = (performance.now() - started) / 1000;
    const details: KernelCharFitDetails = {
      model: iterations > 0 ? 'rfm' : 'laplace',
      bandwidth,
      ridge,
      iterations,
      normalization,
      trainWindows: n,
      validationWindows: validation.count,
      jitter,
      temperature,
      seconds,
      ...(rfmDetails ? { rfm: rfmDetails } : {}),
    };
    return new KernelCharModel(vocab, train.context, scorer, temperature.temperature, details);
  }
}

interface MetricOptions {
  bandwidth: number;
  ridge: number;
  iterations: number;
  normalization: Exclude<Normalization, 'max'>;
  form: 'auto' | Form;
  seed: number;
  agopSampleSize?: number;
}

type Stage = <T>(name: KernelCharStage, f: () => Promise<T> | T) => Promise<T>;

/** The RFM's kept M (null when it kept iteration 0, M = I). */
async function learnMetric(
  vocab: Vocabulary,
  train: Windows,
  validation: Windows,
  index: OneHotIndex,
  o: MetricOptions,
  stage: Stage,
  emit: KernelCharModelOptions['onEvent'],
): Promise<{ metric: Matrix | null; details: NonNullable<KernelCharFitDetails['rfm']> }> {
  const size = vocab.size;
  const n = train.count;
  const d = train.context * size;
  const classes = new Set([...train.targets, ...validation.targets]).size;
  const sample = Math.min(o.agopSampleSize ?? n, n);
  const form =
    o.form !== 'auto'
      ? o.form
      : chooseForm({ n, d, c: classes, sample, tracked: validation.count, iterations: o.iterations, dtype: 'float64', diagonal: false, normalization: o.normalization, gramOnly: false }, 'auto').form;
  const rfm = new RFM({
    kernel: 'laplace',
    bandwidth: o.bandwidth,
    ridge: o.ridge,
    iterations: o.iterations,
    normalization: o.normalization,
    agopSampleSize: o.agopSampleSize,
    form,
    seed: o.seed,
    task: 'classification',
  });
  const onEvent = (event: RFMEvent) => emit?.({ type: 'rfm', event });
  let metric: Matrix | null;
  if (form === 'primal') {
    const [x, z] = await stage('inputs', () => [oneHotExpand(train, size), oneHotExpand(validation, size)]);
    await stage('rfm', () => rfm.fit(x, train.targets, { validation: { X: z, Y: validation.targets }, onEvent }));
    metric = await stage('metric', async () => (rfm.bestIteration === 0 ? null : rfm.featureMatrix()));
  } else {
    const [gram, cross] = await stage('inputs', () => [index.crossGram(train), index.crossGram(validation)]);
    await stage('rfm', () =>
      rfm.fit({ gram, features: d }, train.targets, { validation: { gram: cross, norms: oneHotSquaredNorms(validation), Y: validation.targets }, onEvent }),
    );
    metric = await stage('metric', async () => {
      const coef = await rfm.dualCoefficients();
      return coef === null ? null : oneHotCongruence(train, size, coef);
    });
  }
  const s = rfm.summary;
  return {
    metric,
    details: {
      form: s.form,
      reason: s.reason,
      bestIteration: s.bestIteration,
      iterationsRun: s.iterationsRun,
      stopReason: s.stopReason,
      history: rfm.history,
      profile: rfm.profile.summary(),
    },
  };
}

/** Rows of windows scored at once: bounds the m x n kernel block (256 x 5000 float64 = 10 MB). */
const SCORE_BLOCK = 256;

/** f(z) = K_M(z, X) alpha for one-hot windows, synchronously (the CharModel interface is synchronous). */
function windowScorer(index: OneHotIndex, metric: Matrix | null, trainNorms: Float64Array, alpha: Matrix, bandwidth: number): WindowScorer {
  const train = index.x;
  const size = index.vocabSize;
  const n = train.count;
  const kernelOptions = { bandwidth, exponent: 1, zeroTol: zeroTolerance('float64') };
  const a = alpha.data;
  return (windows: CodeWindows): ScoreMatrix => {
    const m = windows.count;
    const w = windows.context;
    const out = new Float64Array(m * size);
    for (let start = 0; start < m; start += SCORE_BLOCK) {
      const rows = Math.min(SCORE_BLOCK, m - start);
      let gram: Matrix;
      let norms: Float64Array;
      if (metric) {
        ({ gram, norms } = metricCrossProducts(oneHotTimes(windows, size, metric, start, rows), windows, train, size, start));
      } else {
        gram = index.crossGram(windows, start, rows);
        norms = new Float64Array(rows);
        for (let r = 0; r < rows; r++) for (let p = 0; p < w; p++) if (windows.codes[(start + r) * w + p] !== ZERO_ROW) norms[r]++;
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
    throw new ShapeError(`KernelCharModel: ${name} must be { codes: Int32Array, count, context } with count * context codes`);
  }
  if (windows.context !== context) throw new ShapeError(`KernelCharModel: ${name} have ${windows.context} characters, the model reads ${context}`);
  for (let i = 0; i < windows.codes.length; i++) {
    const c = windows.codes[i];
    if (c < -1 || c >= size) throw new ShapeError(`KernelCharModel: ${name} code ${c} at window ${Math.floor(i / context)} is not a symbol of a ${size}-symbol vocabulary`);
  }
}

function checkTrainingWindows(windows: Windows, size: number, name: string): void {
  if (!windows || windows.count === 0) throw new ShapeError(`KernelCharModel: no ${name} windows`);
  checkCodes(windows, size, windows.context, name);
  if (!(windows.targets instanceof Int32Array) || windows.targets.length !== windows.count) throw new ShapeError(`KernelCharModel: ${name} windows need one target each`);
  for (let i = 0; i < windows.count; i++) {
    const t = windows.targets[i];
    if (!Number.isInteger(t) || t < 0 || t >= size) {
      throw new ShapeError(`KernelCharModel: ${name} target ${t} at window ${i} is not a symbol (an all-zero row cannot be a target: make windows with zeroTargets 'skip')`);
    }
  }
}
