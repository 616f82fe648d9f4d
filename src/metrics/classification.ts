import { ShapeError } from '../core';

/**
 * Argmax and accuracy, the one implementation used by the estimators (selection, score), the experiments and the
 * next-character evaluation. Scores are row-major, one row per example and one column per class.
 */

/** Row-major scores; a linalg Matrix fits. */
export interface ScoreMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: ArrayLike<number>;
}

/** Column of the largest value in each row (the first on ties; NaN never wins). */
export function argmaxRows(scores: ScoreMatrix): Int32Array {
  const { rows, cols, data } = scores;
  if (data.length !== rows * cols) throw new ShapeError(`argmaxRows: ${data.length} values for ${rows} x ${cols}`);
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    let bv = -Infinity;
    for (let j = 0, off = i * cols; j < cols; j++) {
      if (data[off + j] > bv) {
        bv = data[off + j];
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Fraction of exact matches between predicted and true labels. */
export function labelAccuracy(predicted: ArrayLike<number>, targets: ArrayLike<number>): number {
  if (predicted.length !== targets.length) {
    throw new ShapeError(`accuracy: ${predicted.length} predictions for ${targets.length} targets`);
  }
  if (targets.length === 0) throw new ShapeError('accuracy: no examples');
  let correct = 0;
  for (let i = 0; i < targets.length; i++) if (predicted[i] === targets[i]) correct++;
  return correct / targets.length;
}

/** Accuracy of scores (the predicted class is each row's argmax) against class indices. */
export function accuracy(scores: ScoreMatrix, labels: ArrayLike<number>): number {
  return labelAccuracy(argmaxRows(scores), labels);
}
