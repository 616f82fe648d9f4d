import type { Backend } from '../linalg/backend';
import { diagonalInto } from '../linalg/elementwise';
import { NotSPDError } from '../core/errors';
import { DType, FloatArray, Matrix, allocate } from '../linalg/matrix';
import { WORK_MATRICES } from '../linalg/matrix-pool';
import { ProductKernel, forceTrainDiagonal, kernelFromGram } from '../kernels/kernel';
import { ridgeSolve } from '../kernels/ridge-solve';
import type { GradientPath, Normalization } from './cost-model';
import type { Features } from './features';
import type { FittedState } from './fitted';
import type { Profile } from './profile';
import type { EngineChecks } from './degeneracy';

/**
 * One form of the RFM iteration (primal.ts, dual-q.ts, dual.ts) behind the loop in rfm.ts:
 *   solve()      K_t and alpha_t
 *   predict(i)   predictions of (M_t, alpha_t) on tracked set i (validation, test)
 *   keepBest(t)  remember the pair (M_t, alpha_t), never M_{t+1} with alpha_t
 *   update(t)    M_{t+1} from the AGOP of f_t
 *   predictDeferred()  after the loop: predictions of the kept pair and of iteration 0 on the deferred set
 */
export interface Engine {
  readonly alpha: Matrix;
  solve(): Promise<number>;
  predict(set: number): Promise<Matrix>;
  keepBest(t: number): void;
  update(t: number): Promise<void>;
  /**
   * Predictions of the kept iteration and of iteration 0 on `setup.deferred` (the test set, scored once after the
   * fit instead of every iteration), in the run dtype. Only engines that can replay the kept state implement it;
   * setup.ts tracks the set every iteration for the others.
   */
  predictDeferred?(): Promise<{ kept: Matrix; baseline: Matrix }>;
  /** The kept iteration's state (the dual forms build C lazily, on first use). */
  best(): () => Promise<FittedState>;
  /** Iteration 0: the plain kernel, M = I. */
  baseline(): FittedState;
  /**
   * Called once after best(), baseline() and predictDeferred(): the engine gives its work buffers back for reuse
   * (matrix-pool.ts) and is not used again. With `modelDropped` (RFM.fit's historyOnly) the function best() returned
   * is never called, so what it captured may go back too. Engines without reusable buffers leave it out.
   */
  release?(modelDropped: boolean): void;
  /**
   * Predictions on some training points for the train metrics, when they are not free (the Nystrom engine: its
   * alpha is over the centres, so K alpha = Y - lambda alpha does not hold).
   */
  trainScores?(): Promise<{ pred: Matrix; rows: Int32Array }>;
}

/** Points whose predictions are tracked each iteration: their features (primal) or Gram rows and norms (dual). */
export interface TrackedPoints {
  z?: Features;
  gram?: Matrix;
  norms?: FloatArray;
  rows: number;
}

export interface EngineSetup {
  backend: Backend;
  dtype: DType;
  kernel: ProductKernel;
  ridge: number;
  y: Matrix;
  tracked: TrackedPoints[];
  /** Points predicted only after the fit, by the kept pair and iteration 0 (predictDeferred). */
  deferred?: TrackedPoints;
  /** J_t for each update (null: all training points). */
  sample: (t: number) => Int32Array | null;
  centering: boolean;
  normalization: Normalization;
  diagonal: boolean;
  /** With diagonal: the AGOP's diagonal averaged over consecutive groups of this many features. */
  groupSize?: number;
  gradients?: GradientPath;
  /** d, when known (trace-normalisation). */
  features?: number;
  profile: Profile;
  onJitter: (jitter: number, failure: NotSPDError) => void;
  /** Degeneracy checks (degeneracy.ts): the kernel matrix before each solve, the AGOP after each update. */
  checks?: EngineChecks;
}

export function kappaOf(kernel: ProductKernel): number {
  return kernel.exponent / Math.pow(kernel.bandwidth, kernel.exponent);
}

export function gemmFlops(m: number, n: number, k: number): number {
  return 2 * m * n * k;
}

/** Flops of a product with `f` for the profile: those of a one-hot f are sums and gathers, not flops. */
export function flopsOf(f: Features, flops: number): number {
  return f.oneHotWidth === undefined ? flops : 0;
}

/** What the two dual forms share: P_t among training points and P_{z,t} for tracked points, in the run dtype. */
/** The buffers of one exact solve: K and its zero-distance weights, the Cholesky factor and alpha (n x c). */
export interface KernelSystem {
  kernelMatrix: Matrix;
  weights: Matrix;
  factor: Matrix;
  alpha: Matrix;
}

/**
 * One exact kernel solve from X M X' (`gram`) and the squared norms: K with the training diagonal forced, the engine's
 * checks, then (K + lambda I) alpha = Y with the jitter policy. Returns the jitter used (0 when none was needed).
 */
export async function solveKernelSystem(
  s: EngineSetup,
  gram: Matrix,
  norms: FloatArray,
  k: KernelSystem,
): Promise<number> {
  const { backend, profile } = s;
  const n = gram.rows;
  await profile.time('distance kernel', 0, () =>
    kernelFromGram(backend, gram, norms, norms, s.kernel, k.kernelMatrix, k.weights),
  );
  forceTrainDiagonal(k.kernelMatrix, k.weights);
  s.checks?.kernel(k.kernelMatrix);
  const r = await profile.time('cholesky + solve', (n * n * n) / 3 + 2 * n * n * k.alpha.cols, () =>
    ridgeSolve(
      backend,
      k.kernelMatrix,
      s.ridge,
      s.y,
      { factor: k.factor, alpha: k.alpha },
      'kernel matrix K(X, X)',
      s.onJitter,
    ),
  );
  return r.jitter;
}

