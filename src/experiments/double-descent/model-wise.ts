import { minNormLeastSquares, DEFAULT_RCOND } from '../../features/min-norm-least-squares';
import { randomFourierFeatures, RandomFeatureKernel } from '../../features/random-fourier';
import { meanSquaredError } from '../../metrics/regression';
import { checkOptions } from '../../core/options';
import { StageTimer } from '../../core/timer';
import { trialSeed } from '../../core/seed';
import { Matrix } from '../../linalg/matrix';
import { backendFor } from '../../linalg/registry';
import { nonNegativeInteger, nonNegativeNumber, oneOf, positiveInteger, positiveNumber } from '../../core/validate';
import { StudyTask } from './data';
import { TASK_SETTING_KEYS, TaskSettings, ascending, listOf, taskSettings, trialTask } from './sweep';
import { Curve, SweepProgress, curve, progressReporter } from '../common/sweep-summary';
import { RunControl, checkRunControl } from '../common/run';
import { fitRfm, RfmSettings, DEFAULT_RFM_SETTINGS, RFM_SETTING_KEYS } from './models';

/**
 * Model-wise double descent (issue item 3): random Fourier features fitted by minimum-norm least squares as the
 * number of features p runs from n/10 to 10 n at a fixed training set of n points. Below p = n the fit is least
 * squares, above it the minimum-norm interpolant; at p = n the feature matrix is square and nearly singular, so the
 * weights, and the test error, blow up. Three feature maps:
 * - 'laplace': the Laplace kernel's (multivariate Cauchy frequencies);
 * - 'gaussian': the Gaussian kernel's;
 * - 'rfm': Laplace features of M^(1/2) x, with M the feature matrix of an RFM fitted on the same training set
 *   (so the features approximate the RFM's learned kernel).
 */

export type ModelWiseFeatures = RandomFeatureKernel | 'rfm';

/** Defaults: dim 20, test 500, bandwidth 1 (of the random features and of the RFM), target 'code', trials 5, seed 0. */
export interface ModelWiseConfig extends Partial<TaskSettings> {
  /** Training points n; default 200. */
  train?: number;
  /** Feature counts p; default featureGrid(train). */
  features?: number[];
  /** Default ['laplace', 'gaussian', 'rfm']. */
  kinds?: ModelWiseFeatures[];
  /** Training-label noise, a fraction of the target's standard deviation; default 0. */
  labelNoise?: number;
  /** Relative eigenvalue cutoff of the min-norm solver (see minNormLeastSquares); default 1e-12. */
  rcond?: number;
  /** How the RFM behind 'rfm' is fitted; default DEFAULT_RFM_SETTINGS (L = the bandwidth above, lambda = 1e-3, T = 5). */
  rfm?: Partial<RfmSettings>;
}

export interface ModelWiseResult {
  config: Required<Omit<ModelWiseConfig, 'rfm'>> & { rfm: RfmSettings };
  /** The interpolation threshold p = n. */
  threshold: number;
  /** One per feature map: test MSE against p. */
  curves: Curve[];
  /** Training MSE against p, [kind][trial][p index]: zero to rounding from p = n on, unless the cutoff dropped directions. */
  trainMse: number[][][];
  /** ||beta|| against p, [kind][trial][p index]: the norm of the fitted weights, which peaks at p = n too. */
  weightNorm: number[][][];
  /** How many Gram eigenvalues the rcond cutoff dropped, [kind][trial][p index] (0 when the solve was exact). */
  truncated: number[][][];
  elapsedMs: number;
}

const CONFIG_KEYS = ['train', 'features', 'kinds', 'labelNoise', 'rcond', 'rfm', ...TASK_SETTING_KEYS];

const KIND_NAMES: Record<ModelWiseFeatures, string> = {
  laplace: 'Laplace random features',
  gaussian: 'Gaussian random features',
  rfm: 'RFM random features (M^1/2 x)',
};

/** p from n/10 to 10 n: `count` log-spaced values plus a dense set around p = n, where the peak is narrow. */
export function featureGrid(n: number, count = 15): number[] {
  const values = new Set<number>();
  for (let i = 0; i < count; i++) values.add(Math.max(1, Math.round(n * 10 ** (-1 + (2 * i) / (count - 1)))));
  for (const f of [0.8, 0.9, 0.95, 1, 1.05, 1.1, 1.25]) values.add(Math.max(1, Math.round(n * f)));
  return [...values].sort((a, b) => a - b);
}

/**
 * The config with defaults filled in, validated (features sorted): what modelWiseSweep runs. A notebook's
 * parameters cell passes it as `check`, so a bad value fails there with the message the run would give.
 */
