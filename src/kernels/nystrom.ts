import type { Backend } from '../linalg/backend';
import { addToDiagonal, copyInto, meanDiagonal } from '../linalg/elementwise';
import { throwIfAborted, yieldToEventLoop } from '../core/async';
import { NotSPDError, OptionError } from '../core/errors';
import { Matrix } from '../linalg/matrix';
import { conjugateGradient } from './conjugate-gradient';

/**
 * Nystrom kernel ridge regression (Falkon: Rudi, Carratino, Rosasco, NeurIPS 2017; Meanti et al. 2020): with m
 * centres C among the n training points, f(x) = sum_j alpha_j k(x, c_j) and
 *     (K_nm' K_nm + lambda K_mm) alpha = K_nm' Y,
 * where lambda is the exact solver's ridge, so that with every training point a centre (m = n) this IS the exact
 * solution (K + lambda I)^-1 Y (K (K + lambda I) alpha = K Y). Falkon writes lambda_F n with lambda_F = lambda / n.
 *
 * K_nm is visited in row blocks (K(C, X_b), m x b, from a NystromKernels source), never formed whole unless the
 * CG solver is told it may keep it. Two solvers:
 *   direct  with K_mm = L L': Phi = K_nm L^-T (the Nystrom features), (Phi' Phi + lambda I) beta = Phi' Y by Cholesky,
 *           alpha = L^-T beta. Phi' Phi is accumulated block by block (L^-1 K_b' then a SYRK): 2 n m^2 flops, m^2
 *           memory. (Forming K_nm' K_nm and solving with it instead would square K_mm's condition number.)
 *   cg      Falkon's preconditioned conjugate gradients: T = L' (K_mm = T'T), A'A = T T' / m + lambda_F I, and CG on
 *           B' H B beta = B' K_nm' Y / n with B = T^-1 A^-1, H = K_nm' K_nm / n + lambda_F K_mm; alpha = B beta.
 *           Per iteration one pass over K_nm (4 n m c flops, plus the kernel blocks when they are not kept).
 */

export interface NystromKernels {
  /** n: training points. */
  readonly n: number;
  /** m: centres. */
  readonly m: number;
  /** K(C, X[start:end]): m x (end - start), float64. */
  block(start: number, end: number): Promise<Matrix>;
  /** K(C, C): m x m, float64, diagonal exactly 1. */
  centreKernel(): Promise<Matrix>;
}

export type NystromMethod = 'direct' | 'cg';

export interface NystromProgress {
  stage: 'blocks' | 'cg';
  /** Blocks done (stage 'blocks'), or CG iterations done. */
  done: number;
  total: number;
  /** CG: the largest relative residual over the outputs. */
  residual?: number;
}

export interface NystromSolveOptions {
  /** lambda, as in the exact solver's (K + lambda I)^-1 Y. */
  ridge: number;
  method: NystromMethod;
  /** Rows of X per block of K_nm. */
  blockRows: number;
  /** CG only: keep the blocks of K_nm between iterations (n m values) instead of recomputing them. */
  keepBlocks?: boolean;
  /** CG: stop when every output's relative residual is below this (default 1e-8). */
  tolerance?: number;
  /** CG: default 100. */
  maxIterations?: number;
  signal?: AbortSignal;
  onProgress?: (p: NystromProgress) => void;
  onJitter?: (jitter: number, failure: NotSPDError) => void;
}

/** What a solver choice's Nystrom plan fixes for the solve (solver-choice.ts prices it). */
export type NystromPlanSettings = Pick<NystromSolveOptions, 'method' | 'blockRows' | 'tolerance' | 'maxIterations'> & {
  keepBlocks: boolean;
};

/** The solve settings of a plan (which also carries its centres, sampling and price). */
export function planSettings(plan: NystromPlanSettings): NystromPlanSettings {
  const { method, blockRows, keepBlocks, tolerance, maxIterations } = plan;
  return { method, blockRows, keepBlocks, tolerance, maxIterations };
}

export interface NystromSolution {
  /** m x c, float64: f(x) = K(x, C) alpha. */
  alpha: Matrix;
  method: NystromMethod;
  /** Jitter added to K_mm (times its mean diagonal, recorded as an absolute value) so that it factorised. */
  jitter: number;
  iterations?: number;
  residuals?: number[];
  converged?: boolean;
}

/** Jitter multiples of the mean diagonal tried when a Cholesky fails (as ridge-solve.ts, float64). */
const JITTERS = [1e-10, 1e-8, 1e-6, 1e-4];

