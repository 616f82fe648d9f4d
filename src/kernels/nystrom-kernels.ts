import type { Backend } from '../linalg/backend';
import { diagonalInto } from '../linalg/elementwise';
import { FloatArray, Matrix } from '../linalg/matrix';
import { DenseFeatures, Features, OneHotFeatures } from '../rfm/features';
import { l1LaplacianKernel } from './l1-laplacian';
import { Metric, ProductKernel, forceTrainDiagonal, kernelFromGram } from './kernel';
import type { NystromKernels } from './nystrom';

/**
 * The kernel blocks of nystrom.ts for points given as Features (dense, or one-hot codes: the products with X then
 * run on the codes, features.ts) under a metric M: K(C, X_b) from P = (C M) X_b' and the squared M-norms.
 * C M (m x d) and the centres' norms are formed once; the training points' norms once, block by block.
 */
export class FeatureKernels implements NystromKernels {
  readonly n: number;
  readonly m: number;

  private constructor(
    private readonly backend: Backend,
    private readonly x: Features,
    readonly centres: Features,
    private readonly centresM: Matrix,
    private readonly centreNorms: Float64Array,
    private readonly norms: Float64Array,
    private readonly metric: Metric,
    readonly kernel: ProductKernel,
    private readonly blockRows: number,
  ) {
    this.n = x.rows;
    this.m = centres.rows;
  }

  /** `centres`: indices of training points; `blockRows` rows per block (also for the norms' pass). */
  static async create(
    backend: Backend,
    points: Features,
    centreIndices: ArrayLike<number>,
    metric: Metric,
    kernel: ProductKernel,
    blockRows: number,
  ): Promise<FeatureKernels> {
    // Float64 throughout (the blocks feed a float64 solve; a float32 gram would need float32's zero tolerance).
    const x = points.astype('float64');
    const centres = x.select(centreIndices);
    const centresM = await centres.times(metric);
    const centreNorms = Float64Array.from(centres.rowDots(centresM));
    const norms = await squaredNorms(x, metric, blockRows);
    return new FeatureKernels(backend, x, centres, centresM, centreNorms, norms, metric, kernel, blockRows);
  }

  private rangeOf(start: number, end: number): Int32Array {
    return Int32Array.from({ length: end - start }, (_, i) => start + i);
  }

  async block(start: number, end: number): Promise<Matrix> {
    const xb = this.x.select(this.rangeOf(start, end));
    const gram = this.sparseWeights()
      ? this.blockProducts(xb as OneHotFeatures)
      : (await xb.crossProducts(this.centresM)).astype('float64');
    return kernelFromGram(this.backend, gram, this.centreNorms, this.norms.subarray(start, end), this.kernel, gram);
  }

  /**
   * With one-hot points and a diagonal (or no) M, Z M C' from the centres' column index (features.ts,
   * weightedCrossProducts): an order of magnitude fewer operations than the gathers from the dense C M.
   */
  private sparseWeights(): boolean {
    return this.x instanceof OneHotFeatures && this.metric.kind !== 'full';
  }

  /**
   * C M X_b' (m x b) for a one-hot block, from the block's own column index: written in the layout the solver
   * wants (a product Z M C' from the centres' index would need a transpose, a fifth of the block's time at m = 2000).
   */
  private blockProducts(xb: OneHotFeatures): Matrix {
    const weights = this.metric.kind === 'diagonal' ? this.metric.diagonal : null;
    return xb.weightedCrossProducts(this.centres as OneHotFeatures, weights, new Matrix(this.m, xb.rows));
  }

  /** Z M C' (z.rows x m), float64. */
  private async products(z: Features): Promise<Matrix> {
    if (this.sparseWeights() && z instanceof OneHotFeatures) {
      const weights = this.metric.kind === 'diagonal' ? this.metric.diagonal : null;
      return (this.centres as OneHotFeatures).weightedCrossProducts(z, weights, new Matrix(z.rows, this.m));
    }
    return (await this.centres.crossProducts(await z.times(this.metric))).astype('float64');
  }

  async centreKernel(): Promise<Matrix> {
    const gram = this.sparseWeights()
      ? await this.products(this.centres)
      : (await this.centres.crossProducts(this.centresM, { symmetric: true })).astype('float64');
    const norms = diagonalInto(gram, new Float64Array(this.m));
    const k = await kernelFromGram(this.backend, gram, norms, norms, this.kernel, gram);
    forceTrainDiagonal(k);
    return k;
  }

  /**
   * K(Z, C) (rows x m) for other points, and with `weights` W = K o D^(q-2) (0 where D = 0) for the gradients of
   * f(z) = sum_j alpha_j k(z, c_j).
   */
  async cross(z: Features, weights = false): Promise<{ kernel: Matrix; weights?: Matrix }> {
    const z64 = z.astype('float64');
    const zNorms = await squaredNorms(z64, this.metric, DEFAULT_NORM_BLOCK);
    const gram = await this.products(z64);
    const w = weights ? new Matrix(gram.rows, gram.cols) : undefined;
    const kernel = await kernelFromGram(this.backend, gram, zNorms, this.centreNorms, this.kernel, gram, w);
    return { kernel, weights: w };
  }

  /** The centres' squared M-norms (for serialising a fitted model). */
  get centreSquaredNorms(): FloatArray {
    return this.centreNorms;
  }
}

const DEFAULT_NORM_BLOCK = 2048;

/** ||x_i||_M^2 for every row, a block of rows at a time (a one-hot X is densified one block at a time only). */
async function squaredNorms(x: Features, metric: Metric, blockRows: number): Promise<Float64Array> {
  if (x.oneHotWidth !== undefined && metric.kind !== 'full') {
    // 0/1 entries: x' diag(m) x = m' x, one product with the row vector m' (a gather per 1, no densified block).
    const m = new Matrix(1, x.cols);
    if (metric.kind === 'diagonal') m.data.set(metric.diagonal);
    else m.data.fill(1);
    return Float64Array.from((await x.crossProducts(m)).data);
  }
  const out = new Float64Array(x.rows);
  for (let start = 0; start < x.rows; start += blockRows) {
    const end = Math.min(x.rows, start + blockRows);
    const xb = x.select(Int32Array.from({ length: end - start }, (_, i) => start + i));
    const xbm = await xb.times(metric);
    out.set(xb.rowDots(xbm), start);
  }
  return out;
}

/** The blocks for the L1 Laplacian exp(-||x - z||_1 / L) (no product form: computed directly, l1-laplacian.ts). */
export class L1LaplacianKernels implements NystromKernels {
  readonly n: number;
  readonly m: number;
  readonly centres: Matrix;
  private readonly x: Matrix;

  constructor(
    points: Matrix,
    centreIndices: ArrayLike<number>,
    private readonly bandwidth: number,
  ) {
    this.x = points.astype('float64');
    this.n = points.rows;
    this.m = centreIndices.length;
    this.centres = new DenseFeatures(this.x).select(centreIndices).dense();
  }

  async block(start: number, end: number): Promise<Matrix> {
    const d = this.x.cols;
    const xb = new Matrix(end - start, d, this.x.data.subarray(start * d, end * d));
    return l1LaplacianKernel(this.centres, xb, this.bandwidth);
  }

  async centreKernel(): Promise<Matrix> {
    return l1LaplacianKernel(this.centres, this.centres, this.bandwidth);
  }
}