export function modelWiseConfig(config: ModelWiseConfig = {}): ModelWiseResult['config'] {
  const what = 'modelWiseSweep';
  checkOptions(what, config, CONFIG_KEYS);
  checkOptions(`${what}: rfm`, config.rfm, RFM_SETTING_KEYS);
  const task = taskSettings(what, config, { dim: 20 });
  const train = positiveInteger(`${what}: train`, config.train ?? 200);
  const features = listOf(what, 'features', config.features ?? featureGrid(train), positiveInteger);
  const kinds = listOf(what, 'kinds', config.kinds ?? ['laplace', 'gaussian', 'rfm'], (name, kind) =>
    oneOf(name, kind, Object.keys(KIND_NAMES) as ModelWiseFeatures[]),
  );
  const rfm = { ...DEFAULT_RFM_SETTINGS, bandwidth: task.bandwidth, ...config.rfm };
  return {
    ...task,
    train,
    features: ascending(features),
    kinds,
    labelNoise: nonNegativeNumber(`${what}: labelNoise`, config.labelNoise ?? 0),
    rcond: nonNegativeNumber(`${what}: rcond`, config.rcond ?? DEFAULT_RCOND),
    rfm: {
      bandwidth: positiveNumber(`${what}: rfm.bandwidth`, rfm.bandwidth),
      ridge: nonNegativeNumber(`${what}: rfm.ridge`, rfm.ridge),
      iterations: nonNegativeInteger(`${what}: rfm.iterations`, rfm.iterations),
    },
  };
}

/** One row of the sweep: every p for one trial and feature map, [test MSE, train MSE, |w|, truncated] per p. */
interface SweepRow {
  test: number[];
  train: number[];
  norm: number[];
  truncated: number[];
}

async function featureMapRow(
  c: ModelWiseResult['config'],
  task: StudyTask,
  trial: number,
  k: number,
  step: (label: string) => Promise<void>,
): Promise<SweepRow> {
  const kind = c.kinds[k];
  const features = c.features;
  const pMax = features[features.length - 1];
  const backend = await backendFor('float64');
  const metric = kind === 'rfm' ? (await fitRfm(task.xTrain, task.yTrain, c.rfm)).metric : undefined;
  // One draw of p_max features per trial and map; every p uses its leading columns (nested models), rescaled
  // to the sqrt(2/p) amplitude of a p-feature map.
  const sampler = randomFourierFeatures({
    kernel: kind === 'gaussian' ? 'gaussian' : 'laplace',
    bandwidth: c.bandwidth,
    features: pMax,
    seed: trialSeed(c.seed, trial, 1 + k),
    inputDim: c.dim,
    metric,
  });
  const phiTrain = await sampler.transform(task.xTrain);
  const phiTest = await sampler.transform(task.xTest);
  const row: SweepRow = { test: [], train: [], norm: [], truncated: [] };
  for (const p of features) {
    const scale = Math.sqrt(pMax / p);
    const a = leading(phiTrain, p, scale);
    const solution = await minNormLeastSquares(a, task.yTrain, { rcond: c.rcond });
    const fitted = await backend.gemm(a, solution.weights);
    const predicted = await backend.gemm(leading(phiTest, p, scale), solution.weights);
    row.train.push(meanSquaredError(fitted, task.yTrain));
    row.test.push(meanSquaredError(predicted, task.yTest));
    row.norm.push(Math.sqrt(sumOfSquares(solution.weights.data)));
    row.truncated.push(Math.min(c.train, p) - solution.rank);
    await step(`trial ${trial + 1}/${c.trials}, ${kind}, p = ${p}`);
  }
  return row;
}

export async function modelWiseSweep(
  config: ModelWiseConfig = {},
  control: RunControl<SweepProgress> = {},
): Promise<ModelWiseResult> {
  const c = modelWiseConfig(config);
  const { features, train } = c;
  const timer = new StageTimer();
  const step = progressReporter(
    'model-wise',
    c.trials * c.kinds.length * features.length,
    checkRunControl('modelWiseSweep', control),
  );
  const shape = (): number[][][] => c.kinds.map(() => []);
  const testMse = shape();
  const trainMse = shape();
  const weightNorm = shape();
  const truncated = shape();
  let targetVariance = 0;
  for (let trial = 0; trial < c.trials; trial++) {
    const task = trialTask(c, trial, train, c.labelNoise);
    targetVariance = task.targetVariance;
    for (let k = 0; k < c.kinds.length; k++) {
      const row = await featureMapRow(c, task, trial, k, step);
      testMse[k].push(row.test);
      trainMse[k].push(row.train);
      weightNorm[k].push(row.norm);
      truncated[k].push(row.truncated);
    }
  }
  return {
    config: c,
    threshold: train,
    curves: c.kinds.map((kind, k) => curve(KIND_NAMES[kind], features, testMse[k], targetVariance)),
    trainMse,
    weightNorm,
    truncated,
    elapsedMs: timer.elapsedMs(),
  };
}

function leading(phi: Matrix, p: number, scale: number): Matrix {
  const out = phi.leadingColumns(p);
  for (let i = 0; i < out.size; i++) out.data[i] *= scale;
  return out;
}

function sumOfSquares(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] * values[i];
  return s;
}
