// Next-character kernel models over one-hot windows (docs/rfm-math.md; docs/text-rfm.md): kernel ridge regression
// onto one-hot targets, Laplace with M = I (the Laplace model), or under the metric M learned by an RFM, and
// probabilities from a softmax layer (temperature, log-score weight, per-symbol bias) fitted on validation windows.
//
// How the pieces fit:
// - The RFM (src/rfm) learns M from the windows' codes (its one-hot input: the products with X run on the codes)
//   and picks the iteration by validation accuracy, or by calibrated validation NLL (`selection: 'nll'`). By default
//   M is diagonal with one weight per context position (`metric: 'position'`): the full AGOP collapses the windows
//   onto ~50 linear projections and predicts worse than M = I, which docs/text-rfm.md measures.
// - The Laplace model is the same RFM with T = 0. The model scores windows through RFM.predict on their one-hot codes
//   (its one-hot path: Z diag(M) X' from X's column index, no dense Z M, with a diagonal M or M = I), its class
//   columns widened to one per symbol. So the exact and the Nystrom solvers (`solver`, `nystrom`) serve alike.
// - Scoring a window against the training windows (or Nystrom centres) costs O(w d + n w + n V) with a full M,
//   O(~0.07 n w + n V) with a diagonal one on English text.
// - An RFM with the 'position' metric then predicts, by default, with the back-off kernel of its kept M
//   (`finalKernel: 'backoff'`, text/suffix-tree-kernel.ts): exp(-||M^(1/2) (x - z)||_inf / L), fitted exactly through
//   the trie of the training windows, optionally with each window's last characters as more targets (`innerTargets`),
//   or of other windows, e.g. every window of the training text (`backoffWindows`): the fit is exact and O(n w log n).
//   It scores a window in O(w log n + V). docs/text-rfm.md sections 7 and 8.

import { OptionError, ShapeError } from '../core/errors';
import { checkOptions } from '../core/options';
import { StageTimer } from '../core/timer';
import type { Matrix } from '../linalg/matrix';
import type { NystromProgress } from '../kernels/nystrom';
import type { NystromOptions, SolverChoice, SolverName } from '../kernels/solver-choice';
import type { Form, GradientPath, Normalization } from '../rfm/cost-model';
import type { IterationRecord } from '../rfm/history';
import { RFM, type OneHotInput, type RFMEvent } from '../rfm/rfm';
import { fitTemperature, type ScoreMatrix } from '../kernels/temperature';
import { fitSoftmaxLayer, type SoftmaxLayer } from '../kernels/softmax-layer';
import { CalibratedModel, type WindowScorer } from './calibration';
import { SuffixTreeRegressor } from './suffix-tree-kernel';
import type { Vocabulary } from './vocab';
import { withInnerTargets, type CodeWindows, type Windows } from './windows';

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
/**
 * Default L of the back-off kernel exp(-||M^(1/2) (x - z)||_inf / L) the RFM predicts with (`finalKernel: 'backoff'`,
 * text/suffix-tree-kernel.ts). On Moby-Dick (notebook 02's defaults, the RFM's kept M, ridge 1, the windows and their
 * inner targets) the calibrated validation NLL was lowest at L = 10 of {5, 10, 30} (2.819 bits, 2.832 at 5; 30 ties
 * at ridge 0.3); docs/text-rfm.md section 7.
 */
export const DEFAULT_BACKOFF_BANDWIDTH = 10;
/**
 * Default L of the back-off kernel when it is fitted on `backoffWindows` (every window of the training text, say).
 * With ~1M windows the counts resolve deeper contexts, and a smaller L (larger increments between the trie's levels)
 * backs off less: on Moby-Dick (the M kept at notebook 02's defaults, ridge 1, the 966,727 windows of the train split)
 * the calibrated validation NLL was lowest at L = 0.7 of {0.3, 0.5, 0.7, 1, 2, 3, 5, 10, 30}: 2.065 bits, against
 * 2.103 at 10; docs/text-rfm.md section 8.
 */
