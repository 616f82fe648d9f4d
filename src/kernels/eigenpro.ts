import type { Backend } from '../linalg/backend';
import { throwIfAborted, yieldToEventLoop } from '../core/async';
import { DataError, OptionError } from '../core/errors';
import { symmetricEigen } from '../linalg/eigen';
import { Matrix } from '../linalg/matrix';
import type { Features } from '../rfm/features';
import { Rng } from '../random';
import { uniformCentres } from './centres';
import type { Metric, ProductKernel } from './kernel';
import { choleskyWithJitter } from './nystrom';
import { FeatureKernels } from './nystrom-kernels';

/**
 * EigenPro 2 (Ma and Belkin, "Kernel machines that adapt to GPUs for effective large batch training", SysML 2019):
 * the model is f(x) = sum_i alpha_i k(x, x_i) over all n training points, fitted by mini-batch iterations on the
 * square loss, preconditioned in the kernel's top eigendirections:
 *   setup   s subsample points X_S; top q + 1 eigenpairs (mu_i, v_i) of K_SS (randomised subspace iteration with the
 *           backend's GEMM and CholeskyQR2, then a small dense eigenproblem); D_i = (1 - (mu_{q+1} / mu_i)^damping) / mu_i.
 *           After preconditioning the covariance operator's top eigenvalue is lambda = mu_1 (mu_{q+1} / mu_1)^damping
 *           / s, so the critical batch is beta / lambda (beta = max k(x, x) = 1) and the step
 *           eta = b / beta below it, 2 b / (beta + (b - 1) lambda) above (times 0.99).
 *   batch B r = K(X_B, X) alpha + ridge alpha_B - Y_B;  alpha_B -= (eta / b) r;  alpha_S += (eta / b) F F' K(X_S, X_B) r
 *           with F = V D^(1/2). The second update is the preconditioner P = I - sum_i (1 - mu_{q+1} / mu_i) e_i e_i'
 *           written on the subsample's coordinates (e_i = Phi_S' v_i / sqrt(mu_i)).
 * The ridge term makes the fixed point the exact solver's (K + ridge I) alpha = Y (EigenPro's own papers use ridge 0,
 * the interpolating solution, regularised by the number of epochs; the project's ridge is small enough, 1e-3 by
 * default, that its few epochs are unchanged). Every epoch costs n^2 kernel evaluations; docs/large-n.md measures
 * where that wins against the Nystrom solver (nystrom.ts).
 */

/** The kernel rows EigenPro needs: every training point is a "centre". */
export interface EigenProKernels {
  readonly n: number;
  /** K(X[rows], X): rows.length x n, float64. */
  rows(indices: Int32Array): Promise<Matrix>;
  /** K(X[s], X[s]): s x s, float64. */
  subsampleKernel(indices: Int32Array): Promise<Matrix>;
}

/** The settings of one run, resolved (solver-choice.ts fills in the defaults and checks them). */
export interface EigenProSettings {
  epochs: number;
  /** s, at most n. */
  subsample: number;
  /** q, below s. */
  q: number;
  /** b; undefined: the critical batch size, at most `maxBatch`. */
  batchSize?: number;
  maxBatch: number;
  damping: number;
}

export interface EigenProProgress {
  stage: 'eigenpro';
  epoch: number;
  epochs: number;
  /** Batches done in this epoch, of `total`. */
  done: number;
  total: number;
}

export interface EigenProRunOptions extends EigenProSettings {
  ridge: number;
  seed: number;
  signal?: AbortSignal;
  onProgress?: (p: EigenProProgress) => void;
  /** After every epoch, with the current coefficients (the benchmark scores them; the test checks convergence). */
  onEpoch?: (epoch: number, alpha: Matrix) => Promise<void>;
}

export interface EigenProSetup {
  subsample: Int32Array;
  /** V D^(1/2): s x q, so the correction is F F' K(X_S, X_B) r. */
  f: Matrix;
  eta: number;
  batch: number;
  criticalBatch: number;
  /** The preconditioned operator's top eigenvalue. */
  topAfter: number;
  seconds: number;
}

export interface EigenProSolution {
  /** n x c, float64: f(x) = K(x, X) alpha. */
  alpha: Matrix;
  setup: EigenProSetup;
  epochs: number;
}

/**
 * EigenPro's kernel rows for points given as Features (dense or one-hot) under a metric M (nystrom-kernels.ts), with
 * the points' squared M-norms (what a prediction K(z, X) alpha needs) and the source over all of them (`all.cross(Z)`
 * is K(Z, X) for other points).
 */
export async function featureEigenProKernels(
  backend: Backend,
  x: Features,
  metric: Metric,
  kernel: ProductKernel,
  blockRows: number,
): Promise<EigenProKernels & { norms: Float64Array; all: FeatureKernels }> {
  const all = Int32Array.from({ length: x.rows }, (_, i) => i);
  const rows = await FeatureKernels.create(backend, x, all, metric, kernel, blockRows);
  return {
    n: x.rows,
    norms: Float64Array.from(rows.centreSquaredNorms),
    all: rows,
    rows: async (indices) => (await rows.cross(x.select(indices))).kernel,
    subsampleKernel: async (indices) =>
      (await FeatureKernels.create(backend, x, indices, metric, kernel, blockRows)).centreKernel(),
  };
}

/** Orthonormal columns spanning Y's (Cholesky QR, twice: CholeskyQR2). */
async function orthonormal(backend: Backend, y: Matrix): Promise<Matrix> {
  let q = y;
  for (let pass = 0; pass < 2; pass++) {
    const g = await backend.syrk(q, { trans: true });
    const { factor } = await choleskyWithJitter(backend, g, 0, 'EigenPro subspace Gram');
    q = (await backend.triangularSolve(factor, q.transpose(), { inPlace: true })).transpose();
  }
  return q;
}

