import type { Backend } from '../linalg/backend';
import { rowDots } from '../linalg/elementwise';
import { ShapeError } from '../core';
import { FloatArray, Matrix } from '../linalg/matrix';
import { Metric, ProductKernel, applyMetric, kernelFromGram } from './kernel';

/**
 * Gradients of a fitted kernel predictor f_k(z) = sum_i A_ik K(x_i, z) at points z (rfm-math.md section 3):
 *   grad f_k(z) = -(q / L^q) M sum_i A_ik W(z, x_i) (z - x_i),  W = K o D^(q-2), 0 where D = 0,
 * i.e. for the m x d block of points: -(q / L^q) [ (W_z A_k) o_rows Z - W_z (A_k o_rows X) ] M.
 * The predictor has a cusp at each training point for q < 2 (the zero-distance term is dropped there).
 * Returns one m x d matrix per output.
 */
export async function predictorGradients(
  backend: Backend,
  z: Matrix,
  x: Matrix,
  metric: Metric,
  alpha: Matrix,
  xNorms: FloatArray,
  kernel: ProductKernel,
): Promise<Matrix[]> {
  if (z.cols !== x.cols) throw new ShapeError(`the model has ${x.cols} features, the points given have ${z.cols}`);
  const m = z.rows;
  const n = x.rows;
  const d = x.cols;
  const c = alpha.cols;
  const zm = await applyMetric(backend, z, metric);
  const gram = await backend.gemm(zm, x, { transB: true });
  const zNorms = rowDots(zm, z);
  const weights = new Matrix(m, n, z.dtype);
  await kernelFromGram(backend, gram, zNorms, xNorms, kernel, gram, weights);
  const s = await backend.gemm(weights, alpha);
  const kappa = kernel.exponent / Math.pow(kernel.bandwidth, kernel.exponent);
  const ax = new Matrix(n, d, z.dtype);
  const out: Matrix[] = [];
  for (let k = 0; k < c; k++) {
    for (let i = 0; i < n; i++) {
      const a = alpha.data[i * c + k];
      for (let p = 0; p < d; p++) ax.data[i * d + p] = a * x.data[i * d + p];
    }
    const g = await backend.gemm(weights, ax);
    for (let r = 0; r < m; r++) {
      const sr = s.data[r * c + k];
      for (let p = 0; p < d; p++) g.data[r * d + p] = -kappa * (sr * z.data[r * d + p] - g.data[r * d + p]);
    }
    out.push(await applyMetric(backend, g, metric));
  }
  return out;
}
