import { meanSquaredError } from '../../metrics/regression';
import { checkOptions } from '../../core/options';
import { StageTimer } from '../../core/timer';
import { positiveInteger, positiveNumber } from '../../core/validate';
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
 * Ridge sweep (issue item 4): test error against lambda over several decades at a fixed training set, for the
 * Laplace kernel and the RFM (and, on request, p random features, where the ridge is what tames the peak at p = n).
 */

/**
 * Defaults: dim 30, test 500, bandwidth 1, target 'code', trials 5, seed 0 (TaskSettings); labelNoise [0, 0.5],
 * models ['laplace', 'rfm'], features (p of the random-features model) `train`, the interpolation threshold,
 * rfmIterations 5 (ModelSettings).
 */
export interface RidgeSweepConfig extends Partial<KernelSweepSettings> {
  /** n; default 150. */
  train?: number;
  /** lambda values (> 0: the x axis is logarithmic); default 1e-6 to 1e2, one per decade. */
  ridges?: number[];
}

export interface RidgeCurve extends Curve {
  model: ModelName;
  labelNoise: number;
}

export interface RidgeSweepResult {
  config: Required<RidgeSweepConfig>;
  curves: RidgeCurve[];
  elapsedMs: number;
}

const CONFIG_KEYS = ['train', 'ridges', ...KERNEL_SWEEP_KEYS];

/**
 * The config with defaults filled in, validated (ridges sorted): what ridgeSweep runs. A notebook's parameters cell
 * passes it as `check`, so a bad value fails there with the message the run would give.
 */
export function ridgeSweepConfig(config: RidgeSweepConfig = {}): Required<RidgeSweepConfig> {
  const what = 'ridgeSweep';
  checkOptions(what, config, CONFIG_KEYS);
  const train = positiveInteger(`${what}: train`, config.train ?? 150);
  const ridges = listOf(
    what,
    'ridges',
    config.ridges ?? [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100],
    positiveNumber,
  );
  return {
    ...kernelSweepSettings(what, config, { dim: 30, models: ['laplace', 'rfm'], features: train }),
    train,
    ridges: ascending(ridges),
  };
}

export async function ridgeSweep(
  config: RidgeSweepConfig = {},
  control: RunControl<SweepProgress> = {},
): Promise<RidgeSweepResult> {
  const c = ridgeSweepConfig(config);
  const train = c.train;
  const timer = new StageTimer();
  const combos = c.labelNoise.flatMap((labelNoise) => c.models.map((model) => ({ model, labelNoise })));
  const step = progressReporter(
    'ridge',
    c.trials * combos.length * c.ridges.length,
    checkRunControl('ridgeSweep', control),
  );
  const mse = combos.map((): number[][] => []);
  let targetVariance = 0;

  for (let trial = 0; trial < c.trials; trial++) {
    for (let k = 0; k < combos.length; k++) {
      const { model, labelNoise } = combos[k];
      // The same seed for every combination: noise levels share their inputs, models share their data.
      const task = trialTask(c, trial, train, labelNoise);
      targetVariance = task.targetVariance;
      const row: number[] = [];
      for (const ridge of c.ridges) {
        const fitted = await fitInTrial(c, model, task.xTrain, task.yTrain, ridge, trial);
        row.push(meanSquaredError(await fitted.predict(task.xTest), task.yTest));
        await step(`trial ${trial + 1}/${c.trials}, ${MODEL_NAMES[model]}, noise ${labelNoise}, ridge ${ridge}`);
      }
      mse[k].push(row);
    }
  }
  const curves = combos.map(({ model, labelNoise }, k): RidgeCurve => ({
    ...curve(`${MODEL_NAMES[model]}, noise ${labelNoise}`, c.ridges, mse[k], targetVariance),
    model,
    labelNoise,
  }));
  return { config: c, curves, elapsedMs: timer.elapsedMs() };
}
