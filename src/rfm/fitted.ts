import type { Backend } from '../linalg/backend';
import { rowDots } from '../linalg/elementwise';
import { ShapeError } from '../core/errors';
import { FloatArray, Matrix } from '../linalg/matrix';
import { backendFor } from '../linalg/registry';
import { Metric, ProductKernel, kernelFromGram } from '../kernels/kernel';
import { OneHotFeatures, type Features } from './features';

/**
 * The learned state of one RFM iteration t, the pair (M_t, alpha_t), in the coordinates it was learned in.
 * Primal: M_t itself (identity, diagonal or full), the training points X (dense or one-hot, features.ts) and their
 * squared M-norms.
 * Dual: M_t = X' C X with C n x n (null for t = 0, M = I), the Gram matrix G = X X' (and X when it was given) and
 * the training points' squared M-norms diag(G C G). New points need their cross products G_z = Z X' and norms.
 */
export interface PrimalFit {
  kind: 'primal';
  x: Features;
  metric: Metric;
  alpha: Matrix;
  norms: FloatArray;
}

/** The training data of a dual model, shared by its kept and baseline states; G is formed from X when missing. */
export interface DualData {
  x?: Features;
  gram?: Matrix;
}

export interface DualFit {
  kind: 'dual';
  data: DualData;
  coef: Matrix | null;
  alpha: Matrix;
  norms: FloatArray;
}

export type FittedState = PrimalFit | DualFit;

/**
 * f(Z): P_z = (Z M) X', p_z = diag(Z M Z'). One-hot Z and X under a diagonal (or no) M take the index path
 * (Z diag(M) X' from X's column index, features.ts): no dense Z M, and ~0.07 n w adds per row on English text.
 */
export async function predictPrimal(s: PrimalFit, z: Features, kernel: ProductKernel): Promise<Matrix> {
  if (z.cols !== s.x.cols) throw new ShapeError(`the model has ${s.x.cols} features, the points given have ${z.cols}`);
  const backend = await backendFor(s.x.dtype);
  const zr = z.astype(s.x.dtype);
  let gram: Matrix;
  let norms: FloatArray;
  if (zr instanceof OneHotFeatures && s.x instanceof OneHotFeatures && s.metric.kind !== 'full') {
    const weights = s.metric.kind === 'diagonal' ? s.metric.diagonal : null;
    gram = s.x.weightedCrossProducts(zr, weights);
    const sums = zr.weightedRowSums(weights);
    norms = zr.dtype === 'float32' ? Float32Array.from(sums) : sums;
  } else {
    const zm = await zr.times(s.metric);
    gram = await s.x.crossProducts(zm);
    norms = zr.rowDots(zm);
  }
  const k = await kernelFromGram(backend, gram, norms, s.norms, kernel, gram);
  return (await backend.gemm(k, s.alpha)).astype('float64');
}

/** f(Z) from G_z = Z X' (m x n) and ||z||^2: P_z = G_z C G, p_z = diag(G_z C G_z'). */
export async function predictDual(
  backend: Backend,
  s: DualFit,
  gz: Matrix,
  zNorms: FloatArray,
  kernel: ProductKernel,
): Promise<Matrix> {
  const gram = (s.data.gram ??= await s.data.x!.gram());
  const n = gram.rows;
  if (gz.cols !== n)
    throw new ShapeError(
      `the cross products must be m x ${n} (one column per training point), got ${gz.rows} x ${gz.cols}`,
    );
  if (zNorms.length !== gz.rows) throw new ShapeError(`${gz.rows} rows of cross products but ${zNorms.length} norms`);
  const dtype = gram.dtype;
  const g = gz.astype(dtype);
  let p: Matrix;
  let pz: FloatArray;
  if (s.coef === null) {
    p = g === gz ? gz.clone() : g;
    pz = dtype === 'float32' ? Float32Array.from(zNorms) : Float64Array.from(zNorms);
  } else {
    const v = await backend.gemm(g, s.coef);
    pz = rowDots(v, g);
    p = await backend.gemm(v, gram);
  }
  const k = await kernelFromGram(backend, p, pz, s.norms, kernel, p);
  return (await backend.gemm(k, s.alpha.astype(dtype))).astype('float64');
}

/** M = X' C X (d x d), or the primal M itself. */
export async function materializeMetric(s: FittedState): Promise<Matrix> {
  if (s.kind === 'primal') {
    const m = s.metric;
    const d = s.x.cols;
    if (m.kind === 'full') return m.matrix.astype('float64').clone();
    const out = Matrix.identity(d);
    if (m.kind === 'diagonal') for (let i = 0; i < d; i++) out.data[i * d + i] = m.diagonal[i];
    return out;
  }
  const x = s.data.x;
  if (!x)
    throw new ShapeError(
      "this model was fit from Gram matrices, so M = X'CX cannot be formed without X: use dualCoefficients() for C",
    );
  if (s.coef === null) return Matrix.identity(x.cols);
  return x.congruence(s.coef);
}
