import type { Backend } from './backend';
import { Matrix, assertFinite, assertSquare } from './matrix';
import { ShapeError } from '../core/errors';

/** Solves A X = B for a symmetric positive definite A through its Cholesky factor; throws NotSPDError. */
export async function spdSolve(
  backend: Backend,
  a: Matrix,
  b: Matrix,
  options: { overwrite?: boolean } = {},
): Promise<Matrix> {
  assertSquare(a, 'SPD system matrix');
  if (b.rows !== a.rows)
    throw new ShapeError(`SPD solve: matrix is ${a.rows} x ${a.cols} but the right-hand side has ${b.rows} rows`);
  assertFinite(b, 'right-hand side');
  const factor = await backend.cholesky(a, { inPlace: options.overwrite });
  const y = await backend.triangularSolve(factor, b, { inPlace: options.overwrite });
  return backend.triangularSolve(factor, y, { transpose: true, inPlace: true });
}
