/**
 * EigenPro 2 (Ma and Belkin, "Kernel machines that adapt to GPUs for effective large batch training", SysML 2019),
 * written for bench/large.bench.ts's comparison with the Nystrom solver (src/kernels/nystrom.ts). Not (yet) a project
 * solver: it won only for the plain kernel at ~20,000 text windows, which no model can use as it stands
 * (docs/large-n.md), so it lives with the benchmark that measures it.
 *
 * The model is f(x) = sum_i alpha_i k(x, x_i) over all n training points, fitted to Y by mini-batch SGD on the
 * square loss, preconditioned in the kernel's top eigendirections:
 *   setup   s subsample points X_s; top q + 1 eigenpairs (mu_i, v_i) of K_ss (randomised subspace iteration with the
 *           backend's GEMM, then a small dense eigenproblem); D_i = (1 - (mu_{q+1} / mu_i)^damping) / mu_i.
 *           After preconditioning the covariance operator's top eigenvalue is lambda = mu_1 (mu_{q+1} / mu_1)^damping
 *           / s, so the critical batch is beta / lambda (beta = max k(x, x) = 1) and the step
 *           eta = b / beta below it, 2 b / (beta + (b - 1) lambda) above (times 0.99).
 *   batch B r = K(X_B, X) alpha - Y_B;  alpha_B -= (eta / b) r;  alpha_S += (eta / b) V D V' K(X_S, X_B) r.
 * The second update is the preconditioner P = I - sum_i (1 - lambda_{q+1} / lambda_i) e_i e_i' written on the
 * subsample's coordinates (e_i = Phi_S' v_i / sqrt(mu_i)). No ridge: EigenPro fits the interpolating solution and is
 * regularised by the number of epochs. Kernel rows come from the same FeatureKernels as the Nystrom solver (one-hot
 * products on text windows), with every training point a "centre".
 */
import { choleskyWithJitter } from '../src/kernels/nystrom';
import { FeatureKernels } from '../src/kernels/nystrom-kernels';
import type { Metric, ProductKernel } from '../src/kernels/kernel';
import type { Backend } from '../src/linalg/backend';
import { symmetricEigen } from '../src/linalg/eigen';
import { Matrix } from '../src/linalg/matrix';
import type { Features } from '../src/rfm/features';
import { Rng } from '../src/random';
import { uniformCentres } from '../src/kernels/centres';

export interface EigenProOptions {
  /** Top eigendirections q (default 160). */
  q?: number;
  /** Subsample size s (default 4000, at most n). */
  subsample?: number;
  /** Batch size (default: the critical batch size, at most 2048 and n). */
  batch?: number;
  epochs: number;
  /** Exponent on the eigenvalue ratio (default 0.95, as in the reference implementations). */
  damping?: number;
  seed: number;
  /** Called after every epoch with the current coefficients (to score them); may stop the run by returning true. */
  onEpoch?: (epoch: number, alpha: Matrix, seconds: number, kernels: FeatureKernels) => Promise<boolean | void>;
}

export interface EigenProSetup {
  subsample: Int32Array;
  /** V D^(1/2): s x q, so the correction is F F' K(X_S, X_B) r. */
  f: Matrix;
  eta: number;
  batch: number;
  criticalBatch: number;
  topAfter: number;
  seconds: number;
}

/** Orthonormal columns spanning Y's (Cholesky QR, twice: CholeskyQR2). */
async function orthonormal(backend: Backend, y: Matrix): Promise<Matrix> {
  let q = y;
  for (let pass = 0; pass < 2; pass++) {
    const g = await backend.syrk(q, { trans: true });
    symmetrizeLower(g);
    const { factor } = await choleskyWithJitter(backend, g, 0, 'EigenPro subspace Gram');
    const qt = transpose(q);
    await backend.triangularSolve(factor, qt, { inPlace: true });
    q = transpose(qt);
  }
  return q;
}

function symmetrizeLower(g: Matrix): void {
  const n = g.rows;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g.data[j * n + i] = g.data[i * n + j];
}

