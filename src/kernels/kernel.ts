import type { Backend } from '../linalg/backend';
import { diagonalInto, rowDots, scaleColumns, setDiagonal, symmetrize } from '../linalg/elementwise';
import { OptionError, ShapeError } from '../core/errors';
import { DType, FloatArray, Matrix, allocate, epsOf } from '../linalg/matrix';

/**
 * The kernel family of docs/rfm-math.md section 1: K(x, z) = exp(-(||x - z||_M / L)^q), with M-norm distances computed
 * from matrix products (the backend's fused distanceKernel) and the L1 Laplacian as a separate blockwise kernel.
 */

export type KernelName = 'laplace' | 'gaussian' | 'l1-laplacian';
export const KERNEL_NAMES: readonly KernelName[] = ['laplace', 'gaussian', 'l1-laplacian'];

/** A kernel with a matrix-product form (the ones the RFM can learn an M for). */
export interface ProductKernel {
  name: 'laplace' | 'gaussian';
  bandwidth: number;
  /** q in exp(-(d / L)^q). */
  exponent: number;
}

export function productKernel(name: KernelName, bandwidth: number): ProductKernel {
  if (name === 'l1-laplacian')
    throw new OptionError(
      'the L1 Laplacian has no matrix-product form (it is offered by KernelRegressor with M = I only)',
    );
  return { name, bandwidth, exponent: name === 'laplace' ? 1 : 2 };
}

export function checkKernelName(name: unknown, what: string): KernelName {
  if (!KERNEL_NAMES.includes(name as KernelName)) {
    throw new OptionError(`${what}: unknown kernel "${String(name)}" (use ${KERNEL_NAMES.join(', ')})`);
  }
  return name as KernelName;
}

export function checkBandwidth(bandwidth: unknown, what: string): number {
  if (typeof bandwidth !== 'number' || !(bandwidth > 0) || !Number.isFinite(bandwidth)) {
    throw new OptionError(`${what}: bandwidth must be a positive finite number, got ${String(bandwidth)}`);
  }
  return bandwidth;
}

export function checkRidge(ridge: unknown, what: string): number {
  if (typeof ridge !== 'number' || !(ridge >= 0) || !Number.isFinite(ridge)) {
    throw new OptionError(`${what}: ridge must be a finite number >= 0, got ${String(ridge)}`);
  }
  return ridge;
}

/**
 * k in the zero-distance rule: a squared distance below k eps (x'Mx + z'Mz) is exactly 0. Measured on the study's
 * scaling data (d = 100, 1000) and the text windows, with validation points that duplicate training points: the
 * cancellation leaves at most 6.4 eps (x'Mx + z'Mz) in the primal and Q forms (float64 and float32, one output) and
 * 8.7 eps on the explicit-S form for the text data, so k = 32 catches those with a margin of ~4. The smallest
 * relative squared distance between distinct points seen there was ~1e3 eps in float32 (learned metrics make some
 * pairs close relative to their norms): a k of 1000 merged them and made the float32 kernel matrix indefinite, so k
 * stays small. Not covered: the explicit S on the scaling data leaves up to ~2e4 eps for duplicates (S spans
 * ~1e18; that data has none), and the float32 Q form with 50 outputs ~170 eps (there an unmerged duplicate gives a
 * large but bounded weight, ~1/sqrt(170 eps), not float64's explosion).
 */
export const ZERO_DISTANCE_FACTOR = 32;

export function zeroTolerance(dtype: DType): number {
  return ZERO_DISTANCE_FACTOR * epsOf(dtype);
}

/** M in ||v||_M: the identity, a diagonal (as a vector) or a full symmetric PSD matrix. */
export type Metric =
  { kind: 'identity' } | { kind: 'diagonal'; diagonal: FloatArray } | { kind: 'full'; matrix: Matrix };

export const IDENTITY: Metric = { kind: 'identity' };

/** A copy of M that later in-place updates of M cannot reach (the identity needs none). */
export function copyMetric(m: Metric): Metric {
  if (m.kind === 'identity') return m;
  return m.kind === 'diagonal'
    ? { kind: 'diagonal', diagonal: m.diagonal.slice() }
    : { kind: 'full', matrix: m.matrix.clone() };
}

