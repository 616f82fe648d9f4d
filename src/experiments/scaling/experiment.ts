import { OptionError } from '../../core/errors';
import { checkOptions } from '../../core/options';
import type { DType, Matrix } from '../../linalg/matrix';
import { backendFor, setThreads } from '../../linalg/registry';
import { meanSquaredError } from '../../metrics/regression';
import { RFM } from '../../rfm/rfm';
import { chooseForm } from '../../rfm/cost-model';
import { throwIfAborted, yieldToEventLoop } from '../../core/async';
import { StageTimer } from '../../core/timer';
import { trialSeed } from '../../core/seed';
import { Curve, SweepProgress, curve } from '../common/sweep-summary';
import { RunControl, checkRunControl } from '../common/run';
import { NestedGram } from './nested-gram';
import { runTrialsInWorkers } from './workers';
import {
  ScalingTarget,
  ScalingTrialData,
  scaledFeatures,
  scalingTargets,
  scalingTrialData,
  targetFormula,
  targetVariance,
} from '../common/scaling-data';

/**
 * The study's scaling test (docs/study-protocol.md section A): test MSE of an RFM and of the plain Laplace kernel (the
 * RFM's iteration 0, M = I) as the input dimension d grows, over many trials. The defaults are the study's protocol;
 * every parameter can be changed.
 */

export interface ScalingConfig {
  /** Points per trial (rows of X). */
  samples: number;
  /** Rows [0, trainRows) are split into fit and validation; the rest are the test set. */
  trainRows: number;
  fitRows: number;
  /** Input dimensions, increasing; features are nested (d uses the first d columns). */
  dims: number[];
  trials: number;
  /** T: RFM iterations; the iteration with the lowest validation MSE is kept. */
  iterations: number;
  bandwidth: number;
  ridge: number;
  target: ScalingTarget;
  /** Standard deviation of Gaussian label noise (the study: 0). */
  noise: number;
  seed: number;
  /** float32 runs the primal and Q forms in float32 (tests show they reproduce float64's errors). */
  dtype: DType;
  /**
   * Trials run at once, each with threadsPerTrial BLAS threads: small BLAS calls use two threads poorly, and more
   * trials fill the gaps while the others are in JavaScript. Measured on 2 cores (bench:scaling --trials 10 --every 2,
   * alternated, 2026-12-05, load 1.5-3.4): 4 at once 133-134 s wall against 144-145 s for 3, the same CPU time.
   */
  concurrency: number;
  threadsPerTrial: number;
  /**
   * Worker threads the trials run in (workers.ts), 0 for this thread. Each has its own JavaScript thread and garbage
   * collector, so the fits' JavaScript work uses both cores; needs worker_threads (not in a browser) and, for the
   * TypeScript sources, tsx.
   */
  workers: number;
}

export function studyDims(): number[] {
  return Array.from({ length: 200 }, (_, i) => 10 * (i + 1));
}

export const STUDY_SCALING_CONFIG: ScalingConfig = {
  samples: 1000,
  trainRows: 800,
  fitRows: 640,
  dims: studyDims(),
  trials: 100,
  iterations: 10,
  bandwidth: 1,
  ridge: 1e-3,
  target: 'code',
  noise: 0,
  seed: 0,
  dtype: 'float64',
  concurrency: 4,
  threadsPerTrial: 1,
  workers: 0,
};

/** Read off the study's published figure (mean over 100 trials); d values where a range was read use its middle. */
export const PUBLISHED_SCALING = {
  rfm: { d: [10, 50, 90, 200, 550, 1000, 2000], mse: [0.36, 0.024, 0.014, 0.036, 0.066, 0.057, 0.038] },
  baseline: { d: [10, 50, 175, 500, 1000, 2000], mse: [0.39, 0.133, 0.166, 0.123, 0.078, 0.044] },
};

export interface ScalingTrialResult {
  trial: number;
  d: number;
  rfmMse: number;
  baselineMse: number;
  bestIteration: number;
  form: string;
  seconds: number;
}

export interface ScalingResult {
  config: ScalingConfig;
  targetFormula: string;
  dims: number[];
  trials: ScalingTrialResult[];
  /** Summaries across trials: mean and 2.5 / 97.5 % quantiles of the MSE and of MSE / Var(y). */
  rfm: Curve;
  baseline: Curve;
  seconds: number;
  /** The form the RFM ran in, per d (from the first trial). */
  forms: string[];
}

const CONFIG_KEYS = Object.keys(STUDY_SCALING_CONFIG);