function transpose(a: Matrix): Matrix {
  const out = new Matrix(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out.data[j * a.rows + i] = a.data[i * a.cols + j];
  return out;
}

/** Top k eigenpairs of the symmetric K (randomised subspace iteration, `powers` passes). */
async function topEigen(backend: Backend, k: Matrix, count: number, rng: Rng, powers = 4) {
  const s = k.rows;
  const width = Math.min(s, count + 20);
  let y = new Matrix(s, width);
  for (let i = 0; i < y.data.length; i++) y.data[i] = rng.normal();
  for (let p = 0; p < powers; p++) y = await backend.gemm(k, await orthonormal(backend, y));
  const q = await orthonormal(backend, y);
  const b = await backend.gemm(q, await backend.gemm(k, q), { transA: true });
  const eig = symmetricEigen(b);
  const vectors = await backend.gemm(q, eig.vectors);
  return { values: eig.values.subarray(0, count), vectors, width };
}

/** The eigensystem, step size and batch size of EigenPro 2 for these points. */
export async function eigenProSetup(
  backend: Backend,
  x: Features,
  metric: Metric,
  kernel: ProductKernel,
  o: EigenProOptions,
): Promise<EigenProSetup> {
  const started = performance.now();
  const n = x.rows;
  const rng = new Rng(o.seed);
  const s = Math.min(n, o.subsample ?? 4000);
  const q = Math.min(s - 1, o.q ?? 160);
  const damping = o.damping ?? 0.95;
  const subsample = uniformCentres(n, s, rng);
  const src = await FeatureKernels.create(backend, x, subsample, metric, kernel, 2048);
  const kss = await src.centreKernel();
  const { values: mu, vectors } = await topEigen(backend, kss, q + 1, rng);
  const tail = mu[q];
  const f = new Matrix(s, q);
  for (let j = 0; j < q; j++) {
    const d = (1 - (tail / mu[j]) ** damping) / mu[j];
    const root = Math.sqrt(Math.max(0, d));
    for (let i = 0; i < s; i++) f.data[i * q + j] = vectors.data[i * vectors.cols + j] * root;
  }
  const beta = 1;
  const topAfter = (mu[0] * (tail / mu[0]) ** damping) / s;
  const criticalBatch = Math.floor(beta / topAfter) + 1;
  const batch = Math.min(n, o.batch ?? Math.min(2048, criticalBatch));
  const eta = 0.99 * (batch < criticalBatch ? batch / beta : (2 * batch) / (beta + (batch - 1) * topAfter));
  return { subsample, f, eta, batch, criticalBatch, topAfter, seconds: (performance.now() - started) / 1000 };
}

function gather(y: Matrix, rows: ArrayLike<number>): Matrix {
  const c = y.cols;
  const out = new Matrix(rows.length, c);
  for (let i = 0; i < rows.length; i++) out.data.set(y.data.subarray(rows[i] * c, rows[i] * c + c), i * c);
  return out;
}

/** alpha[rows] += scale * u, row by row. */
function scatterAdd(alpha: Matrix, rows: ArrayLike<number>, u: Matrix, scale: number): void {
  const c = alpha.cols;
  for (let i = 0; i < rows.length; i++)
    for (let k = 0; k < c; k++) alpha.data[rows[i] * c + k] += scale * u.data[i * c + k];
}

/** EigenPro 2 on (x, y): n x c coefficients over the training points (predict with K(z, X) alpha). */
export async function eigenProFit(
  backend: Backend,
  x: Features,
  y: Matrix,
  metric: Metric,
  kernel: ProductKernel,
  o: EigenProOptions,
): Promise<{ alpha: Matrix; setup: EigenProSetup; kernels: FeatureKernels; epochs: number }> {
  const started = performance.now();
  const n = x.rows;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const kernels = await FeatureKernels.create(backend, x, all, metric, kernel, 2048);
  const setup = await eigenProSetup(backend, x, metric, kernel, o);
  const { subsample, f, eta, batch } = setup;
  const alpha = new Matrix(n, y.cols);
  const rng = new Rng(o.seed + 1);
  let epoch = 0;
  while (epoch < o.epochs) {
    const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
    for (let start = 0; start < n; start += batch) {
      const rows = order.subarray(start, Math.min(n, start + batch));
      const kb = (await kernels.cross(x.select(rows))).kernel;
      const r = await backend.gemm(kb, alpha);
      const yb = gather(y, rows);
      for (let i = 0; i < r.data.length; i++) r.data[i] -= yb.data[i];
      const step = eta / rows.length;
      // K(X_S, X_B) r from the subsample's columns of K(X_B, X).
      const ksb = new Matrix(rows.length, subsample.length);
      for (let i = 0; i < rows.length; i++)
        for (let j = 0; j < subsample.length; j++) ksb.data[i * subsample.length + j] = kb.data[i * n + subsample[j]];
      const ksr = await backend.gemm(ksb, r, { transA: true });
      const correction = await backend.gemm(f, await backend.gemm(f, ksr, { transA: true }));
      scatterAdd(alpha, rows, r, -step);
      scatterAdd(alpha, subsample, correction, step);
    }
    epoch++;
    if (await o.onEpoch?.(epoch, alpha, (performance.now() - started) / 1000, kernels)) break;
  }
  return { alpha, setup, kernels, epochs: epoch };
}
