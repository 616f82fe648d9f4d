import { checkDigitSet, mnistSubset } from '../../data/mnist';
import { oneHot } from '../../kernels/targets';
import { accuracy } from '../../metrics/classification';
import { meanSquaredError } from '../../metrics/regression';
import { OptionError } from '../../core/errors';
import { checkOptions } from '../../core/options';
import { throwIfAborted, yieldToEventLoop } from '../../core/async';
import { StageTimer } from '../../core/timer';
import { trialSeed } from '../../core/seed';
import { nonNegativeNumber, positiveInteger, positiveNumber } from '../../core/validate';
import { RunControl, checkRunControl } from '../common/run';
import { Matrix } from '../../linalg/matrix';
import { symmetricEigen } from '../../linalg/eigen';
import { cosineSimilarity, entryCorrelation, lineAngle } from '../../metrics/matrix-similarity';
import { networkAgop } from '../../nn/agop';
import { Mlp } from '../../nn/mlp';
import { loadTf } from '../../nn/tf';
import { trainMlp } from '../../nn/train';
import { RFM } from '../../rfm/rfm';
import {
  ScalingTarget,
  scaledFeatures,
  scalingTargets,
  scalingTrialData,
  targetVariance,
} from '../common/scaling-data';

/**
 * "Is your neural network secretly a kernel machine?" The RFM paper's neural feature ansatz says a trained fully
 * connected network's first-layer Neural Feature Matrix W_1' W_1 is close to the network's own average gradient
 * outer product (AGOP), and the RFM's M (an AGOP of a kernel machine) is close to both. These experiments train
 * networks and RFMs on the same data and measure how close the three matrices are: Pearson correlation of their
 * entries, the paper's uncentred correlation, and the angle between their top eigenvectors.
 * Pure: (config, onProgress) -> plain data; seeded; nothing is printed or written.
 */

/** What the study reported for MNIST (docs/study-protocol.md section D): Laplace kernel, 1 vs 8, 1259 train / 210 test. */
export const STUDY_MNIST = {
  digits: [1, 8],
  model: 'Laplace kernel',
  accuracy: 0.995,
  train: 1259,
  test: 210,
} as const;

export interface NetworkSettings {
  hidden: number[];
  /** Multiplies the He-normal initial weights (see Mlp). */
  initScale: number;
  /** L2 penalty on the weights. */
  weightDecay: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
}

const NETWORK_KEYS = ['hidden', 'initScale', 'weightDecay', 'epochs', 'batchSize', 'learningRate'] as const;

export interface KernelSettings {
  /** L of the Laplace kernel exp(-||x - z||_M / L), for the plain Laplace kernel and the RFM alike. */
  bandwidth: number;
  ridge: number;
  /** RFM iterations T; the iteration with the best validation score is kept. */
  iterations: number;
}

const KERNEL_KEYS = ['bandwidth', 'ridge', 'iterations'] as const;

/** A network initialisation and penalty tried besides the main one, with everything else unchanged. */
export interface NetworkVariant {
  initScale: number;
  weightDecay: number;
}

/** How alike two matrices are. */
export interface Similarity {
  /** Pearson correlation of the entries. */
  pearson: number;
  /** <A, B> / (||A|| ||B||), the correlation the RFM paper reports. */
  cosine: number;
  /** Degrees between the top eigenvectors (0..90). */
  topEigenvectorAngle: number;
}

/** The three pairs among W_1' W_1 (nfm), the network's AGOP (agop) and the RFM's M (rfm). */
export interface FeatureMatrixComparison {
  nfmVsAgop: Similarity;
  nfmVsRfm: Similarity;
  agopVsRfm: Similarity;
}

/** A d x d matrix as plain row-major data (the plot module's heatmap takes it as is). */
export interface MatrixData {
  rows: number;
  cols: number;
  data: number[];
}

export interface ThreeMatrices<T> {
  nfm: T;
  agop: T;
  rfm: T;
}

export interface VariantResult extends NetworkVariant {
  /** Test MSE (scaling) or accuracy (MNIST) of this network. */
  networkScore: number;
  nfmVsAgop: Similarity;
  nfmVsRfm: Similarity;
  /** Share of trace(W_1' W_1) on x1..x3 (scaling only). */
  nfmLeadingTrace?: number;
}

