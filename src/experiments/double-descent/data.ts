import { OptionError } from '../../core/errors';
import { checkOptions } from '../../core/options';
import { Matrix } from '../../linalg/matrix';
import { Rng } from '../../random';
import { ScalingTarget, TARGET_COEFFICIENTS, targetVariance } from '../common/scaling-data';

/**
 * The regression task of the study's scaling experiment (docs/study-protocol.md section A), reused by every double-descent
 * sweep so that their numbers are comparable with it: x ~ N(0, I_d) / sqrt(d) and a target in x1, x2, x3,
 * optionally with Gaussian label noise on the training labels. Test labels are the noiseless target, so a test MSE
 * is the excess risk and noise shows up only through what the model fitted.
 */

/** The scaling test's targets: 'code' (5 x1^3 + 2 x2^2 + 10 x3, the default) or 'page' (5 x1^3 + 10 x2^2 + 2 x3). */
export type StudyTarget = ScalingTarget;

export interface StudyTaskOptions {
  dim: number;
  train: number;
  test: number;
  seed: number;
  target?: StudyTarget;
  /** Standard deviation of the training-label noise, as a fraction of the target's standard deviation; default 0. */
  labelNoise?: number;
}

export interface StudyTask {
  xTrain: Matrix;
  /** n x 1, with label noise. */
  yTrain: Matrix;
  xTest: Matrix;
  /** n_test x 1, noiseless. */
  yTest: Matrix;
  /** Var f(x) under x ~ N(0, I_d) / sqrt(d), exact (noise excluded): the scale that MSE / Var(y) divides by. */
  targetVariance: number;
  noiseStd: number;
}

export function makeStudyTask(options: StudyTaskOptions): StudyTask {
  checkOptions('makeStudyTask', options, ['dim', 'train', 'test', 'seed', 'target', 'labelNoise']);
  const { dim, train, test, seed } = options;
  const target = options.target ?? 'code';
  const labelNoise = options.labelNoise ?? 0;
  if (!Number.isInteger(dim) || dim < 3)
    throw new OptionError(`makeStudyTask: dim must be an integer >= 3 (the target uses x1..x3), got ${dim}`);
  if (!Number.isInteger(train) || train < 1)
    throw new OptionError(`makeStudyTask: train must be a positive integer, got ${train}`);
  if (!Number.isInteger(test) || test < 1)
    throw new OptionError(`makeStudyTask: test must be a positive integer, got ${test}`);
  if (!(target in TARGET_COEFFICIENTS))
    throw new OptionError(`makeStudyTask: target must be 'code' or 'page', got ${String(target)}`);
  if (!(labelNoise >= 0) || !Number.isFinite(labelNoise))
    throw new OptionError(`makeStudyTask: labelNoise must be >= 0, got ${labelNoise}`);
  const variance = targetVariance(target, dim);
  const noiseStd = labelNoise * Math.sqrt(variance);
  const [a, b, c] = TARGET_COEFFICIENTS[target];
  const rng = new Rng(seed);
  const draw = (rows: number): { x: Matrix; y: Matrix } => {
    const x = new Matrix(rows, dim);
    const scale = 1 / Math.sqrt(dim);
    for (let i = 0; i < x.size; i++) x.data[i] = rng.normal() * scale;
    const y = new Matrix(rows, 1);
    for (let i = 0; i < rows; i++) {
      const o = i * dim;
      y.data[i] = a * x.data[o] ** 3 + b * x.data[o + 1] ** 2 + c * x.data[o + 2];
    }
    return { x, y };
  };
  const trainSet = draw(train);
  const testSet = draw(test);
  // Noise is drawn last, so one seed gives the same inputs with and without noise.
  if (noiseStd > 0) for (let i = 0; i < train; i++) trainSet.y.data[i] += noiseStd * rng.normal();
  return {
    xTrain: trainSet.x,
    yTrain: trainSet.y,
    xTest: testSet.x,
    yTest: testSet.y,
    targetVariance: variance,
    noiseStd,
  };
}

/** The first `rows` training points of a task: nested training sets, so a sweep over n adds points. */
export function leadingTrain(task: StudyTask, rows: number): { x: Matrix; y: Matrix } {
  return { x: task.xTrain.selectRows(range(rows)), y: task.yTrain.selectRows(range(rows)) };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