/** Lower L with L L' = A + shift I (+ jitter I on failure, recorded), into a new matrix; A is untouched. */
export async function choleskyWithJitter(
  backend: Backend,
  a: Matrix,
  shift: number,
  what: string,
  onJitter?: (jitter: number, failure: NotSPDError) => void,
): Promise<{ factor: Matrix; jitter: number }> {
  const factor = new Matrix(a.rows, a.cols, a.dtype);
  let last: NotSPDError | undefined;
  let scale = 0;
  for (const multiple of [0, ...JITTERS]) {
    copyInto(factor, a);
    addToDiagonal(factor, shift);
    if (multiple === 0) scale = meanDiagonal(factor);
    const jitter = multiple * scale;
    if (jitter > 0) {
      onJitter?.(jitter, last!);
      addToDiagonal(factor, jitter);
    }
    try {
      await backend.cholesky(factor, { inPlace: true });
      return { factor, jitter };
    } catch (e) {
      if (!(e instanceof NotSPDError)) throw e;
      last = e;
    }
  }
  throw new NotSPDError(
    a.rows,
    last!.pivot,
    `${what} stayed non-positive-definite after jitter up to ${JITTERS[JITTERS.length - 1]} of its mean diagonal ${scale.toPrecision(4)}`,
  );
}

function rowRange(y: Matrix, start: number, end: number): Matrix {
  return new Matrix(end - start, y.cols, y.data.subarray(start * y.cols, end * y.cols));
}

/**
 * Runs `step` over the blocks of rows [start, end) of the n training points, in order (total: how many there are),
 * stopping with a CancelledError when the solve's signal is aborted.
 */
async function forEachBlock(
  n: number,
  o: NystromSolveOptions,
  step: (b: number, start: number, end: number, total: number) => Promise<void>,
): Promise<void> {
  const total = Math.ceil(n / o.blockRows);
  for (let b = 0; b < total; b++) {
    throwIfAborted(o.signal, 'the Nystrom solve');
    const start = b * o.blockRows;
    await step(b, start, Math.min(n, start + o.blockRows), total);
  }
}

/** The Cholesky factor of the centres' kernel matrix K_mm (jitter recorded through onJitter when needed). */
async function centreFactor(
  backend: Backend,
  src: NystromKernels,
  o: NystromSolveOptions,
): Promise<{ factor: Matrix; jitter: number }> {
  const what = `the centres' kernel matrix K_mm (${src.m} x ${src.m})`;
  return choleskyWithJitter(backend, await src.centreKernel(), 0, what, o.onJitter);
}

/** The direct solver: Phi' Phi and Phi' Y block by block, then one m x m Cholesky. */
async function solveDirect(
  backend: Backend,
  src: NystromKernels,
  y: Matrix,
  o: NystromSolveOptions,
): Promise<NystromSolution> {
  const { n, m } = src;
  const c = y.cols;
  const { factor: l, jitter } = await centreFactor(backend, src, o);
  const gram = new Matrix(m, m);
  const rhs = new Matrix(m, c);
  await forEachBlock(n, o, async (b, start, end, total) => {
    const phiT = await src.block(start, end);
    await backend.triangularSolve(l, phiT, { inPlace: true });
    await backend.syrk(phiT, { beta: b > 0 ? 1 : 0, out: gram });
    await backend.gemm(phiT, rowRange(y, start, end), { beta: b > 0 ? 1 : 0, out: rhs });
    o.onProgress?.({ stage: 'blocks', done: b + 1, total });
    await yieldToEventLoop();
  });
  // Phi' Phi + lambda I is SPD for lambda > 0; a jitter here (lambda = 0) is recorded with K_mm's.
  const solved = await choleskyWithJitter(backend, gram, o.ridge, `Phi'Phi + ridge I (${m} x ${m})`, o.onJitter);
  await backend.triangularSolve(solved.factor, rhs, { inPlace: true });
  await backend.triangularSolve(solved.factor, rhs, { transpose: true, inPlace: true });
  await backend.triangularSolve(l, rhs, { transpose: true, inPlace: true });
  return { alpha: rhs, method: 'direct', jitter: jitter + solved.jitter };
}