export const DEFAULT_WHOLE_TEXT_BACKOFF_BANDWIDTH = 0.7;
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
  /**
   * The kernel the fitted model predicts with, under the RFM's kept M: 'backoff' (default for an RFM with the
   * 'position' metric; exp(-||M^(1/2) (x - z)||_inf / L), which backs off to the windows sharing fewer of the heaviest
   * positions like an interpolated n-gram, fitted exactly through a trie: text/suffix-tree-kernel.ts) or 'laplace' (the
   * RFM's own kernel; the only one for M = I, the 'diagonal' and 'full' metrics, or a kept t = 0). The RFM learns M
   * with its Laplace kernel either way. docs/text-rfm.md section 7.
   */
  finalKernel?: 'backoff' | 'laplace';
  /**
   * L of the back-off kernel. Default DEFAULT_BACKOFF_BANDWIDTH (10), or DEFAULT_WHOLE_TEXT_BACKOFF_BANDWIDTH (0.7)
   * with `backoffWindows`. Its ridge is `ridge`.
   */
  backoffBandwidth?: number;
  /**
   * The windows the back-off fit learns from instead of `train` (same context, each with its target), e.g. every
   * window of the training text: the fit is exact and costs O(n w log n), so it can see far more windows than the RFM
   * learns M on (~10 s and ~2 GB for Moby-Dick's 966,727). Default: `train`. docs/text-rfm.md section 8.
   */
  backoffWindows?: Windows;
  /**
   * The back-off fit also learns from each training window's last k context characters as targets, each with the
   * window's characters before it inside those k (windows.ts withInnerTargets): the events an order-(k + 1) n-gram
   * counts in the same text. Default 0; the text experiment sets ngramOrder - 1, its like-for-like n-gram's events.
   */
  innerTargets?: number;
  /** Form of the RFM iteration; 'auto' (default) lets the RFM's cost model choose. */
  form?: 'auto' | Form;
  /** AGOP over a random subsample of this many training windows (default all). */
  agopSampleSize?: number;
  /**
   * How the RFM picks its iteration on the validation windows: 'accuracy' (the RFM's default, ties broken by MSE) or
   * 'nll', the mean negative log-likelihood under the temperature fitted to that iteration's scores (the number the
   * model is then calibrated by, with the RFM's own kernel). Either way on the RFM's Laplace kernel: the back-off fit
   * comes after, under the kept M. Default 'accuracy'.
   */
  selection?: 'accuracy' | 'nll';
  seed?: number;
  /**
   * The RFM's solver: 'auto' (default; exact unless it would not fit in memory or be too slow), 'exact' or
   * 'nystrom' (m centres, kernels/nystrom.ts; `nystrom` sets m, sampling, direct or CG). `details.solver` says which.
   */
  solver?: SolverName;
  nystrom?: NystromOptions;
  onEvent?: (event: KernelCharEvent) => void;
  /** Nystrom solver: progress per block of K_nm and per CG iteration. */
  onProgress?: (progress: NystromProgress) => void;
  /** Aborting it ends the fit with a CancelledError (checked between iterations, blocks and CG steps). */
  signal?: AbortSignal;
}

/**
 * 'rfm' is the RFM's fit (T = 0 for the Laplace model); 'metric' forms the kept M for the details (T > 0); 'backoff'
 * the back-off kernel's fit under it.
 */
