import type { NotSPDError } from '../core/errors';
import type { Backend } from '../linalg/backend';
import { Matrix } from '../linalg/matrix';
import { DenseFeatures } from '../rfm/features';
import { chooseCentres } from './centres';
import { KernelName, Metric, productKernel } from './kernel';
import { NystromProgress, NystromSolution, planSettings, solveNystrom } from './nystrom';
import { FeatureKernels, L1LaplacianKernels } from './nystrom-kernels';
import { SolverChoice, SolverCost, nystromSolveCost } from './solver-choice';

/** KernelRegressor's Nystrom fit and pricing (the estimator stays one file of options, fit and predict). */

export interface NystromKrrFit {
  /** The centres (m x d, float64): the model's "training points". */
  centres: Matrix;
  /** Indices of the centres among the training points. */
  centreIndices: Int32Array;
  /** ||c_j||_M^2 (empty for the L1 Laplacian). */
  norms: Float64Array;
  solution: NystromSolution;
}

export interface NystromKrrInput {
  x: Matrix;
  y: Matrix;
  kernel: KernelName;
  bandwidth: number;
  ridge: number;
  metric: Metric;
  plan: NonNullable<SolverChoice['nystrom']>;
  seed: number;
  signal?: AbortSignal;
  onProgress?: (p: NystromProgress) => void;
  onJitter?: (jitter: number, failure: NotSPDError) => void;
}

export async function fitNystromKrr(backend: Backend, o: NystromKrrInput): Promise<NystromKrrFit> {
  const { plan } = o;
  const features = new DenseFeatures(o.x.astype('float64'));
  const sourceFor = async (centres: Int32Array) =>
    o.kernel === 'l1-laplacian'
      ? new L1LaplacianKernels(o.x, centres, o.bandwidth)
      : FeatureKernels.create(
          backend,
          features,
          centres,
          o.metric,
          productKernel(o.kernel, o.bandwidth),
          plan.blockRows,
        );
  const centreIndices = await chooseCentres(backend, o.x.rows, plan, sourceFor, o);
  const src = await sourceFor(centreIndices);
  const solution = await solveNystrom(backend, src, o.y, {
    ...planSettings(plan),
    ridge: o.ridge,
    signal: o.signal,
    onProgress: o.onProgress,
    onJitter: o.onJitter,
  });
  if (src instanceof L1LaplacianKernels)
    return { centres: src.centres, centreIndices, norms: new Float64Array(0), solution };
  return { centres: src.centres.dense(), centreIndices, norms: Float64Array.from(src.centreSquaredNorms), solution };
}

/** The exact solve's cost: K, its factor and the kernel buffers (three n x n), X, and the flops of K and Cholesky. */
export function exactKrrCost(n: number, d: number, c: number, bytesPerValue: number, metric: boolean): SolverCost {
  return {
    what: `KernelRegressor's exact solve (n = ${n})`,
    bytes: 3 * n * n * bytesPerValue + (metric ? 2 : 1) * n * d * bytesPerValue,
    largestArray: n * n,
    flops: 2 * n * n * d + (n * n * n) / 3 + 2 * n * n * c,
  };
}

/** The Nystrom fit's cost: the solve (solver-choice.ts) plus the centres and C M, with blocks costing 2 b m d. */
export function nystromKrrCost(n: number, d: number, c: number, blockRows: number) {
  return (m: number, method: 'direct' | 'cg', keepBlocks: boolean): SolverCost => {
    const solve = nystromSolveCost(n, m, c, blockRows, method, keepBlocks, 2 * n * m * d);
    return {
      ...solve,
      what: `KernelRegressor's Nystrom solve (n = ${n}, m = ${m})`,
      bytes: solve.bytes + 2 * 8 * m * d + 8 * n,
    };
  };
}