export interface FeatureLearningProgress {
  step: string;
  done: number;
  total: number;
  elapsedMs: number;
}

export type FeatureLearningProgressCallback = (progress: FeatureLearningProgress) => void;

export interface ScalingFeatureConfig {
  seed?: number;
  /** d; the study's RFM did best near d = 80-100. */
  dim?: number;
  /** Points the models fit on; the RFM picks its iteration on `validation` more. */
  train?: number;
  validation?: number;
  test?: number;
  target?: ScalingTarget;
  network?: Partial<NetworkSettings>;
  kernel?: Partial<KernelSettings>;
  variants?: NetworkVariant[];
}

const SCALING_KEYS = ['seed', 'dim', 'train', 'validation', 'test', 'target', 'network', 'kernel', 'variants'] as const;

export interface ScalingFeatureResult {
  dim: number;
  target: ScalingTarget;
  sizes: { train: number; validation: number; test: number };
  network: NetworkSettings;
  kernel: KernelSettings;
  tfBackend: string;
  /** Var f(x), the MSE of predicting 0. */
  targetVariance: number;
  testMse: { network: number; laplace: number; rfm: number };
  /** The RFM iteration validation kept (0: M = I, the plain Laplace kernel); the matrices compare M_T regardless. */
  rfmIteration: number;
  /** Test MSE of the RFM at each iteration 0..T. */
  rfmTestByIteration: number[];
  networkLoss: number[];
  matrices: ThreeMatrices<MatrixData>;
  /** Share of each matrix's trace on x1..x3, the coordinates the target depends on. */
  leadingTrace: ThreeMatrices<number>;
  comparison: FeatureMatrixComparison;
  /** The five largest eigenvalues of each matrix over its trace: a top eigenvector means little when the first two are close. */
  eigenvalueShares: ThreeMatrices<number[]>;
  variants: VariantResult[];
  /** The RFM's time includes its iteration 0, the Laplace kernel. */
  timingsMs: { network: number; rfm: number; total: number };
}

export interface MnistFeatureConfig {
  seed?: number;
  /** Digit sets to classify, e.g. [[1, 8], [0, 1, ..., 9]]; the variants run on the first. */
  tasks?: number[][];
  train?: number;
  validation?: number;
  test?: number;
  network?: Partial<NetworkSettings>;
  kernel?: Partial<KernelSettings>;
  variants?: NetworkVariant[];
}

const MNIST_KEYS = ['seed', 'tasks', 'train', 'validation', 'test', 'network', 'kernel', 'variants'] as const;

export interface MnistTaskResult {
  digits: number[];
  accuracy: { network: number; laplace: number; rfm: number };
  /** The RFM iteration validation kept (0: M = I, the plain Laplace kernel); the matrices compare M_T regardless. */
  rfmIteration: number;
  /** Test accuracy of the RFM at each iteration 0..T. */
  rfmTestByIteration: number[];
  comparison: FeatureMatrixComparison;
  /** The 784 diagonal entries (one per pixel) of each matrix, to be shown as 28 x 28 images. */
  diagonals: ThreeMatrices<number[]>;
  /** The top eigenvector of each matrix (784 values, sign fixed so that its largest entry is positive). */
  topEigenvectors: ThreeMatrices<number[]>;
  /** The five largest eigenvalues of each matrix over its trace: a top eigenvector means little when the first two are close. */
  eigenvalueShares: ThreeMatrices<number[]>;
  /** The RFM's time includes its iteration 0, the Laplace kernel. */
  timingsMs: { network: number; rfm: number };
}

export interface MnistFeatureResult {
  sizes: { train: number; validation: number; test: number };
  network: NetworkSettings;
  kernel: KernelSettings;
  tfBackend: string;
  tasks: MnistTaskResult[];
  /** Variants of the network on tasks[0]. */
  variants: VariantResult[];
  timingsMs: { total: number };
}

export const SCALING_NETWORK_DEFAULTS: NetworkSettings = {
  hidden: [128, 128],
  initScale: 0.1,
  weightDecay: 1e-3,
  epochs: 100,
  batchSize: 32,
  learningRate: 1e-3,
};

/** The study's RFM settings for the scaling test (docs/study-protocol.md section A). */
export const SCALING_KERNEL_DEFAULTS: KernelSettings = { bandwidth: 1, ridge: 1e-3, iterations: 10 };