export type KernelCharStage = 'rfm' | 'metric' | 'backoff' | 'calibration';

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
  /** The kernel the model predicts with (the RFM's M learned with its Laplace kernel either way). */
  finalKernel: 'backoff' | 'laplace';
  /**
   * The back-off fit: its L, the windows it learned from ('train', the RFM's, or the given `backoffWindows`) and how
   * many, its training pairs (windows and inner targets) and trie nodes.
   */
  backoff?: {
    bandwidth: number;
    windows: 'train' | 'backoffWindows';
    windowCount: number;
    innerTargets: number;
    pairs: number;
    nodes: number;
  };
  /** Exact or Nystrom, and why (the RFM's summary). */
  solver: SolverChoice;
  trainWindows: number;
  validationWindows: number;
  /** Jitter the ridge solve of the model's alpha needed on top of lambda (0 when none). */
  jitter: number;
  /** The fitted calibration: beta = 1 / temperature, gamma, biases (gamma = 0 and no bias for 'temperature'). */
  softmax: SoftmaxLayer;
  /** Wall-clock seconds per stage; `rfm` is the RFM's own fit. */
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
  'finalKernel',
  'backoffBandwidth',
  'backoffWindows',
  'innerTargets',
  'form',
  'agopSampleSize',
  'selection',
  'seed',
  'solver',
  'nystrom',
  'onEvent',
  'onProgress',
  'signal',
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
    private readonly scores: WindowScorer,
    calibration: SoftmaxLayer,
    readonly details: KernelCharFitDetails,
  ) {
    super(vocab, context, scores, calibration);
  }

  /** The raw kernel outputs f (count x vocab.size), before the softmax. */
  async rawScores(windows: CodeWindows): Promise<ScoreMatrix> {
    checkCodes(windows, this.vocab.size, this.context, 'windows');
    return this.scores(windows);
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
    if (o.innerTargets >= train.context)
      throw new OptionError(
        `KernelCharModel: innerTargets must be below the context of ${train.context} characters, got ${o.innerTargets}`,
      );
    const backoffWindows = checkBackoffWindows(options.backoffWindows, train, size);
    const emit = options.onEvent;
    const timer = new StageTimer<KernelCharStage>(['rfm', 'metric', 'backoff', 'calibration']);
    const seconds = timer.seconds as KernelCharFitDetails['seconds'];
    const stage: Stage = async (name, f) => {
      const r = await timer.time(name, f);
      emit?.({ type: 'stage', stage: name, seconds: seconds[name] });
      return r;
    };
    const rfm = await fitRfm(vocab, train, validation, o, options, stage);
    const rfmDetails = o.iterations > 0 ? await stage('metric', () => learnedDetails(rfm, o.selection)) : undefined;
    // The back-off kernel of M = I (a kept t = 0) gives every pair of distinct windows the same value: Laplace then.
    const backoff =
      o.finalKernel === 'backoff' && rfmDetails && rfmDetails.bestIteration > 0
        ? await stage('backoff', () =>
            fitBackoff(backoffWindows ?? train, !!backoffWindows, rfmDetails.weights, size, o),
          )
        : undefined;
    const scorer: WindowScorer = backoff
      ? async (windows) => backoff.predict(windows)
      : (windows) => symbolScores(rfm, size, windows);
    const softmax = await stage('calibration', async () =>
      calibrate(await scorer(validation), validation.targets, o.calibration),
    );
    seconds.total = timer.elapsedSeconds();
    const details: KernelCharFitDetails = {
      model: o.iterations > 0 ? 'rfm' : 'laplace',
      bandwidth: o.bandwidth,
      ridge: o.ridge,
      iterations: o.iterations,
      metric: o.metric,
      normalization: o.normalization,
      calibration: o.calibration,
      finalKernel: backoff ? 'backoff' : 'laplace',
      ...(backoff ? { backoff: backoff.details } : {}),
      solver: rfm.summary.solver!,
      trainWindows: train.count,
      validationWindows: validation.count,
      // The history may drop records of a long fit, never the kept one.
      jitter: rfm.history.find((h) => h.iteration === rfm.bestIteration)!.jitter,
      softmax,
      seconds,
      ...(rfmDetails ? { rfm: rfmDetails } : {}),
    };
    return new KernelCharModel(vocab, train.context, scorer, softmax, details);
  }
}