export abstract class DualEngineBase {
  protected readonly n: number;
  protected p: Matrix;
  protected pNext: Matrix;
  protected readonly norms: FloatArray;
  protected readonly kernelMatrix: Matrix;
  protected weights: Matrix;
  protected readonly factor: Matrix;
  readonly alpha: Matrix;
  protected trackedGram: Matrix[];
  protected trackedGramNext: Matrix[];
  protected trackedNorms: FloatArray[];
  protected trackedNormsNext: FloatArray[];
  protected readonly trackedKernel: Matrix[];
  protected readonly trackedPred: Matrix[];
  protected readonly baselineState: { alpha?: Matrix; norms?: FloatArray } = {};

  constructor(
    protected readonly s: EngineSetup,
    gram: Matrix,
  ) {
    const n = gram.rows;
    const { dtype } = s;
    this.n = n;
    // The n x n buffers come from the pool (stale values: each is written in full before it is read) and go back
    // to it in release(). p is overwritten by the iteration, so it is always a copy of the gram (cast by set()).
    const take = (): Matrix => WORK_MATRICES.take(n, n, dtype);
    this.p = take();
    this.p.data.set(gram.data);
    this.pNext = take();
    this.norms = allocate(dtype, n);
    this.kernelMatrix = take();
    this.weights = take();
    this.factor = take();
    this.alpha = new Matrix(n, s.y.cols, dtype);
    // So are the tracked points' m x n buffers (the Gram rows copied in the run dtype, written in full by set()).
    this.trackedGram = s.tracked.map((t) => {
      const g = WORK_MATRICES.take(t.rows, n, dtype);
      g.data.set(t.gram!.data);
      return g;
    });
    this.trackedGramNext = s.tracked.map((t) => WORK_MATRICES.take(t.rows, n, dtype));
    this.trackedNorms = s.tracked.map((t) =>
      dtype === 'float32' ? Float32Array.from(t.norms!) : Float64Array.from(t.norms!),
    );
    this.trackedNormsNext = s.tracked.map((t) => allocate(dtype, t.rows));
    this.trackedKernel = s.tracked.map((t) => WORK_MATRICES.take(t.rows, n, dtype));
    this.trackedPred = s.tracked.map((t) => new Matrix(t.rows, s.y.cols, dtype));
  }

  async solve(): Promise<number> {
    const { backend, profile } = this.s;
    const n = this.n;
    diagonalInto(this.p, this.norms);
    const jitter = await solveKernelSystem(this.s, this.p, this.norms, this.system());
    if (!this.baselineState.alpha) {
      this.baselineState.alpha = this.alpha.clone();
      this.baselineState.norms = this.norms.slice();
    }
    return jitter;
  }

  private system(): KernelSystem {
    return { kernelMatrix: this.kernelMatrix, weights: this.weights, factor: this.factor, alpha: this.alpha };
  }

  async predict(set: number): Promise<Matrix> {
    const { backend, profile } = this.s;
    const kz = this.trackedKernel[set];
    await profile.time('tracked points', 0, () =>
      kernelFromGram(backend, this.trackedGram[set], this.trackedNorms[set], this.norms, this.s.kernel, kz),
    );
    return profile.time('tracked points', gemmFlops(kz.rows, this.alpha.cols, this.n), () =>
      backend.gemm(kz, this.alpha, { out: this.trackedPred[set] }),
    );
  }

  /** f(z) = K(z, X) alpha for points with cross products `pz` (m x n) and norms `pzNorms` under the same M. */
  protected async predictFrom(pz: Matrix, pzNorms: FloatArray, norms: FloatArray, alpha: Matrix): Promise<Matrix> {
    const { backend, profile } = this.s;
    const kz = WORK_MATRICES.take(pz.rows, this.n, pz.dtype);
    await profile.time('test points (after the fit)', 0, () =>
      kernelFromGram(backend, pz, pzNorms, norms, this.s.kernel, kz),
    );
    const f = await profile.time('test points (after the fit)', gemmFlops(kz.rows, alpha.cols, this.n), () =>
      backend.gemm(kz, alpha),
    );
    WORK_MATRICES.give(kz);
    return f;
  }

  /**
   * The fit is over (the kept state, the baseline and any deferred predictions are built, from copies): the n x n
   * buffers go back to the pool for the next fit. The engine must not be used afterwards.
   */
  release(): void {
    for (const m of [this.p, this.pNext, this.kernelMatrix, this.weights, this.factor]) WORK_MATRICES.give(m);
    for (const m of [...this.trackedGram, ...this.trackedGramNext, ...this.trackedKernel]) WORK_MATRICES.give(m);
  }

  protected swap(): void {
    [this.p, this.pNext] = [this.pNext, this.p];
    [this.trackedGram, this.trackedGramNext] = [this.trackedGramNext, this.trackedGram];
    [this.trackedNorms, this.trackedNormsNext] = [this.trackedNormsNext, this.trackedNorms];
  }
}