export function scalingConfig(overrides: Partial<ScalingConfig> = {}): ScalingConfig {
  checkOptions('scaling test', overrides, CONFIG_KEYS);
  const c = { ...STUDY_SCALING_CONFIG, ...overrides };
  const positive = ['samples', 'trainRows', 'fitRows', 'trials', 'concurrency', 'threadsPerTrial'] as const;
  for (const key of positive) {
    if (!Number.isInteger(c[key]) || c[key] < 1)
      throw new OptionError(`scaling test: ${key} must be a positive integer, got ${c[key]}`);
  }
  if (!(c.fitRows < c.trainRows && c.trainRows < c.samples)) {
    throw new OptionError(
      `scaling test: need fitRows < trainRows < samples, got ${c.fitRows}, ${c.trainRows}, ${c.samples}`,
    );
  }
  if (c.dims.length === 0 || c.dims.some((d, i) => !Number.isInteger(d) || d < 3 || (i > 0 && d <= c.dims[i - 1]))) {
    throw new OptionError('scaling test: dims must be increasing integers >= 3 (the target uses x1..x3)');
  }
  if (!Number.isInteger(c.workers) || c.workers < 0)
    throw new OptionError(`scaling test: workers must be an integer >= 0, got ${c.workers}`);
  if (!Number.isInteger(c.iterations) || c.iterations < 0)
    throw new OptionError(`scaling test: iterations must be an integer >= 0, got ${c.iterations}`);
  if (!(c.noise >= 0)) throw new OptionError(`scaling test: noise must be >= 0, got ${c.noise}`);
  if (c.target !== 'code' && c.target !== 'page')
    throw new OptionError(`scaling test: target must be 'code' or 'page', got ${String(c.target)}`);
  return c;
}

interface TrialTargets {
  fit: Matrix;
  validation: Matrix;
  test: Matrix;
}

/** d < n: the RFM on the scaled features; the test set predicted by the kept pair and by iteration 0. */
async function fitPrimal(
  rfm: RFM,
  data: ScalingTrialData,
  d: number,
  y: TrialTargets,
): Promise<{ rfmMse: number; baselineMse: number }> {
  const xTest = scaledFeatures(data, data.test, d);
  await rfm.fit(scaledFeatures(data, data.fit, d), y.fit, {
    validation: { X: scaledFeatures(data, data.validation, d), Y: y.validation },
  });
  return {
    rfmMse: meanSquaredError(await rfm.predict(xTest), y.test),
    baselineMse: meanSquaredError(await rfm.predict(xTest, { baseline: true }), y.test),
  };
}

/** d >= n: a dual form on the nested Grams (grown to d), validation and test given by their Gram rows and norms. */
async function fitDual(
  rfm: RFM,
  data: ScalingTrialData,
  nested: NestedGram,
  d: number,
  y: TrialTargets,
): Promise<{ rfmMse: number; baselineMse: number }> {
  await nested.growTo(d);
  const m = data.validation.length;
  const g = nested.scaled([
    Int32Array.from({ length: m }, (_, i) => i),
    Int32Array.from({ length: data.test.length }, (_, i) => m + i),
  ]);
  const [val, test] = g.cross;
  // The test set is scored once after the fit (RFM.fit's default): its cross products are replayed up to the
  // kept iteration from the logged AGOP products, in the run dtype, and iteration 0 is the plain kernel. Predicting
  // it through predictFromGram instead would rebuild C_t in float64 (~7 n^3 flops per iteration up to the kept one).
  // Only the history is read, so the fit keeps no model and its W log goes back to the work pool.
  await rfm.fit({ gram: g.train, features: d }, y.fit, {
    validation: { gram: val.gram, norms: val.norms, Y: y.validation },
    test: { gram: test.gram, norms: test.norms, Y: y.test },
    historyOnly: true,
  });
  const history = rfm.history;
  return { rfmMse: history[rfm.bestIteration].test!.mse, baselineMse: history[0].test!.mse };
}

