import type { DType, FloatArray, Matrix } from './matrix';

export type BackendName = 'native' | 'tfjs' | 'js';

/** out = alpha op(A) op(B) + beta out. */
export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
  /** Written in place; its previous contents matter only when beta != 0. */
  out?: Matrix;
}

/** out = alpha A A' + beta out (with `trans`, alpha A' A + beta out); both triangles are filled. */
export interface SyrkOptions {
  trans?: boolean;
  alpha?: number;
  beta?: number;
  out?: Matrix;
}

export interface CholeskyOptions {
  /** Overwrite the input with its factor instead of copying it. */
  inPlace?: boolean;
}

/** Solves op(L) X = B for a lower-triangular L (op = transpose when `transpose`). */
export interface TriangularSolveOptions {
  transpose?: boolean;
  /** Overwrite B with X. */
  inPlace?: boolean;
}

/**
 * The fused elementwise step every kernel needs: from a Gram-like matrix P (rows a, cols b) and squared norms
 * pa, pb, the distances D = sqrt(max(0, pa_i + pb_j - 2 P_ij)), with a squared distance below
 * zeroTol * (pa_i + pb_j) taken as exactly 0 (float cancellation, docs/rfm-math.md section 1), then
 * K = exp(-(D / L)^q) and, when asked, W = K o D^(q - 2) with W = 0 where D = 0.
 */
export interface DistanceKernelOptions {
  bandwidth: number;
  exponent: number;
  zeroTol: number;
  weights?: boolean;
  /** Where to write K; may be the Gram matrix itself (elementwise, so aliasing is safe). */
  outKernel?: Matrix;
  outWeights?: Matrix;
}

/**
 * The RFM's per-output gradient coefficients (src/rfm/agop.ts): from W_J (|J| x n, rows J of the kernel weights),
 * the weights A (n x c) and S = W_J A (|J| x c), B (|J| x n) with row r = kappa (A[:, k] o W_J[r, :])' minus
 * kappa S_rk at column J_r, and with `centering` each column's mean over the rows removed.
 */
export interface GradientCoefficientsOptions {
  /** J: the training point of each row (null: row r is point r, all n points). */
  rows: Int32Array | null;
  /** The output k. */
  output: number;
  kappa: number;
  centering: boolean;
  /** Written in place (|J| x n); must not share memory with the inputs. */
  out: Matrix;
}

export interface DistanceKernelResult {
  kernel: Matrix;
  weights?: Matrix;
}

/**
 * The small set of dense kernels every algorithm is written against (tfjs-core's backend registry is the model).
 * Heavy calls return Promises so a backend can run them off the main thread and notebooks stay responsive.
 */
export interface Backend {
  readonly name: BackendName;
  readonly dtypes: readonly DType[];
  gemm(a: Matrix, b: Matrix, options?: GemmOptions): Promise<Matrix>;
  syrk(a: Matrix, options?: SyrkOptions): Promise<Matrix>;
  /** Lower factor L with A = L L' (upper triangle zeroed); throws NotSPDError on a non-SPD matrix. */
  cholesky(a: Matrix, options?: CholeskyOptions): Promise<Matrix>;
  triangularSolve(l: Matrix, b: Matrix, options?: TriangularSolveOptions): Promise<Matrix>;
  distanceKernel(
    gram: Matrix,
    pa: FloatArray,
    pb: FloatArray,
    options: DistanceKernelOptions,
  ): Promise<DistanceKernelResult>;
  /** B of GradientCoefficientsOptions, into options.out (an O(|J| n) pass: the native backend runs it off the main thread). */
  gradientCoefficients(
    wj: Matrix,
    alpha: Matrix,
    scores: Matrix,
    options: GradientCoefficientsOptions,
  ): Promise<Matrix>;
  /**
   * out_j (+)= scale * sum_i a_ij^2 (elementwise.ts's addColumnSquares, the reference: the native backend runs the
   * same arithmetic off the main thread).
   */
  addColumnSquares(a: Matrix, out: FloatArray, scale: number, accumulate: boolean): Promise<FloatArray>;
  /** Squared Euclidean norm of each row, in the matrix's dtype. */
  rowSquaredNorms(a: Matrix): FloatArray;
  /** Threads the backend may use per call (1 where it has no threads). */
  setThreads(count: number): void;
  getThreads(): number;
}
