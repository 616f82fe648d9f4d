import { NonFiniteError, ShapeError } from '../core';
import type { Matrix } from '../linalg/matrix';

/** Regression errors of n x c predictions against n x c targets: the one MSE and R^2 of the project. */

/** Mean over all n x c entries of (pred - y)^2, as the numpy reference computes it. */
export function meanSquaredError(pred: Matrix, y: Matrix): number {
  if (pred.rows !== y.rows || pred.cols !== y.cols) {
    throw new ShapeError(`predictions are ${pred.rows} x ${pred.cols}, targets ${y.rows} x ${y.cols}`);
  }
  let s = 0;
  for (let i = 0; i < pred.data.length; i++) {
    const e = pred.data[i] - y.data[i];
    s += e * e;
  }
  const v = s / pred.data.length;
  if (!Number.isFinite(v)) throw new NonFiniteError(`mean squared error is ${v}: the predictions are not finite`);
  return v;
}

/** Coefficient of determination, averaged uniformly over outputs (scikit-learn's default). */
export function r2Score(pred: Matrix, y: Matrix): number {
  meanSquaredError(pred, y);
  const { rows, cols } = y;
  let total = 0;
  for (let k = 0; k < cols; k++) {
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += y.data[i * cols + k];
    mean /= rows;
    let ssRes = 0;
    let ssTot = 0;
    for (let i = 0; i < rows; i++) {
      const e = pred.data[i * cols + k] - y.data[i * cols + k];
      const t = y.data[i * cols + k] - mean;
      ssRes += e * e;
      ssTot += t * t;
    }
    total += ssTot === 0 ? (ssRes === 0 ? 1 : 0) : 1 - ssRes / ssTot;
  }
  return total / cols;
}
