import { EmptyMatrixError, ShapeError } from '../core/errors';
import { DType, Matrix, MatrixLike, assertFinite, toMatrix } from '../linalg/matrix';

/** Input checks shared by the estimators, so every one names the same problems the same way. */

/** A copy of X in `dtype` (the model keeps its training points, and must not see later edits by the caller). */
export function copyFeatures(x: MatrixLike, name: string, dtype: DType): Matrix {
  const m = toMatrix(x, name, 'float64');
  if (m.rows === 0) throw new EmptyMatrixError(`${name} has no rows`);
  if (m.cols === 0) throw new EmptyMatrixError(`${name} has zero features (${m.rows} x 0)`);
  assertFinite(m, name);
  if (dtype === 'float32') return m.astype('float32');
  return m === x ? m.clone() : m;
}

export function checkRows(x: Matrix, y: Matrix, xName: string, yName: string): void {
  if (x.rows !== y.rows)
    throw new ShapeError(`${xName} has ${x.rows} rows but ${yName} has ${y.rows}: they must match`);
}

export function checkFeatureCount(z: { readonly cols: number }, d: number, name: string): void {
  if (z.cols !== d) throw new ShapeError(`the model was fit on ${d} features, ${name} has ${z.cols}`);
}
