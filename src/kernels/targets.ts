import { OptionError, ShapeError, DataError } from '../core/errors';
import { argmaxRows } from '../metrics/classification';
import { Matrix, MatrixLike, assertFinite, toMatrix } from '../linalg/matrix';

/**
 * Targets for kernel regression: real-valued outputs (regression), or integer labels regressed onto one-hot rows
 * (classification, the RFM paper's practice). The metrics the estimators select and score with are src/metrics/.
 */

export type Task = 'regression' | 'classification';
/** A column of values or labels (number[], typed array), or an n x c matrix (Matrix or number[][]). */
export type TargetLike = MatrixLike | ArrayLike<number>;

function isVector(y: TargetLike): y is ArrayLike<number> {
  if (y instanceof Matrix) return false;
  if (y === null || y === undefined || typeof (y as ArrayLike<unknown>).length !== 'number') {
    throw new ShapeError('targets must be a Matrix, an array of rows, or an array of numbers');
  }
  if (ArrayBuffer.isView(y)) return true;
  const first = (y as ArrayLike<unknown>)[0];
  if (typeof first === 'string') {
    throw new OptionError(
      'targets: string labels are not supported; map them to integer codes in an Int32Array (classification)',
    );
  }
  // Anything but a row (an array) makes a vector, so that a null or a string in it is named by regressionTargets.
  return (y as ArrayLike<unknown>).length === 0 || !(Array.isArray(first) || ArrayBuffer.isView(first));
}

/**
 * 'auto' (docs/reliability.md): classification exactly when the labels say so by their type, an Int32Array; every
 * other array of numbers is regression, integer-valued or not (counts and ratings are regression targets). Pass
 * `task: 'classification'` to classify labels held in a plain array.
 */
export function resolveTask(task: 'auto' | Task, y: TargetLike): Task {
  if (task !== 'auto') return task;
  return isVector(y) && y instanceof Int32Array ? 'classification' : 'regression';
}

/** Label of each row: the entries of a 1-D array, or the argmax of each row of a score/one-hot matrix. */
export function labelsOf(y: TargetLike, name: string): number[] {
  if (isVector(y)) {
    const out: number[] = [];
    for (let i = 0; i < y.length; i++) {
      const v = y[i];
      if (!Number.isInteger(v))
        throw new ShapeError(`${name}: classification labels must be integers, got ${v} at index ${i}`);
      out.push(v);
    }
    return out;
  }
  return Array.from(argmaxRows(toMatrix(y as MatrixLike, name)));
}

export function sortedClasses(...labelSets: number[][]): number[] {
  const set = new Set<number>();
  for (const s of labelSets) for (const v of s) set.add(v);
  return [...set].sort((a, b) => a - b);
}

/** Index of each label among `classes`, -1 for a label the model has no output for. */
export function labelIndices(labels: number[], classes: readonly number[]): Int32Array {
  const pos = new Map<number, number>();
  classes.forEach((c, i) => pos.set(c, i));
  return Int32Array.from(labels, (l) => pos.get(l) ?? -1);
}

/** One-hot rows (a label without an output gives a zero row). */
export function oneHot(indices: Int32Array, classCount: number): Matrix {
  const m = new Matrix(indices.length, classCount);
  for (let i = 0; i < indices.length; i++) if (indices[i] >= 0) m.data[i * classCount + indices[i]] = 1;
  return m;
}

/** Regression targets as an n x c float64 matrix (a 1-D array is one output). */
export function regressionTargets(y: TargetLike, name: string): Matrix {
  let m: Matrix;
  try {
    m = isVector(y) ? Matrix.column(y) : toMatrix(y as MatrixLike, name);
  } catch (e) {
    if (e instanceof DataError && !e.message.startsWith(name)) e.message = `${name}: ${e.message}`;
    throw e;
  }
  assertFinite(m, name);
  return m;
}

export interface EncodedTargets {
  /** n x c, float64: the values to regress onto. */
  y: Matrix;
  /** For classification: the index of each row's class among `classes` (-1 if unknown). */
  labels?: Int32Array;
}

export function encodeTargets(
  y: TargetLike,
  task: Task,
  classes: readonly number[] | undefined,
  name: string,
): EncodedTargets {
  if (task === 'regression') return { y: regressionTargets(y, name) };
  if (!classes) throw new OptionError(`${name}: classification needs the class list`);
  const idx = labelIndices(labelsOf(y, name), classes);
  return { y: oneHot(idx, classes.length), labels: idx };
}
