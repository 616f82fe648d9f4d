import { symmetricEigen } from '../linalg/eigen';
import { OptionError, ShapeError } from '../core/errors';
import { checkOptions } from '../core/options';
import { Matrix, MatrixLike, assertFinite, assertNonEmpty, toMatrix } from '../linalg/matrix';
import { backendFor } from '../linalg/registry';

/**
 * The minimum-norm least-squares solution beta = Phi^+ Y of an n x p system, the "ridgeless" fit of model-wise
 * double descent. Near p = n, Phi is nearly singular, and the normal equations through Cholesky lose every digit
 * (or fail). Instead: eigendecompose the smaller Gram, G = Phi Phi' (n x n) when p >= n or G = Phi' Phi (p x p) when
 * p < n, as G = V diag(lambda) V', and use its pseudo-inverse with eigenvalues below rcond * lambda_max set to 0:
 *   p >= n: beta = Phi' G^+ Y   (interpolates when Phi has full row rank)
 *   p <  n: beta = G^+ Phi' Y   (the least-squares solution when Phi has full column rank)
 * Both are Phi^+ Y restricted to the singular values sigma_i of Phi with sigma_i^2 >= rcond sigma_max^2.
 * The Gram's eigenvalues carry an absolute error of order n eps lambda_max (about 1e-14 lambda_max for the hundreds
 * of points used here), so the default rcond = 1e-12 keeps only eigenvalues about 100 times that error or more;
 * directions below it are rounding noise, and keeping them would inject that noise, amplified by 1 / lambda, into
 * beta. Measured at p = n on Laplace features: interpolation residual ~1e-10 of ||y|| for n = 60, ~1e-8 for n = 200.
 * Where the cutoff does drop directions (seen with Gaussian features at n = p = 200, condition number ~1e7), the
 * residual is what those directions held (1e-3 there): `rank` says when that happened.
 * With a ridge r > 0 the same decomposition gives ridge regression, beta = Phi' (G + r I)^-1 Y = (Phi'Phi + r I)^-1
 * Phi' Y, through 1 / (lambda_i + r): the sample-wise sweep's small-ridge random-features model.
 */

export interface MinNormOptions {
  /** Relative eigenvalue cutoff of the Gram, i.e. rcond = (singular value cutoff)^2; default 1e-12. */
  rcond?: number;
  /** Ridge r >= 0 added to the Gram's eigenvalues; default 0 (minimum norm). */
  ridge?: number;
}

export interface MinNormSolution {
  /** p x c. */
  weights: Matrix;
  /** Singular values of Phi kept by the cutoff. */
  rank: number;
  /** Singular values of Phi, descending (min(n, p) of them, sqrt of the Gram's eigenvalues, negatives as 0). */
  singularValues: Float64Array;
  rcond: number;
  ridge: number;
  /** Which Gram was decomposed. */
  gram: 'rows' | 'columns';
}

export const DEFAULT_RCOND = 1e-12;

export async function minNormLeastSquares(
  phiLike: MatrixLike,
  yLike: MatrixLike | ArrayLike<number>,
  options: MinNormOptions = {},
): Promise<MinNormSolution> {
  checkOptions('minNormLeastSquares', options, ['rcond', 'ridge']);
  const rcond = options.rcond ?? DEFAULT_RCOND;
  const ridge = options.ridge ?? 0;
  if (!(rcond >= 0 && rcond < 1)) throw new OptionError(`minNormLeastSquares: rcond must be in [0, 1), got ${rcond}`);
  if (!(ridge >= 0) || !Number.isFinite(ridge))
    throw new OptionError(`minNormLeastSquares: ridge must be a finite number >= 0, got ${ridge}`);
  const phi = toMatrix(phiLike, 'feature matrix');
  const y = targets(yLike);
  assertNonEmpty(phi, 'feature matrix');
  assertFinite(phi, 'feature matrix');
  assertFinite(y, 'targets');
  if (y.rows !== phi.rows)
    throw new ShapeError(`minNormLeastSquares: feature matrix has ${phi.rows} rows, targets ${y.rows}`);

  const backend = await backendFor('float64');
  const wide = phi.cols >= phi.rows;
  const gram = await backend.syrk(phi, { trans: !wide });
  const { values, vectors } = symmetricEigen(gram);
  const cutoff = rcond * Math.max(values[0], 0);
  let rank = 0;
  while (rank < values.length && values[rank] > cutoff) rank++;

  // G^+ R = V_r diag(1 / (lambda_r + ridge)) V_r' R, with R = Y (wide) or Phi' Y (tall).
  const rhs = wide ? y : await backend.gemm(phi, y, { transA: true });
  const kept = vectors.leadingColumns(rank);
  const projected = await backend.gemm(kept, rhs, { transA: true });
  for (let i = 0; i < rank; i++) {
    const inv = 1 / (values[i] + ridge);
    for (let j = 0; j < projected.cols; j++) projected.data[i * projected.cols + j] *= inv;
  }
  const solved = await backend.gemm(kept, projected);
  const weights = wide ? await backend.gemm(phi, solved, { transA: true }) : solved;
  return {
    weights,
    rank,
    singularValues: values.map((v) => Math.sqrt(Math.max(v, 0))),
    rcond,
    ridge,
    gram: wide ? 'rows' : 'columns',
  };
}

function targets(yLike: MatrixLike | ArrayLike<number>): Matrix {
  if (yLike instanceof Matrix) return yLike.astype('float64');
  const first = (yLike as ArrayLike<unknown>)[0];
  if (typeof first === 'number') return Matrix.column(yLike as ArrayLike<number>);
  return toMatrix(yLike as MatrixLike, 'targets');
}