export const MNIST_NETWORK_DEFAULTS: NetworkSettings = {
  hidden: [128, 128],
  initScale: 0.1,
  weightDecay: 1e-3,
  epochs: 20,
  batchSize: 64,
  learningRate: 1e-3,
};

/** L = 10, the RFM paper's default bandwidth: distances between these MNIST images are ~8-12 (5 %-95 %). */
export const MNIST_KERNEL_DEFAULTS: KernelSettings = { bandwidth: 10, ridge: 1e-3, iterations: 5 };

/** Standard initialisation without and with the penalty, and the small one without: what each contributes. */
export const DEFAULT_VARIANTS: NetworkVariant[] = [
  { initScale: 1, weightDecay: 0 },
  { initScale: 1, weightDecay: 1e-3 },
  { initScale: 0.1, weightDecay: 0 },
];

function networkSettings(
  what: string,
  given: Partial<NetworkSettings> | undefined,
  defaults: NetworkSettings,
): NetworkSettings {
  checkOptions(`${what}.network`, given, NETWORK_KEYS);
  const s = { ...defaults, ...given };
  if (!Array.isArray(s.hidden) || s.hidden.length === 0)
    throw new OptionError(`${what}.network.hidden must list at least one width`);
  s.hidden.forEach((h, i) => positiveInteger(`${what}.network.hidden[${i}]`, h));
  positiveNumber(`${what}.network.initScale`, s.initScale);
  nonNegativeNumber(`${what}.network.weightDecay`, s.weightDecay);
  positiveInteger(`${what}.network.epochs`, s.epochs);
  positiveInteger(`${what}.network.batchSize`, s.batchSize);
  positiveNumber(`${what}.network.learningRate`, s.learningRate);
  return { ...s, hidden: [...s.hidden] };
}

function kernelSettings(
  what: string,
  given: Partial<KernelSettings> | undefined,
  defaults: KernelSettings,
): KernelSettings {
  checkOptions(`${what}.kernel`, given, KERNEL_KEYS);
  const s = { ...defaults, ...given };
  positiveNumber(`${what}.kernel.bandwidth`, s.bandwidth);
  nonNegativeNumber(`${what}.kernel.ridge`, s.ridge);
  positiveInteger(`${what}.kernel.iterations`, s.iterations);
  return s;
}

function variantList(what: string, given: NetworkVariant[] | undefined): NetworkVariant[] {
  const list = given ?? DEFAULT_VARIANTS;
  if (!Array.isArray(list)) throw new OptionError(`${what}.variants must be an array of { initScale, weightDecay }`);
  return list.map((v, i) => {
    checkOptions(`${what}.variants[${i}]`, v, ['initScale', 'weightDecay']);
    return {
      initScale: positiveNumber(`${what}.variants[${i}].initScale`, v.initScale),
      weightDecay: nonNegativeNumber(`${what}.variants[${i}].weightDecay`, v.weightDecay),
    };
  });
}

function seedOf(what: string, seed: unknown): number {
  if (seed === undefined) return 0;
  if (typeof seed !== 'number' || !Number.isInteger(seed))
    throw new OptionError(`${what}.seed must be an integer, got ${String(seed)}`);
  return seed;
}

/** What both runs configure the same way: the seed, the three sizes, the network, the kernel machines, the variants. */
export interface CommonSettings {
  seed: number;
  train: number;
  validation: number;
  test: number;
  network: NetworkSettings;
  kernel: KernelSettings;
  variants: NetworkVariant[];
}

type CommonConfig = Partial<Omit<CommonSettings, 'network' | 'kernel'>> & {
  network?: Partial<NetworkSettings>;
  kernel?: Partial<KernelSettings>;
};

function commonSettings(
  what: string,
  config: CommonConfig,
  defaults: { train: number; validation: number; test: number; network: NetworkSettings; kernel: KernelSettings },
): CommonSettings {
  return {
    seed: seedOf(what, config.seed),
    train: positiveInteger(`${what}.train`, config.train ?? defaults.train),
    validation: positiveInteger(`${what}.validation`, config.validation ?? defaults.validation),
    test: positiveInteger(`${what}.test`, config.test ?? defaults.test),
    network: networkSettings(what, config.network, defaults.network),
    kernel: kernelSettings(what, config.kernel, defaults.kernel),
    variants: variantList(what, config.variants),
  };
}