/** K_nm' (K_nm u + v) / n over the blocks (v may be null), keeping the blocks in `kept` when asked. */
async function knmProduct(
  backend: Backend,
  src: NystromKernels,
  u: Matrix | null,
  v: Matrix | null,
  o: NystromSolveOptions,
  kept: Matrix[] | null,
): Promise<Matrix> {
  const { n, m } = src;
  const c = (u ?? v)!.cols;
  const out = new Matrix(m, c);
  await forEachBlock(n, o, async (b, start, end, total) => {
    let kt = kept?.[b];
    if (!kt) {
      kt = await src.block(start, end);
      if (kept) kept[b] = kt;
      o.onProgress?.({ stage: 'blocks', done: b + 1, total });
    }
    const t = v ? rowRange(v, start, end).clone() : new Matrix(end - start, c);
    if (u) await backend.gemm(kt, u, { transA: true, beta: v ? 1 : 0, out: t });
    await backend.gemm(kt, t, { alpha: 1 / n, beta: 1, out });
    if (!kept || kept.length < total) await yieldToEventLoop();
  });
  return out;
}

/** Falkon's preconditioned CG. */
async function solveFalkon(
  backend: Backend,
  src: NystromKernels,
  y: Matrix,
  o: NystromSolveOptions,
): Promise<NystromSolution> {
  const { n, m } = src;
  const lambdaF = o.ridge / n;
  const { factor: l, jitter } = await centreFactor(backend, src, o);
  // T T' = L' L; A'A = T T' / m + lambda_F I, i.e. the lower factor la of L'L / m + lambda_F I (A = la').
  const ltl = await backend.gemm(l, l, { transA: true, alpha: 1 / m });
  const { factor: la } = await choleskyWithJitter(
    backend,
    ltl,
    lambdaF,
    `Falkon's preconditioner (${m} x ${m})`,
    o.onJitter,
  );
  const kept: Matrix[] | null = o.keepBlocks ? [] : null;
  const solveInPlace = async (f: Matrix, x: Matrix, transpose: boolean) =>
    backend.triangularSolve(f, x, { transpose, inPlace: true });
  const rhs = await knmProduct(backend, src, null, y, o, kept);
  await solveInPlace(l, rhs, false);
  await solveInPlace(la, rhs, false);
  const maxIterations = o.maxIterations ?? 100;
  const apply = async (u: Matrix): Promise<Matrix> => {
    const aInvU = await backend.triangularSolve(la, u, { transpose: true });
    const v = await backend.triangularSolve(l, aInvU, { transpose: true });
    const w = await knmProduct(backend, src, v, null, o, kept);
    await solveInPlace(l, w, false);
    for (let i = 0; i < w.data.length; i++) w.data[i] += lambdaF * aInvU.data[i];
    return solveInPlace(la, w, false);
  };
  const cg = await conjugateGradient(apply, rhs, {
    tolerance: o.tolerance ?? 1e-8,
    maxIterations,
    onIteration: async (it, residual) => {
      o.onProgress?.({ stage: 'cg', done: it, total: maxIterations, residual });
      throwIfAborted(o.signal, 'the Nystrom solve');
      await yieldToEventLoop();
    },
  });
  const alpha = cg.x;
  await solveInPlace(la, alpha, true);
  await solveInPlace(l, alpha, true);
  return { alpha, method: 'cg', jitter, iterations: cg.iterations, residuals: cg.residuals, converged: cg.converged };
}

/** Solves the Nystrom normal equations for targets Y (n x c); see the file's comment. */
export async function solveNystrom(
  backend: Backend,
  src: NystromKernels,
  y: Matrix,
  options: NystromSolveOptions,
): Promise<NystromSolution> {
  if (y.rows !== src.n) throw new OptionError(`Nystrom solve: Y has ${y.rows} rows, the kernel source ${src.n} points`);
  if (!(options.ridge >= 0)) throw new OptionError(`Nystrom solve: ridge must be >= 0, got ${options.ridge}`);
  if (!Number.isInteger(options.blockRows) || options.blockRows < 1)
    throw new OptionError(`Nystrom solve: blockRows must be a positive integer, got ${options.blockRows}`);
  if (options.method === 'cg' && !(options.ridge > 0))
    throw new OptionError('Nystrom solve: the CG solver (Falkon) needs ridge > 0');
  const y64 = y.astype('float64');
  throwIfAborted(options.signal, 'the Nystrom solve');
  if (options.method === 'direct') return solveDirect(backend, src, y64, options);
  if (options.method === 'cg') return solveFalkon(backend, src, y64, options);
  throw new OptionError(`Nystrom solve: method must be 'direct' or 'cg', got ${String(options.method)}`);
}
