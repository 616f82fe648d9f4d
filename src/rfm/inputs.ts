import { OptionError, ShapeError } from '../core/errors';
import { checkOptions } from '../core/options';
import { Matrix, MatrixLike, assertFinite } from '../linalg/matrix';
import { checkFeatureCount, checkRows, copyFeatures } from '../kernels/inputs';
import {
  EncodedTargets,
  Task,
  TargetLike,
  encodeTargets,
  labelsOf,
  resolveTask,
  sortedClasses,
} from '../kernels/targets';
import { DenseFeatures, Features, OneHotCodes, OneHotFeatures } from './features';
import type { TrackedPoints } from './engine';

/**
 * What RFM.fit and predict accept, and their parsing into float64 copies (the model keeps them and must not see
 * later edits by the caller). One validation path: every shape and option error of the inputs is raised here.
 */

/** Gram matrices instead of X: G = X X' (n x n); `features` (d) is needed only for trace-normalisation. */
export interface GramInput {
  gram: MatrixLike;
  features?: number;
}

/**
 * One-hot rows by their codes (docs/rfm-math.md section 6): row i has a 1 in column p V + codes[i w + p] for
 * each position p < w = width, none where the code is -1; d = w V with V = vocabulary.
 */
export interface OneHotInput {
  oneHot: OneHotCodes;
}

/** Points with features: a dense matrix (or rows), or one-hot codes. */
export type PointsInput = MatrixLike | OneHotInput;

/** Points given by their cross products with the training points (m x n) and squared norms (dual forms). */
export interface GramPoints {
  gram: MatrixLike;
  norms: ArrayLike<number>;
}

/** Points scored every iteration: features, or (for a Gram fit) cross products Z X' (m x n) and ||z||^2. */
export type TrackedInput =
  | { X: MatrixLike; Y: TargetLike }
  | { oneHot: OneHotCodes; Y: TargetLike }
  | { gram: MatrixLike; norms: ArrayLike<number>; Y: TargetLike };

export function isGramInput(x: unknown): x is GramInput {
  return typeof x === 'object' && x !== null && !(x instanceof Matrix) && 'gram' in x;
}

function isOneHotInput(x: unknown): x is OneHotInput {
  return typeof x === 'object' && x !== null && !(x instanceof Matrix) && 'oneHot' in x;
}

/** A float64 copy of the points as Features. */
export function toFeatures(x: PointsInput, name: string): Features {
  if (isOneHotInput(x)) {
    checkOptions(`RFM: ${name}`, x, ['oneHot']);
    checkOptions(`RFM: ${name}.oneHot`, x.oneHot, ['codes', 'width', 'vocabulary']);
    return OneHotFeatures.fromCodes(x.oneHot, `${name}.oneHot`);
  }
  return new DenseFeatures(copyFeatures(x, name, 'float64'));
}

function checkRowCount(rows: number, y: Matrix, xName: string, yName: string): void {
  if (rows !== y.rows) throw new ShapeError(`${xName} has ${rows} rows but ${yName} has ${y.rows}: they must match`);
}

export interface ParsedTracked {
  name: 'validation' | 'test';
  targets: EncodedTargets;
  points: TrackedPoints;
  /** The features of the points (fits from X); Gram fits carry `points.gram` and `points.norms` instead. */
  z?: Features;
}

/** The training points: features (dense or one-hot) or a Gram matrix. */
export type TrainingPoints =
  { kind: 'points'; x: Features; features: number } | { kind: 'gram'; gram: Matrix; features: number | undefined };

export interface FitInputs {
  train: TrainingPoints;
  n: number;
  task: Task;
  classes: number[] | undefined;
  targets: EncodedTargets;
  /** Outputs: columns of Y (one per class for classification). */
  c: number;
  tracked: ParsedTracked[];
  validation: ParsedTracked | undefined;
}