/** The scaling run's full configuration: what scalingFeatureConfig returns and scalingFeatureLearning runs. */
export type ScalingFeatureSettings = CommonSettings & { dim: number; target: ScalingTarget };

/**
 * The config with defaults filled in, validated: what scalingFeatureLearning runs. A notebook's parameters cell
 * passes it as `check`, so a bad value fails there with the message the run would give.
 */
export function scalingFeatureConfig(config: ScalingFeatureConfig = {}): ScalingFeatureSettings {
  const what = 'scalingFeatureLearning';
  checkOptions(what, config, SCALING_KEYS);
  const dim = config.dim ?? 100;
  if (!Number.isInteger(dim) || dim < 3) throw new OptionError(`${what}.dim must be an integer >= 3, got ${dim}`);
  const target = config.target ?? 'code';
  if (target !== 'code' && target !== 'page')
    throw new OptionError(`${what}.target must be 'code' or 'page', got ${String(target)}`);
  const sizes = { train: 640, validation: 160, test: 200 };
  return {
    dim,
    target,
    ...commonSettings(what, config, { ...sizes, network: SCALING_NETWORK_DEFAULTS, kernel: SCALING_KERNEL_DEFAULTS }),
  };
}

/** The MNIST run's full configuration: what mnistFeatureConfig returns and mnistFeatureLearning runs. */
export type MnistFeatureSettings = CommonSettings & { tasks: number[][] };

/**
 * The config with defaults filled in, validated: what mnistFeatureLearning runs. A notebook's parameters cell
 * passes it as `check`, so a bad value fails there with the message the run would give.
 */
export function mnistFeatureConfig(config: MnistFeatureConfig = {}): MnistFeatureSettings {
  const what = 'mnistFeatureLearning';
  checkOptions(what, config, MNIST_KEYS);
  const tasks = config.tasks ?? [
    [1, 8],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  ];
  if (!Array.isArray(tasks) || tasks.length === 0)
    throw new OptionError(`${what}.tasks must list at least one set of digits`);
  return {
    tasks: tasks.map((digits, t) => [...checkDigitSet(`${what}.tasks[${t}]`, digits)]),
    ...commonSettings(what, config, {
      train: STUDY_MNIST.train,
      validation: STUDY_MNIST.test,
      test: STUDY_MNIST.test,
      network: MNIST_NETWORK_DEFAULTS,
      kernel: MNIST_KERNEL_DEFAULTS,
    }),
  };
}

/** Counts steps, reports them, and yields to the event loop so a notebook stays responsive. */
function progressSteps(
  what: string,
  total: number,
  control: RunControl<FeatureLearningProgress>,
): (step: string) => Promise<void> {
  const { onProgress, signal } = checkRunControl(what, control);
  throwIfAborted(signal, what);
  const timer = new StageTimer();
  let done = 0;
  return async (step) => {
    done++;
    onProgress?.({ step, done, total, elapsedMs: timer.elapsedMs() });
    await yieldToEventLoop(signal, what);
  };
}

/** Seeds of the independent random streams of one run. */
function streams(seed: number): { data: number; init: number; order: number } {
  return { data: trialSeed(seed, 0, 1), init: trialSeed(seed, 0, 2), order: trialSeed(seed, 0, 3) };
}

/** How a task is named in progress messages and figures: '1 vs 8', or 'ten classes'. */
export function digitSetName(digits: number[]): string {
  return digits.length === 10 ? 'ten classes' : digits.join(' vs ');
}

/** A split seed that depends on the digits, not on the task's place in the list: [1, 8] gets the same images in any run. */
function digitSetSeed(seed: number, digits: number[]): number {
  return digits.reduce((h, d) => (h * 11 + d + 1) % 1_000_000_007, seed);
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const timer = new StageTimer();
  const value = await f();
  return [value, timer.elapsedMs()];
}

/** Share of a square matrix's trace on its first k diagonal entries. */
export function leadingTraceFraction(m: Matrix, k: number): number {
  const diag = m.diagonal();
  let total = 0;
  let leading = 0;
  for (let i = 0; i < diag.length; i++) {
    total += diag[i];
    if (i < k) leading += diag[i];
  }
  return leading / total;
}

function similarity(a: Matrix, b: Matrix, va: Float64Array, vb: Float64Array): Similarity {
  return { pearson: entryCorrelation(a, b), cosine: cosineSimilarity(a, b), topEigenvectorAngle: lineAngle(va, vb) };
}

