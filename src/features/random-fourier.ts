import { symmetricSqrt } from '../linalg/eigen';
import { OptionError, ShapeError } from '../core/errors';
import { checkOptions } from '../core/options';
import { Matrix, MatrixLike, assertFinite, assertSquare, toMatrix } from '../linalg/matrix';
import { backendFor } from '../linalg/registry';
import { Rng } from '../random';

/**
 * Random Fourier features (Rahimi & Recht), docs/rfm-math.md section 8: phi(x) = sqrt(2/p) cos(W'x + b) with
 * E[phi(x)'phi(z)] = K(x, z) for a shift-invariant kernel whose spectral density the columns of W are drawn from.
 * - Laplace exp(-||x - z|| / L): multivariate Cauchy, w = g / |u| / L with g ~ N(0, I_d), u ~ N(0, 1);
 * - Gaussian exp(-||x - z||^2 / L^2): w ~ N(0, 2 I_d / L^2);
 * - with a metric M: the same kernels in the M-norm, i.e. features of M^(1/2) x (the RFM's learned kernel).
 */

export type RandomFeatureKernel = 'laplace' | 'gaussian';

export interface RandomFourierOptions {
  kernel: RandomFeatureKernel;
  /** L > 0. */
  bandwidth: number;
  /** p, the number of features. */
  features: number;
  seed: number;
  /** Input dimension d; may be left out when `metric` is given (d = its size). */
  inputDim?: number;
  /** A symmetric PSD d x d matrix M: features of M^(1/2) x, approximating K(||x - z||_M). */
  metric?: Matrix;
}

export interface RandomFourierFeatures {
  readonly kernel: RandomFeatureKernel;
  readonly bandwidth: number;
  readonly features: number;
  readonly inputDim: number;
  /** d x p: column j is the frequency of feature j (acting on M^(1/2) x when a metric is given). */
  readonly frequencies: Matrix;
  /** M^(1/2) when a metric is given. */
  readonly metricRoot?: Matrix;
  /** p phases, uniform on [0, 2 pi). */
  readonly phases: Float64Array;
  /** n x p feature matrix of the rows of X (float64). */
  transform(x: MatrixLike): Promise<Matrix>;
}

const OPTION_KEYS = ['kernel', 'bandwidth', 'features', 'seed', 'inputDim', 'metric'] as const;

/**
 * Draws the features. Feature j depends only on the seed and j (its draws come in a fixed order per feature), so
 * the first p' features of a p-feature sampler are those of a p'-feature one with the same seed: nested sweeps
 * over p can draw once and take leading columns.
 */
export function randomFourierFeatures(options: RandomFourierOptions): RandomFourierFeatures {
  checkOptions('randomFourierFeatures', options, OPTION_KEYS);
  const { kernel, bandwidth, features, seed, metric } = options;
  if (kernel !== 'laplace' && kernel !== 'gaussian') {
    throw new OptionError(`randomFourierFeatures: kernel must be 'laplace' or 'gaussian', got ${String(kernel)}`);
  }
  if (!(bandwidth > 0) || !Number.isFinite(bandwidth))
    throw new OptionError(`randomFourierFeatures: bandwidth must be a positive number, got ${bandwidth}`);
  if (!Number.isInteger(features) || features < 1)
    throw new OptionError(`randomFourierFeatures: features must be a positive integer, got ${features}`);
  if (!Number.isFinite(seed)) throw new OptionError(`randomFourierFeatures: seed must be a finite number, got ${seed}`);
  let d = options.inputDim;
  if (metric !== undefined) {
    assertSquare(metric, 'randomFourierFeatures metric');
    assertFinite(metric, 'randomFourierFeatures metric');
    if (d !== undefined && d !== metric.rows)
      throw new ShapeError(`randomFourierFeatures: inputDim ${d} but the metric is ${metric.rows} x ${metric.cols}`);
    d = metric.rows;
  }
  if (d === undefined || !Number.isInteger(d) || d < 1) {
    throw new OptionError(`randomFourierFeatures: inputDim must be a positive integer (or give a metric), got ${d}`);
  }
  const inputDim = d;

  const rng = new Rng(seed);
  const w = new Matrix(inputDim, features);
  const phases = new Float64Array(features);
  const gaussianScale = Math.SQRT2 / bandwidth;
  for (let j = 0; j < features; j++) {
    let scale = gaussianScale;
    if (kernel === 'laplace') {
      let u = 0;
      while (u === 0) u = rng.normal();
      scale = 1 / (Math.abs(u) * bandwidth);
    }
    for (let i = 0; i < inputDim; i++) w.data[i * features + j] = rng.normal() * scale;
    phases[j] = 2 * Math.PI * rng.next();
  }
  const metricRoot = metric === undefined ? undefined : symmetricSqrt(metric);
  const amplitude = Math.sqrt(2 / features);

  return {
    kernel,
    bandwidth,
    features,
    inputDim,
    frequencies: w,
    metricRoot,
    phases,
    async transform(xLike: MatrixLike): Promise<Matrix> {
      const x = toMatrix(xLike, 'random features input');
      if (x.cols !== inputDim)
        throw new ShapeError(`random features were drawn for ${inputDim} inputs, X has ${x.cols} columns`);
      assertFinite(x, 'random features input');
      const backend = await backendFor('float64');
      // M^(1/2) is symmetric, so the rows of X M^(1/2) are the points M^(1/2) x.
      const z = await backend.gemm(metricRoot ? await backend.gemm(x, metricRoot) : x, w);
      const data = z.data;
      for (let i = 0; i < x.rows; i++) {
        const off = i * features;
        for (let j = 0; j < features; j++) data[off + j] = amplitude * Math.cos(data[off + j] + phases[j]);
      }
      return z;
    },
  };
}