/** One trial over all d (exported for the worker threads of workers.ts). */
export async function runTrial(
  c: ScalingConfig,
  trial: number,
  step: (r: ScalingTrialResult) => Promise<void>,
): Promise<ScalingTrialResult[]> {
  const data = scalingTrialData({
    seed: trialSeed(c.seed, 0, trial),
    samples: c.samples,
    trainRows: c.trainRows,
    fitRows: c.fitRows,
    maxDim: c.dims[c.dims.length - 1],
    noise: c.noise,
  });
  const n = data.fit.length;
  const scored = Int32Array.from([...data.validation, ...data.test]);
  const nested = new NestedGram(await backendFor('float64'), data.x, data.fit, scored);
  const results: ScalingTrialResult[] = [];
  for (const d of c.dims) {
    const timer = new StageTimer();
    const yFit = scalingTargets(data, data.fit, d, c.target);
    const yVal = scalingTargets(data, data.validation, d, c.target);
    const yTest = scalingTargets(data, data.test, d, c.target);
    const rfm = new RFM({
      kernel: 'laplace',
      bandwidth: c.bandwidth,
      ridge: c.ridge,
      iterations: c.iterations,
      dtype: c.dtype,
      seed: trial,
    });
    // The primal form wins for d < n; above, a dual form needs only the Grams, grown incrementally with d.
    const form = chooseForm(
      {
        n,
        d,
        c: 1,
        sample: n,
        tracked: yVal.rows,
        iterations: c.iterations,
        dtype: c.dtype,
        diagonal: false,
        normalization: 'none',
        gramOnly: false,
      },
      'auto',
    ).form;
    const { rfmMse, baselineMse } =
      form === 'primal'
        ? await fitPrimal(rfm, data, d, { fit: yFit, validation: yVal, test: yTest })
        : await fitDual(rfm, data, nested, d, { fit: yFit, validation: yVal, test: yTest });
    const r: ScalingTrialResult = {
      trial,
      d,
      rfmMse,
      baselineMse,
      bestIteration: rfm.bestIteration,
      form: rfm.summary.form,
      seconds: timer.elapsedSeconds(),
    };
    results.push(r);
    await step(r);
  }
  return results;
}

/** The trials in this thread, c.concurrency at once: their BLAS calls interleave on the native backend's threads. */
async function runTrialsHere(
  c: ScalingConfig,
  step: (r: ScalingTrialResult) => Promise<void>,
): Promise<ScalingTrialResult[][]> {
  const perTrial: ScalingTrialResult[][] = new Array(c.trials);
  let next = 0;
  // Loops pull trials from a shared counter.
  const loop = async (): Promise<void> => {
    while (next < c.trials) {
      const trial = next++;
      perTrial[trial] = await runTrial(c, trial, step);
    }
  };
  // Every loop is waited for, so that a cancelled or failed run has stopped all its work when this rejects.
  const settled = await Promise.allSettled(Array.from({ length: Math.min(c.concurrency, c.trials) }, loop));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return perTrial;
}

/** Runs the scaling test; `onProgress` is called after every (trial, d) fit; `signal` cancels between fits. */
export async function runScalingTest(
  overrides: Partial<ScalingConfig> = {},
  control: RunControl<SweepProgress> = {},
): Promise<ScalingResult> {
  const c = scalingConfig(overrides);
  const { onProgress, signal } = checkRunControl('runScalingTest', control);
  throwIfAborted(signal, 'the scaling test');
  const timer = new StageTimer();
  await setThreads(c.threadsPerTrial);
  const total = c.trials * c.dims.length;
  let done = 0;
  const step = async (r: ScalingTrialResult): Promise<void> => {
    // A fit that finished after a cancellation is not reported: the run is over for whoever is watching.
    throwIfAborted(signal, 'the scaling test');
    done++;
    onProgress?.({
      sweep: 'scaling test',
      done,
      total,
      label: `trial ${r.trial}, d = ${r.d}: RFM ${r.rfmMse.toPrecision(3)}, Laplace ${r.baselineMse.toPrecision(3)} (${r.form}, best t = ${r.bestIteration})`,
      elapsedMs: timer.elapsedMs(),
    });
    await yieldToEventLoop(signal, 'the scaling test');
  };
  const perTrial = c.workers > 0 ? await runTrialsInWorkers(c, step) : await runTrialsHere(c, step);
  const variance = c.dims.map((d) => targetVariance(c.target, d, c.noise));
  return {
    config: c,
    targetFormula: targetFormula(c.target),
    dims: c.dims,
    trials: perTrial.flat(),
    rfm: curve(
      'RFM',
      c.dims,
      perTrial.map((t) => t.map((r) => r.rfmMse)),
      variance,
    ),
    baseline: curve(
      'Laplace kernel (M = I)',
      c.dims,
      perTrial.map((t) => t.map((r) => r.baselineMse)),
      variance,
    ),
    seconds: timer.elapsedSeconds(),
    forms: perTrial[0].map((r) => r.form),
  };
}