/** Top `count` eigenpairs of the symmetric K (randomised subspace iteration, `powers` passes). */
async function topEigen(backend: Backend, k: Matrix, count: number, rng: Rng, powers = 4) {
  const s = k.rows;
  const width = Math.min(s, count + 20);
  let y = new Matrix(s, width);
  for (let i = 0; i < y.data.length; i++) y.data[i] = rng.normal();
  for (let p = 0; p < powers; p++) y = await backend.gemm(k, await orthonormal(backend, y));
  const q = await orthonormal(backend, y);
  const b = await backend.gemm(q, await backend.gemm(k, q), { transA: true });
  const eig = symmetricEigen(b);
  return { values: eig.values.subarray(0, count), vectors: await backend.gemm(q, eig.vectors) };
}

/** The eigensystem, step size and batch size of EigenPro 2 for these points (the subsample drawn from `rng`). */
export async function eigenProSetup(
  backend: Backend,
  src: EigenProKernels,
  o: EigenProSettings,
  rng: Rng,
): Promise<EigenProSetup> {
  const started = performance.now();
  const n = src.n;
  const { q, damping } = o;
  const subsample = uniformCentres(n, o.subsample, rng);
  const s = subsample.length;
  const { values: mu, vectors } = await topEigen(backend, await src.subsampleKernel(subsample), q + 1, rng);
  const tail = mu[q];
  if (!(tail > 0))
    throw new DataError(
      `EigenPro: eigenvalue ${q + 1} of the subsample's kernel matrix is ${tail.toPrecision(3)}, not positive (the matrix has rank <= ${q}): use a smaller eigenpro.q, or check the data's scale against the bandwidth`,
    );
  const f = new Matrix(s, q);
  for (let j = 0; j < q; j++) {
    const root = Math.sqrt(Math.max(0, (1 - (tail / mu[j]) ** damping) / mu[j]));
    for (let i = 0; i < s; i++) f.data[i * q + j] = vectors.data[i * vectors.cols + j] * root;
  }
  const beta = 1;
  const topAfter = (mu[0] * (tail / mu[0]) ** damping) / s;
  const criticalBatch = Math.floor(beta / topAfter) + 1;
  const batch = Math.min(n, o.batchSize ?? Math.min(o.maxBatch, criticalBatch));
  const eta = 0.99 * (batch < criticalBatch ? batch / beta : (2 * batch) / (beta + (batch - 1) * topAfter));
  return { subsample, f, eta, batch, criticalBatch, topAfter, seconds: (performance.now() - started) / 1000 };
}

/** alpha[rows] += scale * u, row by row. */
function scatterAdd(alpha: Matrix, rows: ArrayLike<number>, u: Matrix, scale: number): void {
  const c = alpha.cols;
  for (let i = 0; i < rows.length; i++)
    for (let k = 0; k < c; k++) alpha.data[rows[i] * c + k] += scale * u.data[i * c + k];
}

/** One batch's update of alpha (see the file's comment). */
async function batchStep(
  backend: Backend,
  kb: Matrix,
  rows: Int32Array,
  y: Matrix,
  alpha: Matrix,
  setup: EigenProSetup,
  ridge: number,
): Promise<void> {
  const n = kb.cols;
  const c = y.cols;
  const { subsample, f, eta } = setup;
  const r = await backend.gemm(kb, alpha);
  for (let i = 0; i < rows.length; i++)
    for (let k = 0; k < c; k++) {
      const at = rows[i] * c + k;
      r.data[i * c + k] += ridge * alpha.data[at] - y.data[at];
    }
  // K(X_S, X_B) r from the subsample's columns of K(X_B, X).
  const s = subsample.length;
  const ksb = new Matrix(rows.length, s);
  for (let i = 0; i < rows.length; i++) for (let j = 0; j < s; j++) ksb.data[i * s + j] = kb.data[i * n + subsample[j]];
  const ksr = await backend.gemm(ksb, r, { transA: true });
  const correction = await backend.gemm(f, await backend.gemm(f, ksr, { transA: true }));
  const step = eta / rows.length;
  scatterAdd(alpha, rows, r, -step);
  scatterAdd(alpha, subsample, correction, step);
}

/** EigenPro 2 on targets Y (n x c): the n x c coefficients over the training points; seeded, cancellable. */
export async function solveEigenPro(
  backend: Backend,
  src: EigenProKernels,
  y: Matrix,
  o: EigenProRunOptions,
): Promise<EigenProSolution> {
  const n = src.n;
  if (y.rows !== n) throw new OptionError(`EigenPro: Y has ${y.rows} rows, the kernel source ${n} points`);
  throwIfAborted(o.signal, 'the EigenPro solve');
  const y64 = y.astype('float64');
  const rng = new Rng(o.seed);
  const setup = await eigenProSetup(backend, src, o, rng);
  const alpha = new Matrix(n, y.cols);
  const total = Math.ceil(n / setup.batch);
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
    for (let b = 0; b < total; b++) {
      await yieldToEventLoop(o.signal, 'the EigenPro solve');
      const rows = order.subarray(b * setup.batch, Math.min(n, (b + 1) * setup.batch));
      await batchStep(backend, await src.rows(rows), rows, y64, alpha, setup, o.ridge);
      o.onProgress?.({ stage: 'eigenpro', epoch, epochs: o.epochs, done: b + 1, total });
    }
    await o.onEpoch?.(epoch, alpha);
  }
  return { alpha, setup, epochs: o.epochs };
}