/** Z M into `out` (or Z itself for the identity, without a copy). */
export async function applyMetric(backend: Backend, z: Matrix, metric: Metric, out?: Matrix): Promise<Matrix> {
  if (metric.kind === 'identity') return z;
  const res = out ?? new Matrix(z.rows, z.cols, z.dtype);
  if (metric.kind === 'diagonal') return scaleColumns(z, metric.diagonal, res);
  return backend.gemm(z, metric.matrix, { out: res });
}

/** The training kernel's diagonal: zero distance, K_ii = 1, and W_ii = 0 (the zero-distance term is dropped). */
export function forceTrainDiagonal(kernel: Matrix, weights?: Matrix): void {
  setDiagonal(kernel, 1);
  if (weights) setDiagonal(weights, 0);
}

/** Where the training Gram-like matrix P = X M X' and its diagonal are written; reused across calls. */
export interface TrainKernelBuffers {
  xm?: Matrix;
  gram: Matrix;
  norms: FloatArray;
  kernel: Matrix;
  weights?: Matrix;
}

export function trainKernelBuffers(
  n: number,
  d: number,
  dtype: DType,
  withWeights: boolean,
  withMetric: boolean,
): TrainKernelBuffers {
  return {
    xm: withMetric ? new Matrix(n, d, dtype) : undefined,
    gram: new Matrix(n, n, dtype),
    norms: allocate(dtype, n),
    kernel: new Matrix(n, n, dtype),
    weights: withWeights ? new Matrix(n, n, dtype) : undefined,
  };
}

/**
 * K(X, X) (and W when buffers.weights is set) under M. P is symmetrised and the norms are read off its diagonal, so
 * the train-by-train diagonal is an exact zero distance; it is forced anyway (K_ii = 1, W_ii = 0).
 * Returns X M (X itself for the identity) for reuse.
 */
export async function trainKernel(
  backend: Backend,
  x: Matrix,
  metric: Metric,
  kernel: ProductKernel,
  buffers: TrainKernelBuffers,
): Promise<Matrix> {
  const xm = await applyMetric(backend, x, metric, buffers.xm);
  if (metric.kind === 'identity') await backend.syrk(x, { out: buffers.gram });
  else {
    await backend.gemm(xm, x, { transB: true, out: buffers.gram });
    symmetrize(buffers.gram);
  }
  diagonalInto(buffers.gram, buffers.norms);
  await kernelFromGram(backend, buffers.gram, buffers.norms, buffers.norms, kernel, buffers.kernel, buffers.weights);
  forceTrainDiagonal(buffers.kernel, buffers.weights);
  return xm;
}

/** The fused distance -> kernel step with this module's zero-distance rule. */
export async function kernelFromGram(
  backend: Backend,
  gram: Matrix,
  pa: FloatArray,
  pb: FloatArray,
  kernel: ProductKernel,
  outKernel?: Matrix,
  outWeights?: Matrix,
): Promise<Matrix> {
  const r = await backend.distanceKernel(gram, pa, pb, {
    bandwidth: kernel.bandwidth,
    exponent: kernel.exponent,
    zeroTol: zeroTolerance(gram.dtype),
    weights: outWeights !== undefined,
    outKernel,
    outWeights,
  });
  return r.kernel;
}

/**
 * K(Z, X) under M for new points: P_z = (Z M) X', p_z = diag(Z M Z'). `xNorms` are the training points' squared
 * M-norms from the fit (the diagonal of X M X').
 */
export async function crossKernel(
  backend: Backend,
  z: Matrix,
  x: Matrix,
  metric: Metric,
  xNorms: FloatArray,
  kernel: ProductKernel,
): Promise<Matrix> {
  if (z.cols !== x.cols) throw new ShapeError(`the model has ${x.cols} features, the points given have ${z.cols}`);
  const zm = await applyMetric(backend, z, metric);
  const gram = await backend.gemm(zm, x, { transB: true });
  const norms = rowDots(zm, z);
  return kernelFromGram(backend, gram, norms, xNorms, kernel, gram);
}
