import { OptionError } from '../../core/errors';
import { trialSeed } from '../../core/seed';
import { nonNegativeInteger, nonNegativeNumber, oneOf, positiveInteger, positiveNumber } from '../../core/validate';
import { Matrix } from '../../linalg/matrix';
import { StudyTarget, StudyTask, makeStudyTask } from './data';
import { DEFAULT_RFM_SETTINGS, FittedModel, MODEL_NAMES, ModelName, fitModel } from './models';

/**
 * What the double-descent sweeps share: their settings, checked one way, a trial's task and a model's fit. Each sweep's config function (sampleWiseConfig,
 * ridgeSweepConfig, modelWiseConfig) builds on these, and its run calls that same function, so a notebook's
 * parameters cell and the run reject a value with the same message ("ridgeSweep: trials must be a positive integer,
 * got 0").
 */

/** The task and trials of every sweep. */
export interface TaskSettings {
  /** Input dimension d (>= 3: the target uses x1..x3). */
  dim: number;
  /** Test points. */
  test: number;
  /** Kernel bandwidth L of every model. */
  bandwidth: number;
  target: StudyTarget;
  trials: number;
  seed: number;
}

export const TASK_SETTING_KEYS = ['dim', 'test', 'bandwidth', 'target', 'trials', 'seed'] as const;

/** What the sample-wise and ridge sweeps add: which models, at which noise levels. */
export interface ModelSettings {
  /** Label-noise levels (fractions of the target's standard deviation). */
  labelNoise: number[];
  models: ModelName[];
  /** p of the random-features model. */
  features: number;
  /** The RFM's T. */
  rfmIterations: number;
}

export const MODEL_SETTING_KEYS = ['labelNoise', 'models', 'features', 'rfmIterations'] as const;

export function taskSettings(what: string, config: Partial<TaskSettings>, defaults: { dim: number }): TaskSettings {
  const dim = config.dim ?? defaults.dim;
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 3)
    throw new OptionError(`${what}: dim must be an integer >= 3 (the target uses x1..x3), got ${String(dim)}`);
  const seed = config.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isInteger(seed))
    throw new OptionError(`${what}: seed must be an integer, got ${String(seed)}`);
  return {
    dim,
    test: positiveInteger(`${what}: test`, config.test ?? 500),
    bandwidth: positiveNumber(`${what}: bandwidth`, config.bandwidth ?? 1),
    target: oneOf(`${what}: target`, config.target ?? 'code', ['code', 'page'] as const),
    trials: positiveInteger(`${what}: trials`, config.trials ?? 5),
    seed,
  };
}

export function modelSettings(
  what: string,
  config: Partial<ModelSettings>,
  defaults: { models: ModelName[]; features: number },
): ModelSettings {
  const models = listOf(what, 'models', config.models ?? defaults.models, (name, m) =>
    oneOf(name, m, Object.keys(MODEL_NAMES) as ModelName[]),
  );
  return {
    labelNoise: listOf(what, 'labelNoise', config.labelNoise ?? [0, 0.5], nonNegativeNumber),
    models,
    features: positiveInteger(`${what}: features`, config.features ?? defaults.features),
    rfmIterations: nonNegativeInteger(
      `${what}: rfmIterations`,
      config.rfmIterations ?? DEFAULT_RFM_SETTINGS.iterations,
    ),
  };
}

/** The sample-wise and ridge sweeps' shared settings (the model-wise sweep has its own feature counts and noise). */
export type KernelSweepSettings = TaskSettings & ModelSettings;

export const KERNEL_SWEEP_KEYS = [...TASK_SETTING_KEYS, ...MODEL_SETTING_KEYS];

export function kernelSweepSettings(
  what: string,
  config: Partial<KernelSweepSettings>,
  defaults: { dim: number; models: ModelName[]; features: number },
): KernelSweepSettings {
  return { ...taskSettings(what, config, defaults), ...modelSettings(what, config, defaults) };
}

/** A non-empty list whose every entry passes `check` (named `what: name[i]` in its message). */
export function listOf<T>(
  what: string,
  name: string,
  values: unknown,
  check: (name: string, value: unknown) => T,
): T[] {
  if (!Array.isArray(values) || values.length === 0)
    throw new OptionError(`${what}: ${name} must be a non-empty list, got ${JSON.stringify(values)}`);
  return values.map((v, i) => check(`${what}: ${name}[${i}]`, v));
}

/** Sorted ascending, as the sweeps' x axes are. */
export function ascending(values: number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The task of one trial: every sweep draws it from the same seed stream, so sweeps share their data. */
export function trialTask(c: TaskSettings, trial: number, train: number, labelNoise: number): StudyTask {
  return makeStudyTask({
    dim: c.dim,
    train,
    test: c.test,
    seed: trialSeed(c.seed, trial),
    target: c.target,
    labelNoise,
  });
}

/** One model of the sample-wise or ridge sweep at one ridge; the random features come from the trial's stream 1. */
export function fitInTrial(
  c: KernelSweepSettings,
  model: ModelName,
  x: Matrix,
  y: Matrix,
  ridge: number,
  trial: number,
): Promise<FittedModel> {
  return fitModel(model, x, y, {
    bandwidth: c.bandwidth,
    ridge,
    rfmIterations: c.rfmIterations,
    features: c.features,
    seed: trialSeed(c.seed, trial, 1),
  });
}