/** `backoffWindows`, checked like training windows (they must read the model's context). */
function checkBackoffWindows(windows: Windows | undefined, train: Windows, size: number): Windows | undefined {
  if (windows === undefined) return undefined;
  checkTrainingWindows(windows, size, 'backoffWindows');
  if (windows.context !== train.context)
    throw new ShapeError(
      `KernelCharModel: backoffWindows have ${windows.context} characters, training windows ${train.context}`,
    );
  return windows;
}

/**
 * The back-off kernel's exact fit under the kept M's position weights, on the windows (the RFM's, or the given
 * backoffWindows: `given`) and their inner targets.
 */
function fitBackoff(train: Windows, given: boolean, diagonal: Float64Array, size: number, o: ParsedOptions) {
  const w = train.context;
  const weights = Float64Array.from({ length: w }, (_, p) => diagonal[p * size]);
  const pairs = withInnerTargets(train, o.innerTargets);
  const model = SuffixTreeRegressor.fit(pairs, {
    weights,
    bandwidth: o.backoffBandwidth,
    ridge: o.ridge,
    classes: size,
  });
  return {
    predict: (windows: CodeWindows) => model.predict(windows),
    details: {
      bandwidth: o.backoffBandwidth,
      windows: given ? ('backoffWindows' as const) : ('train' as const),
      windowCount: train.count,
      innerTargets: o.innerTargets,
      pairs: pairs.count,
      nodes: model.nodes,
    },
  };
}

type ParsedOptions = Required<
  Omit<
    KernelCharModelOptions,
    'onEvent' | 'agopSampleSize' | 'solver' | 'nystrom' | 'onProgress' | 'signal' | 'backoffWindows'
  >
> & { agopSampleSize?: number };

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
  const backoffOptions = parseBackoffOptions(options, iterations, metric);
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
  if (backoffOptions.finalKernel === 'backoff' && !(ridge > 0))
    throw new OptionError(`KernelCharModel: the back-off kernel needs a ridge > 0, got ${ridge}`);
  return {
    bandwidth,
    ridge,
    iterations,
    metric,
    normalization,
    calibration,
    form,
    selection,
    seed,
    agopSampleSize,
    ...backoffOptions,
  };
}

