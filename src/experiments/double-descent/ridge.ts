import { meanSquaredError } from '../../metrics/regression';
import { OptionError } from '../../core/errors';
import { checkOptions } from '../../core/options';
import { StageTimer } from '../../core/timer';
import { trialSeed } from '../../core/seed';
import { StudyTarget, makeStudyTask } from './data';
import { DEFAULT_RFM_SETTINGS, MODEL_NAMES, ModelName, fitModel } from './models';
import { Curve, SweepProgress, curve, progressReporter } from '../common/sweep-summary';
import { RunControl, checkRunControl } from '../common/run';

/**
 * Ridge sweep (issue item 4): test error against lambda over several decades at a fixed training set, for the
 * Laplace kernel and the RFM (and, on request, p random features, where the ridge is what tames the peak at p = n).
 */

export interface RidgeSweepConfig {
  /** d; default 30. */
  dim?: number;
  /** n; default 150. */
  train?: number;
  /** Default 500. */
  test?: number;
  /** lambda values (> 0: the x axis is logarithmic); default 1e-6 to 1e2, one per decade. */
  ridges?: number[];
  /** Default [0, 0.5]. */
  labelNoise?: number[];
  /** Default ['laplace', 'rfm']. */
  models?: ModelName[];
  /** p of the random-features model; default `train` (the interpolation threshold). */
  features?: number;
  bandwidth?: number;
  rfmIterations?: number;
  target?: StudyTarget;
  trials?: number;
  seed?: number;
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

const CONFIG_KEYS = [
  'dim',
  'train',
  'test',
  'ridges',
  'labelNoise',
  'models',
  'features',
  'bandwidth',
  'rfmIterations',
  'target',
  'trials',
  'seed',
] as const;

export async function ridgeSweep(
  config: RidgeSweepConfig = {},
  control: RunControl<SweepProgress> = {},
): Promise<RidgeSweepResult> {
  checkOptions('ridgeSweep', config, CONFIG_KEYS);
  const train = config.train ?? 150;
  const c: Required<RidgeSweepConfig> = {
    dim: config.dim ?? 30,
    train,
    test: config.test ?? 500,
    ridges: [...(config.ridges ?? [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100])].sort((a, b) => a - b),
    labelNoise: config.labelNoise ?? [0, 0.5],
    models: config.models ?? ['laplace', 'rfm'],
    features: config.features ?? train,
    bandwidth: config.bandwidth ?? 1,
    rfmIterations: config.rfmIterations ?? DEFAULT_RFM_SETTINGS.iterations,
    target: config.target ?? 'code',
    trials: config.trials ?? 5,
    seed: config.seed ?? 0,
  };
  if (c.ridges.length === 0 || c.ridges.some((r) => !(r > 0) || !Number.isFinite(r)))
    throw new OptionError(`ridgeSweep: ridges must be finite and > 0, got [${c.ridges.join(', ')}]`);
  for (const m of c.models)
    if (!(m in MODEL_NAMES))
      throw new OptionError(`ridgeSweep: unknown model '${m}' (use ${Object.keys(MODEL_NAMES).join(', ')})`);
  if (!Number.isInteger(c.trials) || c.trials < 1)
    throw new OptionError(`ridgeSweep: trials must be a positive integer, got ${c.trials}`);
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
      const task = makeStudyTask({
        dim: c.dim,
        train,
        test: c.test,
        seed: trialSeed(c.seed, trial),
        target: c.target,
        labelNoise,
      });
      targetVariance = task.targetVariance;
      const row: number[] = [];
      for (const ridge of c.ridges) {
        const fitted = await fitModel(model, task.xTrain, task.yTrain, {
          bandwidth: c.bandwidth,
          ridge,
          rfmIterations: c.rfmIterations,
          features: c.features,
          seed: trialSeed(c.seed, trial, 1),
        });
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