/** Fixes an eigenvector's arbitrary sign so that its largest-magnitude entry is positive (for pictures). */
function signed(v: Float64Array): number[] {
  let big = 0;
  for (let i = 0; i < v.length; i++) if (Math.abs(v[i]) > Math.abs(v[big])) big = i;
  const s = v[big] < 0 ? -1 : 1;
  return Array.from(v, (x) => s * x);
}

interface TrainedNetwork {
  nfm: Matrix;
  agop: Matrix;
  outputs: Matrix;
  loss: number[];
}

/** Trains a network, then reads off W_1' W_1, its AGOP on the training points and its outputs on `test`. */
async function trainedNetwork(
  x: Matrix,
  y: Matrix,
  test: Matrix,
  settings: NetworkSettings,
  seed: number,
  signal?: AbortSignal,
): Promise<TrainedNetwork> {
  const { init, order } = streams(seed);
  const net = await Mlp.create({
    inputDim: x.cols,
    hidden: settings.hidden,
    outputDim: y.cols,
    seed: init,
    initScale: settings.initScale,
  });
  try {
    const history = await trainMlp(net, x, y, {
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      learningRate: settings.learningRate,
      weightDecay: settings.weightDecay,
      seed: order,
      signal,
    });
    return {
      nfm: await net.neuralFeatureMatrix(),
      agop: await networkAgop(net, x),
      outputs: await net.predict(test),
      loss: history.map((h) => h.loss),
    };
  } finally {
    net.dispose();
  }
}

interface FittedRfm {
  /** M_T of the last iteration: the features the RFM learned, whichever iteration validation kept. */
  m: Matrix;
  /** Outputs of the kept iteration on the test points. */
  outputs: Matrix;
  /** Outputs of iteration 0 (M = I): the plain Laplace kernel with the same bandwidth and ridge. */
  laplaceOutputs: Matrix;
  iteration: number;
  /** The test metric of every iteration 0..T: MSE (regression) or accuracy (classification). */
  testByIteration: number[];
}

type Labelled = { x: Matrix; y: Matrix | Int32Array };

async function fittedRfm(
  train: Labelled,
  validation: Labelled,
  test: Labelled,
  settings: KernelSettings,
  classification: boolean,
): Promise<FittedRfm> {
  const options = {
    kernel: 'laplace' as const,
    bandwidth: settings.bandwidth,
    ridge: settings.ridge,
    iterations: settings.iterations,
    task: classification ? ('classification' as const) : ('regression' as const),
  };
  const rfm = new RFM(options);
  await rfm.fit(train.x, train.y, {
    validation: { X: validation.x, Y: validation.y },
    test: { X: test.x, Y: test.y },
    testEveryIteration: true,
  });
  const last = rfm.history.length - 1;
  // Validation may keep an early iteration (even 0, where M = I); the comparison wants what T iterations learned.
  // Without validation data the fit keeps its last iteration, and with no subsampling it repeats the same steps.
  const m =
    rfm.bestIteration === last
      ? await rfm.featureMatrix()
      : await (await new RFM(options).fit(train.x, train.y)).featureMatrix();
  return {
    m,
    outputs: await rfm.predict(test.x),
    laplaceOutputs: await rfm.predict(test.x, { baseline: true }),
    iteration: rfm.bestIteration,
    testByIteration: rfm.history.map((h) => (classification ? h.test!.accuracy! : h.test!.mse)),
  };
}

const EIGENVALUES_KEPT = 5;

interface Spectrum {
  top: Float64Array;
  /** The largest eigenvalues over the trace. */
  shares: number[];
}

function spectrum(m: Matrix): Spectrum {
  const { values, vectors } = symmetricEigen(m);
  let trace = 0;
  for (const v of values) trace += v;
  return {
    top: Float64Array.from({ length: m.rows }, (_, i) => vectors.get(i, 0)),
    shares: Array.from(values.subarray(0, EIGENVALUES_KEPT), (v) => v / trace),
  };
}