/** finalKernel (default 'backoff' for an RFM with the 'position' metric), its bandwidth and innerTargets, checked. */
function parseBackoffOptions(
  options: KernelCharModelOptions,
  iterations: number,
  metric: TextMetric,
): Pick<ParsedOptions, 'finalKernel' | 'backoffBandwidth' | 'innerTargets'> {
  const possible = iterations > 0 && metric === 'position';
  const given = options.backoffWindows !== undefined;
  const {
    finalKernel = possible ? 'backoff' : 'laplace',
    backoffBandwidth = given ? DEFAULT_WHOLE_TEXT_BACKOFF_BANDWIDTH : DEFAULT_BACKOFF_BANDWIDTH,
    innerTargets = 0,
  } = options;
  if (finalKernel !== 'backoff' && finalKernel !== 'laplace')
    throw new OptionError(`KernelCharModel: finalKernel must be 'backoff' or 'laplace', got ${String(finalKernel)}`);
  if (finalKernel === 'backoff' && !possible)
    throw new OptionError(
      "KernelCharModel: finalKernel 'backoff' needs an RFM (iterations > 0) with the 'position' metric (one weight per context position)",
    );
  if (!(typeof backoffBandwidth === 'number' && backoffBandwidth > 0 && Number.isFinite(backoffBandwidth)))
    throw new OptionError(
      `KernelCharModel: backoffBandwidth must be a positive number, got ${String(backoffBandwidth)}`,
    );
  if (!Number.isInteger(innerTargets) || innerTargets < 0)
    throw new OptionError(`KernelCharModel: innerTargets must be an integer >= 0, got ${String(innerTargets)}`);
  if (given && finalKernel !== 'backoff')
    throw new OptionError(
      "KernelCharModel: backoffWindows need finalKernel 'backoff' (the Laplace kernel's solve is the RFM's, on the training windows)",
    );
  if (innerTargets > 0 && finalKernel !== 'backoff')
    throw new OptionError(
      "KernelCharModel: innerTargets need finalKernel 'backoff' (the Laplace kernel's exact solve is fitted on the windows alone)",
    );
  return { finalKernel, backoffBandwidth, innerTargets };
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

type Stage = <T>(name: KernelCharStage, f: () => Promise<T> | T) => Promise<T>;

function oneHotInput(windows: CodeWindows, size: number): OneHotInput {
  return { oneHot: { codes: windows.codes, width: windows.context, vocabulary: size } };
}

/**
 * The RFM on the windows' one-hot codes: iterations 0..T, the best on the validation windows kept (T = 0: the
 * Laplace model, M = I, which needs no validation).
 */
async function fitRfm(
  vocab: Vocabulary,
  train: Windows,
  validation: Windows,
  o: ParsedOptions,
  options: KernelCharModelOptions,
  stage: Stage,
): Promise<RFM> {
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
    solver: options.solver,
    nystrom: options.nystrom,
  });
  const emit = options.onEvent;
  const onEvent = (event: RFMEvent) => {
    if (event.type === 'jitter') emit?.({ type: 'jitter', jitter: event.jitter, message: event.message });
    emit?.({ type: 'rfm', event });
  };
  // With validation windows the RFM's classes are the symbols seen as targets in training or validation.
  const classes = Array.from(new Set([...train.targets, ...validation.targets])).sort((a, b) => a - b);
  const validationScore =
    o.selection === 'nll' ? (scores: Matrix) => calibratedNll(scores, classes, size, validation.targets) : undefined;
  const tracked =
    o.iterations > 0
      ? { validation: { ...oneHotInput(validation, size), Y: validation.targets }, validationScore }
      : {};
  await stage('rfm', () =>
    rfm.fit(oneHotInput(train, size), train.targets, {
      ...tracked,
      onEvent,
      signal: options.signal,
      onProgress: options.onProgress,
    }),
  );
  return rfm;
}

/** What the RFM learned, as plain data: its kept iteration, history and diag(M_t) (which forms M_t once). */
async function learnedDetails(
  rfm: RFM,
  selection: 'accuracy' | 'nll',
): Promise<NonNullable<KernelCharFitDetails['rfm']>> {
  await rfm.materialize();
  const weights = (await rfm.featureMatrix()).diagonal() as Float64Array;
  const s = rfm.summary;
  return {
    form: s.form,
    reason: s.reason,
    gradients: s.gradients,
    selection,
    bestIteration: s.bestIteration,
    iterationsRun: s.iterationsRun,
    stopReason: s.stopReason,
    history: rfm.history,
    weights,
    profile: rfm.profile.summary(),
  };
}

/** The calibrated mean NLL of the model with these validation scores (one column per class; unseen symbols score 0). */
function calibratedNll(scores: Matrix, classes: number[], size: number, targets: Int32Array): number {
  return fitTemperature(widen(scores, classes, size), targets).nll;
}

/** Scores with one column per class widened to one per symbol: a symbol never seen as a target scores 0. */
function widen(scores: Matrix, classes: number[], size: number): ScoreMatrix {
  const c = classes.length;
  const wide = new Float64Array(scores.rows * size);
  for (let i = 0; i < scores.rows; i++)
    for (let k = 0; k < c; k++) wide[i * size + classes[k]] = scores.data[i * c + k];
  return { rows: scores.rows, cols: size, data: wide };
}

/** f(z) = K_M(z, X) alpha of the RFM's kept iteration through RFM.predict on the windows' one-hot codes. */
async function symbolScores(rfm: RFM, size: number, windows: CodeWindows): Promise<ScoreMatrix> {
  return widen(await rfm.predict(oneHotInput(windows, size)), rfm.classes!, size);
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
