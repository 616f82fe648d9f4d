import type { Backend } from '../linalg/backend';
import { Matrix } from '../linalg/matrix';
import { DenseFeatures } from '../rfm/features';
import {
  EigenProKernels,
  EigenProProgress,
  EigenProSettings,
  EigenProSolution,
  featureEigenProKernels,
  solveEigenPro,
} from './eigenpro';
import { productKernel } from './kernel';
import { l1LaplacianKernel } from './l1-laplacian';
import type { NystromKrrInput } from './nystrom-fit';
import { DEFAULT_BLOCK_ROWS, SolverCost } from './solver-choice';

/** KernelRegressor's EigenPro fit and pricing (the estimator stays one file of options, fit and predict). */

/** The problem as the Nystrom fit takes it (the data, kernel, ridge, metric, seed, signal), with EigenPro's settings. */
export interface EigenProKrrInput extends Omit<NystromKrrInput, 'plan' | 'onProgress' | 'onJitter'> {
  settings: EigenProSettings;
  onProgress?: (p: EigenProProgress) => void;
}

export interface EigenProKrrFit {
  solution: EigenProSolution;
  /** ||x_i||_M^2 of the training points (empty for the L1 Laplacian). */
  norms: Float64Array;
}

/** The L1 Laplacian's rows, computed directly (l1-laplacian.ts: no product form). */
function l1EigenProKernels(x: Matrix, bandwidth: number): EigenProKernels {
  return {
    n: x.rows,
    rows: async (indices) => l1LaplacianKernel(x.selectRows(indices), x, bandwidth),
    subsampleKernel: async (indices) => {
      const xs = x.selectRows(indices);
      return l1LaplacianKernel(xs, xs, bandwidth);
    },
  };
}

export async function fitEigenProKrr(backend: Backend, o: EigenProKrrInput): Promise<EigenProKrrFit> {
  const x = o.x.astype('float64');
  const src =
    o.kernel === 'l1-laplacian'
      ? { ...l1EigenProKernels(x, o.bandwidth), norms: new Float64Array(0) }
      : await featureEigenProKernels(
          backend,
          new DenseFeatures(x),
          o.metric,
          productKernel(o.kernel, o.bandwidth),
          DEFAULT_BLOCK_ROWS,
        );
  const solution = await solveEigenPro(backend, src, o.y, {
    ...o.settings,
    ridge: o.ridge,
    seed: o.seed,
    signal: o.signal,
    onProgress: o.onProgress,
  });
  return { solution, norms: src.norms };
}

/**
 * The EigenPro fit's cost (float64): X and X M (and the points' copy the kernel source keeps), a batch's kernel rows
 * and their products (b x n, twice), K_SS and the subspace iteration's s x (q + 21) arrays, alpha and Y; flops of the
 * setup and of `epochs` passes, each n^2 kernel evaluations (2 d flops each) and K(X_B, X) alpha (2 n^2 c).
 */
export function eigenProKrrCost(n: number, d: number, c: number) {
  return (e: EigenProSettings): SolverCost => {
    const b = Math.min(n, e.batchSize ?? e.maxBatch);
    const s = e.subsample;
    const w = e.q + 21;
    const setupFlops = 2 * s * s * d + 10 * s * s * w + 30 * s * w * w;
    const epochFlops = 2 * n * n * (d + c) + 2 * n * s * c + 4 * n * e.q * c;
    return {
      what: `KernelRegressor's EigenPro solve (n = ${n}, s = ${s}, batch ${b})`,
      bytes: 8 * (3 * n * d + 2 * b * n + b * s + 2 * n * c + 2 * s * s + 6 * s * w + s * e.q + 2 * b * d),
      largestArray: Math.max(b * n, s * s, n * d),
      flops: setupFlops + e.epochs * epochFlops,
    };
  };
}