function compare(m: ThreeMatrices<Matrix>): { comparison: FeatureMatrixComparison; spectra: ThreeMatrices<Spectrum> } {
  const spectra = { nfm: spectrum(m.nfm), agop: spectrum(m.agop), rfm: spectrum(m.rfm) };
  return {
    comparison: {
      nfmVsAgop: similarity(m.nfm, m.agop, spectra.nfm.top, spectra.agop.top),
      nfmVsRfm: similarity(m.nfm, m.rfm, spectra.nfm.top, spectra.rfm.top),
      agopVsRfm: similarity(m.agop, m.rfm, spectra.agop.top, spectra.rfm.top),
    },
    spectra,
  };
}

function eigenvalueShares(spectra: ThreeMatrices<Spectrum>): ThreeMatrices<number[]> {
  return { nfm: spectra.nfm.shares, agop: spectra.agop.shares, rfm: spectra.rfm.shares };
}

/** A variant network's matrices against its own AGOP and the main run's RFM M (whose top eigenvector is given). */
function variantResult(
  variant: NetworkVariant,
  net: TrainedNetwork,
  networkScore: number,
  rfmM: Matrix,
  rfmTop: Float64Array,
): VariantResult {
  const top = spectrum(net.nfm).top;
  return {
    ...variant,
    networkScore,
    nfmVsAgop: similarity(net.nfm, net.agop, top, spectrum(net.agop).top),
    nfmVsRfm: similarity(net.nfm, rfmM, top, rfmTop),
  };
}

function matrixData(m: Matrix): MatrixData {
  return { rows: m.rows, cols: m.cols, data: Array.from(m.data) };
}

/**
 * The scaling test's target (docs/study-protocol.md section A: x ~ N(0, I) / sqrt(d), f = 5 x1^3 + 2 x2^2 + 10 x3 by default),
 * where only x1..x3 matter: a network, the plain Laplace kernel and the RFM fitted to the same points, and the three
 * feature matrices compared.
 */
export async function scalingFeatureLearning(
  config: ScalingFeatureConfig = {},
  control: RunControl<FeatureLearningProgress> = {},
): Promise<ScalingFeatureResult> {
  const c = scalingFeatureConfig(config);
  const { seed, dim, target, network, kernel, variants } = c;
  const sizes = { train: c.train, validation: c.validation, test: c.test };
  const step = progressSteps('scalingFeatureLearning', 2 + variants.length, control);
  const timer = new StageTimer();

  // The scaling test's own data procedure, with its random fit / validation split.
  const data = scalingTrialData({
    seed: streams(seed).data,
    samples: sizes.train + sizes.validation + sizes.test,
    trainRows: sizes.train + sizes.validation,
    fitRows: sizes.train,
    maxDim: dim,
    noise: 0,
  });
  const x = scaledFeatures(data, data.fit, dim);
  const y = scalingTargets(data, data.fit, dim, target);
  const validation = {
    x: scaledFeatures(data, data.validation, dim),
    y: scalingTargets(data, data.validation, dim, target),
  };
  const test = { x: scaledFeatures(data, data.test, dim), y: scalingTargets(data, data.test, dim, target) };
  const { backend: tfBackend } = await loadTf();

  const [net, networkMs] = await timed(() => trainedNetwork(x, y, test.x, network, seed, control.signal));
  await step('network trained');
  const [rfm, rfmMs] = await timed(() => fittedRfm({ x, y }, validation, test, kernel, false));
  await step('RFM and Laplace kernel fitted');

  const matrices = { nfm: net.nfm, agop: net.agop, rfm: rfm.m };
  const { comparison, spectra } = compare(matrices);
  const variantResults: VariantResult[] = [];
  for (const v of variants) {
    const other = await trainedNetwork(x, y, test.x, { ...network, ...v }, seed, control.signal);
    variantResults.push({
      ...variantResult(v, other, meanSquaredError(other.outputs, test.y), rfm.m, spectra.rfm.top),
      nfmLeadingTrace: leadingTraceFraction(other.nfm, 3),
    });
    await step(`variant initScale ${v.initScale}, weightDecay ${v.weightDecay}`);
  }
  return {
    dim,
    target,
    sizes,
    network,
    kernel,
    tfBackend,
    targetVariance: targetVariance(target, dim),
    testMse: {
      network: meanSquaredError(net.outputs, test.y),
      laplace: meanSquaredError(rfm.laplaceOutputs, test.y),
      rfm: meanSquaredError(rfm.outputs, test.y),
    },
    rfmIteration: rfm.iteration,
    rfmTestByIteration: rfm.testByIteration,
    networkLoss: net.loss,
    matrices: { nfm: matrixData(net.nfm), agop: matrixData(net.agop), rfm: matrixData(rfm.m) },
    leadingTrace: {
      nfm: leadingTraceFraction(net.nfm, 3),
      agop: leadingTraceFraction(net.agop, 3),
      rfm: leadingTraceFraction(rfm.m, 3),
    },
    comparison,
    eigenvalueShares: eigenvalueShares(spectra),
    variants: variantResults,
    timingsMs: { network: networkMs, rfm: rfmMs, total: timer.elapsedMs() },
  };
}

