import type {
  Backend,
  CholeskyOptions,
  DistanceKernelOptions,
  DistanceKernelResult,
  GemmOptions,
  GradientCoefficientsOptions,
  SyrkOptions,
  TriangularSolveOptions,
} from '../backend';
import {
  checkCholeskyInput,
  checkDistanceKernel,
  checkGradientCoefficients,
  checkTriangularSolve,
  gemmShape,
  syrkShape,
} from '../checks';
import { NotSPDError } from '../../core/errors';
import { FloatArray, Matrix, allocate } from '../matrix';
import { distanceKernelRows } from '../distance-kernel';
import { addColumnSquares } from '../elementwise';
import { gradientCoefficientsInto } from '../gradient-coefficients';

/** Plain TypeScript reference: the oracle in tests and the float64 fallback when the native addon is missing. */

function transposed(a: Matrix, trans: boolean | undefined): Matrix {
  return trans ? a.transpose() : a;
}

function gemmSync(a: Matrix, b: Matrix, options: GemmOptions = {}): Matrix {
  const { m, n, k } = gemmShape(a, b, options);
  const alpha = options.alpha ?? 1;
  const beta = options.beta ?? 0;
  const out = options.out ?? new Matrix(m, n, a.dtype);
  const A = transposed(a, options.transA).data;
  const B = transposed(b, options.transB).data;
  const C = out.data;
  // Accumulate each output row in float64 so the float32 reference is as exact as it can be.
  const acc = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    acc.fill(0);
    for (let p = 0; p < k; p++) {
      const aip = A[i * k + p];
      if (aip === 0) continue;
      const off = p * n;
      for (let j = 0; j < n; j++) acc[j] += aip * B[off + j];
    }
    const row = i * n;
    if (beta === 0) for (let j = 0; j < n; j++) C[row + j] = alpha * acc[j];
    else for (let j = 0; j < n; j++) C[row + j] = alpha * acc[j] + beta * C[row + j];
  }
  return out;
}

function syrkSync(a: Matrix, options: SyrkOptions = {}): Matrix {
  const n = syrkShape(a, options);
  const alpha = options.alpha ?? 1;
  const beta = options.beta ?? 0;
  const out = options.out ?? new Matrix(n, n, a.dtype);
  const A = (options.trans ? a.transpose() : a).data;
  const k = options.trans ? a.rows : a.cols;
  const C = out.data;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A[i * k + p] * A[j * k + p];
      const v = beta === 0 ? alpha * s : alpha * s + beta * C[i * n + j];
      C[i * n + j] = v;
      C[j * n + i] = v;
    }
  }
  return out;
}

function choleskySync(a: Matrix, options: CholeskyOptions = {}): Matrix {
  checkCholeskyInput(a);
  const out = options.inPlace ? a : a.clone();
  const n = a.rows;
  const L = out.data;
  // Row-oriented Cholesky-Crout: inner products over contiguous rows of the factor.
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = L[rj + j];
    for (let p = 0; p < j; p++) d -= L[rj + p] * L[rj + p];
    if (!(d > 0)) throw new NotSPDError(n, j, `pivot value ${d}`);
    const ljj = Math.sqrt(d);
    L[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = L[ri + j];
      for (let p = 0; p < j; p++) s -= L[ri + p] * L[rj + p];
      L[ri + j] = s / ljj;
    }
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) L[i * n + j] = 0;
  return out;
}

function triangularSolveSync(l: Matrix, b: Matrix, options: TriangularSolveOptions = {}): Matrix {
  checkTriangularSolve(l, b);
  const out = options.inPlace ? b : b.clone();
  const n = l.rows;
  const m = b.cols;
  const L = l.data;
  const X = out.data;
  const acc = new Float64Array(m);
  if (!options.transpose) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) acc[j] = X[i * m + j];
      for (let p = 0; p < i; p++) {
        const lip = L[i * n + p];
        if (lip === 0) continue;
        for (let j = 0; j < m; j++) acc[j] -= lip * X[p * m + j];
      }
      const inv = 1 / L[i * n + i];
      for (let j = 0; j < m; j++) X[i * m + j] = acc[j] * inv;
    }
  } else {
    for (let i = n - 1; i >= 0; i--) {
      for (let j = 0; j < m; j++) acc[j] = X[i * m + j];
      for (let p = i + 1; p < n; p++) {
        const lpi = L[p * n + i];
        if (lpi === 0) continue;
        for (let j = 0; j < m; j++) acc[j] -= lpi * X[p * m + j];
      }
      const inv = 1 / L[i * n + i];
      for (let j = 0; j < m; j++) X[i * m + j] = acc[j] * inv;
    }
  }
  return out;
}

function distanceKernelSync(
  gram: Matrix,
  pa: FloatArray,
  pb: FloatArray,
  o: DistanceKernelOptions,
): DistanceKernelResult {
  checkDistanceKernel(gram, pa, pb, o);
  const kernel = o.outKernel ?? new Matrix(gram.rows, gram.cols, gram.dtype);
  const weights = o.weights ? (o.outWeights ?? new Matrix(gram.rows, gram.cols, gram.dtype)) : undefined;
  distanceKernelRows(gram.data, pa, pb, gram.cols, 0, gram.rows, o, kernel.data, weights?.data);
  return weights ? { kernel, weights } : { kernel };
}

function gradientCoefficientsSync(wj: Matrix, alpha: Matrix, scores: Matrix, o: GradientCoefficientsOptions): Matrix {
  checkGradientCoefficients(wj, alpha, scores, o);
  gradientCoefficientsInto(wj.data, alpha.data, scores.data, wj.rows, alpha.rows, alpha.cols, o, o.out.data);
  return o.out;
}

function rowSquaredNorms(a: Matrix): FloatArray {
  const out = allocate(a.dtype, a.rows);
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    for (let j = 0, off = i * a.cols; j < a.cols; j++) s += a.data[off + j] * a.data[off + j];
    out[i] = s;
  }
  return out;
}

export const jsBackend: Backend = {
  name: 'js',
  dtypes: ['float64', 'float32'],
  gemm: async (a, b, o) => gemmSync(a, b, o),
  syrk: async (a, o) => syrkSync(a, o),
  cholesky: async (a, o) => choleskySync(a, o),
  triangularSolve: async (l, b, o) => triangularSolveSync(l, b, o),
  distanceKernel: async (g, pa, pb, o) => distanceKernelSync(g, pa, pb, o),
  gradientCoefficients: async (w, a, s, o) => gradientCoefficientsSync(w, a, s, o),
  addColumnSquares: async (a, out, scale, accumulate) => {
    addColumnSquares(a, out, scale, accumulate);
    return out;
  },
  rowSquaredNorms,
  setThreads: () => undefined,
  getThreads: () => 1,
};