function parseTraining(X: PointsInput | GramInput): TrainingPoints {
  if (!isGramInput(X)) {
    const x = toFeatures(X, 'X');
    return { kind: 'points', x, features: x.cols };
  }
  checkOptions('RFM.fit: Gram input', X, ['gram', 'features']);
  const gram = copyFeatures(X.gram, 'gram', 'float64');
  if (gram.rows !== gram.cols) throw new ShapeError(`gram must be n x n (X X'), got ${gram.rows} x ${gram.cols}`);
  const features = X.features;
  if (features !== undefined && !(Number.isInteger(features) && features > 0)) {
    throw new OptionError(`features must be a positive integer, got ${String(features)}`);
  }
  return { kind: 'gram', gram, features };
}

/** Parses and validates everything fit is given; `taskSetting` is the estimator's `task` option. */
export function parseFitInputs(
  X: PointsInput | GramInput,
  Y: TargetLike,
  sets: { validation?: TrackedInput; test?: TrackedInput },
  taskSetting: 'auto' | Task,
): FitInputs {
  const train = parseTraining(X);
  const n = train.kind === 'points' ? train.x.rows : train.gram.rows;
  const task = resolveTask(taskSetting, Y);
  const classes =
    task === 'classification'
      ? sortedClasses(labelsOf(Y, 'Y'), ...(sets.validation ? [labelsOf(sets.validation.Y, 'validation Y')] : []))
      : undefined;
  const targets = encodeTargets(Y, task, classes, 'Y');
  checkRowCount(n, targets.y, train.kind === 'gram' ? 'gram' : 'X', 'Y');
  const c = targets.y.cols;
  const tracked: ParsedTracked[] = [];
  for (const name of ['validation', 'test'] as const) {
    const input = sets[name];
    if (input !== undefined) tracked.push(parseTracked(input, name, task, classes, c, n, train));
  }
  const validation = tracked.find((t) => t.name === 'validation');
  return { train, n, task, classes, targets, c, tracked, validation };
}

function parseTracked(
  input: TrackedInput,
  name: 'validation' | 'test',
  task: Task,
  classes: number[] | undefined,
  c: number,
  n: number,
  train: TrainingPoints,
): ParsedTracked {
  if (typeof input !== 'object' || input === null) {
    throw new ShapeError(`${name} must be { X, Y }, { oneHot, Y } (or { gram, norms, Y } for a Gram fit)`);
  }
  const targets = encodeTargets(input.Y, task, classes, `${name} Y`);
  if (targets.y.cols !== c) throw new ShapeError(`${name} Y has ${targets.y.cols} outputs, Y has ${c}`);
  if ('X' in input || 'oneHot' in input) {
    checkOptions(`RFM.fit: ${name}`, input, ['X' in input ? 'X' : 'oneHot', 'Y']);
    if (train.kind === 'gram') {
      throw new ShapeError(
        `the model is fit from Gram matrices, so ${name} must be { gram: Z X' (m x n), norms: ||z||^2, Y }`,
      );
    }
    const z = toFeatures('X' in input ? input.X : { oneHot: input.oneHot }, `${name} X`);
    checkFeatureCount(z, train.features, `${name} X`);
    checkRowCount(z.rows, targets.y, `${name} X`, `${name} Y`);
    return { name, targets, points: { rows: z.rows }, z };
  }
  checkOptions(`RFM.fit: ${name}`, input, ['gram', 'norms', 'Y']);
  if (train.kind === 'points')
    throw new ShapeError(`the model is fit from X, so ${name} must be { X, Y } or { oneHot, Y }`);
  const { gram, norms } = parseGramPoints(input, n, name);
  checkRows(gram, targets.y, `${name} gram`, `${name} Y`);
  return { name, targets, points: { rows: gram.rows, gram, norms } };
}

/** Cross products with the n training points and squared norms, as float64 copies, checked. */
export function parseGramPoints(input: GramPoints, n: number, name: string): { gram: Matrix; norms: Float64Array } {
  const gram = copyFeatures(input.gram, `${name} gram`, 'float64');
  if (gram.cols !== n)
    throw new ShapeError(`${name} gram must have one column per training point (${n}), got ${gram.cols}`);
  const norms = Float64Array.from(input.norms);
  if (norms.length !== gram.rows) {
    throw new ShapeError(`${name} norms has ${norms.length} entries, ${name} gram has ${gram.rows} rows`);
  }
  assertFinite(norms, `${name} norms`);
  return { gram, norms };
}
