import { meanSquaredError } from '../../metrics/regression';
import { OptionError } from '../../core/errors';
import { checkOptions } from '../../core/options';
import { StageTimer } from '../../core/timer';
import { nonNegativeNumber } from '../../core/validate';
import { leadingTrain } from './data';
import { MODEL_NAMES, ModelName } from './models';
import {
  KERNEL_SWEEP_KEYS,
  KernelSweepSettings,
  ascending,
  fitInTrial,
  kernelSweepSettings,
  listOf,
  trialTask,
} from './sweep';
import { Curve, SweepProgress, curve, progressReporter } from '../common/sweep-summary';
import { RunControl, checkRunControl } from '../common/run';

/**
 * Sample-wise double descent (issue item 2): test error against the number of training points n at a fixed d, for
 * ridgeless (interpolating) and small-ridge fits, with and without label noise, for the models of fitModel. The
 * 'random-features' model (a fixed number p of Laplace random features) is the control whose sample-wise peak is
 * known to sit at n = p; a kernel machine has p = infinity, so it has no such threshold.
 * Training sets are nested (each n adds points to the previous one) and share the inputs across noise levels, so
 * curves differ by what is swept, not by the draw.
 */

/**
 * Defaults: dim 30, test 500, bandwidth 1, target 'code', trials 5, seed 0 (TaskSettings); labelNoise [0, 0.5],
 * models ['laplace', 'rfm', 'random-features'], features (p of the random-features model) 150, rfmIterations 5 (the
 * RFM's T; its ridge is the swept one, its bandwidth `bandwidth`) (ModelSettings).
 */
export interface SampleWiseConfig extends Partial<KernelSweepSettings> {
  /** n values; default 10 to 600. */
  samples?: number[];
  /** Ridges: 0 is ridgeless; default [0, 1e-3]. */
  ridges?: number[];
}

export interface SampleWiseCurve extends Curve {
  model: ModelName;
  ridge: number;
  labelNoise: number;
  /** Largest jitter any fit of this curve needed, [trial][n index]. */
  jitter: number[][];
}

export interface SampleWiseResult {
  config: Required<SampleWiseConfig>;
  curves: SampleWiseCurve[];
  elapsedMs: number;
}

const CONFIG_KEYS = ['samples', 'ridges', ...KERNEL_SWEEP_KEYS];

const DEFAULT_SAMPLES = [10, 20, 40, 60, 80, 100, 120, 140, 150, 160, 180, 200, 250, 300, 400, 600];

/**
 * The config with defaults filled in, validated (samples sorted): what sampleWiseSweep runs. A notebook's
 * parameters cell passes it as `check`, so a bad value fails there with the message the run would give.
 */
export function sampleWiseConfig(config: SampleWiseConfig = {}): Required<SampleWiseConfig> {
  const what = 'sampleWiseSweep';
  checkOptions(what, config, CONFIG_KEYS);
  const samples = listOf(what, 'samples', config.samples ?? DEFAULT_SAMPLES, (name, n) => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 2)
      throw new OptionError(`${name} must be an integer >= 2, got ${String(n)}`);
    return n;
  });
  return {
    ...kernelSweepSettings(what, config, { dim: 30, models: ['laplace', 'rfm', 'random-features'], features: 150 }),
    samples: ascending(samples),
    ridges: listOf(what, 'ridges', config.ridges ?? [0, 1e-3], nonNegativeNumber),
  };
}

export async function sampleWiseSweep(
  config: SampleWiseConfig = {},
  control: RunControl<SweepProgress> = {},
): Promise<SampleWiseResult> {
  const c = sampleWiseConfig(config);
  const timer = new StageTimer();
  const nMax = c.samples[c.samples.length - 1];
  const combos = c.labelNoise.flatMap((labelNoise) =>
    c.ridges.flatMap((ridge) => c.models.map((model) => ({ model, ridge, labelNoise }))),
  );
  const step = progressReporter(
    'sample-wise',
    c.trials * combos.length * c.samples.length,
    checkRunControl('sampleWiseSweep', control),
  );
  const mse = combos.map((): number[][] => []);
  const jitter = combos.map((): number[][] => []);
  let targetVariance = 0;

  for (let trial = 0; trial < c.trials; trial++) {
    for (const labelNoise of c.labelNoise) {
      const task = trialTask(c, trial, nMax, labelNoise);
      targetVariance = task.targetVariance;
      combos.forEach((combo, k) => {
        if (combo.labelNoise !== labelNoise) return;
        mse[k].push([]);
        jitter[k].push([]);
      });
      for (const n of c.samples) {
        const { x, y } = leadingTrain(task, n);
        for (let k = 0; k < combos.length; k++) {
          const { model, ridge } = combos[k];
          if (combos[k].labelNoise !== labelNoise) continue;
          const fitted = await fitInTrial(c, model, x, y, ridge, trial);
          mse[k][trial].push(meanSquaredError(await fitted.predict(task.xTest), task.yTest));
          jitter[k][trial].push(fitted.jitter);
          await step(
            `trial ${trial + 1}/${c.trials}, noise ${labelNoise}, n = ${n}, ${MODEL_NAMES[model]}, ridge ${ridge}`,
          );
        }
      }
    }
  }
  const curves = combos.map(({ model, ridge, labelNoise }, k): SampleWiseCurve => ({
    ...curve(
      `${MODEL_NAMES[model]}, ${ridge === 0 ? 'ridgeless' : `ridge ${ridge}`}, noise ${labelNoise}`,
      c.samples,
      mse[k],
      targetVariance,
    ),
    model,
    ridge,
    labelNoise,
    jitter: jitter[k],
  }));
  return { config: c, curves, elapsedMs: timer.elapsedMs() };
}