/**
 * MNIST digit sets (pairs, all ten): accuracy of a network, the Laplace kernel and the RFM trained on the same
 * images, and the network's W_1' W_1 and AGOP against the RFM's M. Every model fits the same `train` images; the
 * RFM alone also sees `validation` images, to choose its iteration.
 */
export async function mnistFeatureLearning(
  config: MnistFeatureConfig = {},
  control: RunControl<FeatureLearningProgress> = {},
): Promise<MnistFeatureResult> {
  const c = mnistFeatureConfig(config);
  const { seed, tasks, network, kernel, variants } = c;
  const sizes = { train: c.train, validation: c.validation, test: c.test };
  const step = progressSteps('mnistFeatureLearning', 2 * tasks.length + variants.length, control);
  const timer = new StageTimer();
  const { backend: tfBackend } = await loadTf();

  const results: MnistTaskResult[] = [];
  const variantResults: VariantResult[] = [];
  for (const [t, digits] of tasks.entries()) {
    const label = digitSetName(digits);
    // The validation images come from the (shuffled) training part of the split.
    const subset = mnistSubset({
      digits,
      train: sizes.train + sizes.validation,
      test: sizes.test,
      seed: digitSetSeed(streams(seed).data, digits),
    });
    const fitRows = Array.from({ length: sizes.train }, (_, i) => i);
    const validationRows = Array.from({ length: sizes.validation }, (_, i) => sizes.train + i);
    const x = subset.train.x.selectRows(fitRows);
    const labels = subset.train.labels.slice(0, sizes.train);
    const validation = { x: subset.train.x.selectRows(validationRows), y: subset.train.labels.slice(sizes.train) };
    const testX = subset.test.x;
    const testLabels = subset.test.labels;
    const y = oneHot(labels, digits.length);

    const [net, networkMs] = await timed(() => trainedNetwork(x, y, testX, network, seed, control.signal));
    await step(`${label}: network trained`);
    const [rfm, rfmMs] = await timed(() =>
      fittedRfm({ x, y: labels }, validation, { x: testX, y: testLabels }, kernel, true),
    );
    const matrices = { nfm: net.nfm, agop: net.agop, rfm: rfm.m };
    const { comparison, spectra } = compare(matrices);
    results.push({
      digits: [...digits],
      accuracy: {
        network: accuracy(net.outputs, testLabels),
        laplace: accuracy(rfm.laplaceOutputs, testLabels),
        rfm: accuracy(rfm.outputs, testLabels),
      },
      rfmIteration: rfm.iteration,
      rfmTestByIteration: rfm.testByIteration,
      comparison,
      diagonals: {
        nfm: Array.from(net.nfm.diagonal()),
        agop: Array.from(net.agop.diagonal()),
        rfm: Array.from(rfm.m.diagonal()),
      },
      topEigenvectors: { nfm: signed(spectra.nfm.top), agop: signed(spectra.agop.top), rfm: signed(spectra.rfm.top) },
      eigenvalueShares: eigenvalueShares(spectra),
      timingsMs: { network: networkMs, rfm: rfmMs },
    });
    await step(`${label}: RFM and Laplace kernel fitted, matrices compared`);

    if (t === 0) {
      for (const v of variants) {
        const other = await trainedNetwork(x, y, testX, { ...network, ...v }, seed, control.signal);
        variantResults.push(variantResult(v, other, accuracy(other.outputs, testLabels), rfm.m, spectra.rfm.top));
        await step(`${label}: variant initScale ${v.initScale}, weightDecay ${v.weightDecay}`);
      }
    }
  }
  return {
    sizes,
    network,
    kernel,
    tfBackend,
    tasks: results,
    variants: variantResults,
    timingsMs: { total: timer.elapsedMs() },
  };
}
