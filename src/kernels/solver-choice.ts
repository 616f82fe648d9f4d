import { MemoryError, OptionError } from '../core/errors';
import { checkAllocation, largestFitting, memoryLimit } from '../core/memory';
import { checkOptions } from '../core/options';
import type { CentreSampling } from './centres';
import type { EigenProSettings } from './eigenpro';
import type { NystromMethod } from './nystrom';

/**
 * Exact or Nystrom (nystrom.ts), priced before anything is allocated. Each model prices its own exact path and the
 * Nystrom path from the sizes (bytes, largest array, flops); this file decides and words the reason:
 *   'exact'    the exact solver; refused at once (MemoryLimitError, with the largest n that fits) when it does not fit.
 *   'nystrom'  the Nystrom solver; refused at once when even it does not fit (with the largest m that does).
 *   'auto'     exact when it fits the memory budget and its estimated time is under EXACT_TIME_LIMIT_SECONDS (or
 *              the Nystrom solver would not be NYSTROM_MIN_SPEEDUP times faster); Nystrom otherwise.
 * Inside the Nystrom solver, 'auto' picks the direct solve or Falkon's CG by flops (CG assumed to take
 * CG_ITERATIONS_ESTIMATE iterations), and keeps the blocks of K_nm for CG when n m values fit in a quarter of the budget.
 * KernelRegressor also offers 'eigenpro' (eigenpro.ts; chooseKernelSolver): priced, refused at once when it does not
 * fit, but only ever run when asked for by name; 'auto' records its price and why it was not chosen
 * (EIGENPRO_AUTO_RULE, from the measurements in docs/large-n.md).
 */

export type SolverName = 'auto' | 'exact' | 'nystrom';

export interface NystromOptions {
  /** m; default min(n, DEFAULT_CENTRES). */
  centres?: number;
  /** 'uniform' (default) or 'leverage' (approximate ridge leverage scores from a uniform pilot of m points). */
  sampling?: CentreSampling;
  /** 'auto' (default): by flops. */
  method?: 'auto' | NystromMethod;
  /** Rows of X per block of K_nm; default 2048. */
  blockRows?: number;
  /** CG: relative residual to stop at (default 1e-8) and iteration cap (default 100). */
  tolerance?: number;
  maxIterations?: number;
}

export const NYSTROM_OPTION_KEYS = [
  'centres',
  'sampling',
  'method',
  'blockRows',
  'tolerance',
  'maxIterations',
] as const;
export const DEFAULT_CENTRES = 2000;
export const DEFAULT_BLOCK_ROWS = 2048;
/** Float64 GFLOPS the choice assumes (the native backend's GEMM ran ~36 on this machine's 2 cores, unloaded). */
export const NOMINAL_GFLOPS = 30;
export const EXACT_TIME_LIMIT_SECONDS = 600;
export const NYSTROM_MIN_SPEEDUP = 4;
/** Falkon's CG took 30-50 iterations to 1e-8 here (n = 70,000 to 100,000, m = 100 to 2000). */
export const CG_ITERATIONS_ESTIMATE = 40;

export interface SolverCost {
  /** What is being sized, e.g. "Nystrom solve (n = 100000, m = 1000)". */
  what: string;
  bytes: number;
  /** Elements of the largest single typed array. */
  largestArray: number;
  flops: number;
}

/** V8's limit on one typed array (Node 20): 2^32 elements (`new Float64Array(2 ** 32 + 1)` throws). */
export const MAX_TYPED_ARRAY_LENGTH = 2 ** 32;

function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

function fits(cost: SolverCost, budget: number): boolean {
  return cost.bytes <= budget && cost.largestArray <= MAX_TYPED_ARRAY_LENGTH;
}

/** Throws MemoryError (core's checkAllocation, plus V8's per-array limit) naming `largest`, the largest size that fits. */
function refuse(cost: SolverCost, largest: string, budget: number): void {
  if (cost.largestArray > MAX_TYPED_ARRAY_LENGTH) {
    throw new MemoryError(
      `${cost.what} needs one array of ${cost.largestArray.toExponential(3)} elements, above V8's limit of 2^32 per typed array (about ${formatBytes(cost.bytes)} in all). The largest that fits: ${largest}`,
    );
  }
  checkAllocation(cost.bytes, cost.what, `the largest that fits: ${largest}`);
  if (cost.bytes > budget)
    throw new MemoryError(
      `${cost.what} needs about ${formatBytes(cost.bytes)}, more than the ${formatBytes(budget)} this machine can give. The largest that fits: ${largest}`,
    );
}

export interface SolverPricing {
  /** e.g. "RFM" or "KernelRegressor". */
  model: string;
  n: number;
  /** The exact path for n training points. */
  exact: (n: number) => SolverCost;
  /** The Nystrom path with m centres. */
  nystrom: (m: number, method: NystromMethod, keepBlocks: boolean) => SolverCost;
}

export interface SolverChoice {
  solver: 'exact' | 'nystrom';
  reason: string;
  exact: { bytes: number; seconds: number; fits: boolean };
  nystrom?: {
    centres: number;
    sampling: CentreSampling;
    method: NystromMethod;
    keepBlocks: boolean;
    blockRows: number;
    tolerance?: number;
    maxIterations?: number;
    bytes: number;
    seconds: number;
  };
}

export function checkNystromOptions(o: NystromOptions | undefined, what: string): void {
  if (o === undefined) return;
  checkOptions(`${what}: nystrom`, o, NYSTROM_OPTION_KEYS);
  if (o.centres !== undefined && !(Number.isInteger(o.centres) && o.centres >= 1))
    throw new OptionError(`${what}: nystrom.centres must be a positive integer, got ${String(o.centres)}`);
  if (o.sampling !== undefined && o.sampling !== 'uniform' && o.sampling !== 'leverage')
    throw new OptionError(`${what}: nystrom.sampling must be 'uniform' or 'leverage', got ${String(o.sampling)}`);
  if (o.method !== undefined && !['auto', 'direct', 'cg'].includes(o.method))
    throw new OptionError(`${what}: nystrom.method must be 'auto', 'direct' or 'cg', got ${String(o.method)}`);
  if (o.blockRows !== undefined && !(Number.isInteger(o.blockRows) && o.blockRows >= 1))
    throw new OptionError(`${what}: nystrom.blockRows must be a positive integer, got ${String(o.blockRows)}`);
}

/** KernelRegressor's solvers: the shared ones and EigenPro (the RFM has no EigenPro iteration: docs/large-n.md). */
export type KernelSolverName = SolverName | 'eigenpro';

/** EigenPro 2's settings (eigenpro.ts); every one optional. */
export interface EigenProOptions {
  /** Passes over the training points; default 5 (the text windows' best in docs/large-n.md). */
  epochs?: number;
  /** s, the subsample whose kernel gives the preconditioner; default 4000; at most n (larger values are cut to n). */
  subsample?: number;
  /** q, the top eigendirections preconditioned; default min(s - 1, 160). Must be below s. */
  q?: number;
  /** b; default the critical batch size from the eigenvalues, at most 2048; at most n (larger values are cut to n). */
  batchSize?: number;
  /** Exponent on mu_{q+1} / mu_i in the preconditioner, in (0, 1]; default 0.95 (the reference code's). */
  damping?: number;
}

export const EIGENPRO_OPTION_KEYS = ['epochs', 'subsample', 'q', 'batchSize', 'damping'] as const;
export const EIGENPRO_DEFAULTS = { epochs: 5, subsample: 4000, q: 160, maxBatch: 2048, damping: 0.95 };
/**
 * Why 'auto' never picks EigenPro (docs/large-n.md): it lost to the exact solver on MNIST (7,200 images) and to Nystrom
 * at 100,000 text windows, and won only on ~20,000 one-hot text windows (the plain Laplace kernel, given minutes),
 * a path KernelRegressor (dense X) does not take.
 */
export const EIGENPRO_AUTO_RULE =
  "'auto' never picks it: measured to lose to the exact solver on MNIST and to Nystrom at 100,000 text windows, to win only on ~20,000 one-hot text windows (docs/large-n.md)";

const positiveInteger = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1;

export function checkEigenProOptions(o: EigenProOptions | undefined, what: string): void {
  if (o === undefined) return;
  checkOptions(`${what}: eigenpro`, o, EIGENPRO_OPTION_KEYS);
  for (const key of ['epochs', 'q', 'batchSize'] as const)
    if (o[key] !== undefined && !positiveInteger(o[key]))
      throw new OptionError(`${what}: eigenpro.${key} must be a positive integer, got ${String(o[key])}`);
  if (o.subsample !== undefined && !(positiveInteger(o.subsample) && o.subsample >= 2))
    throw new OptionError(`${what}: eigenpro.subsample must be an integer >= 2, got ${String(o.subsample)}`);
  if (o.q !== undefined && o.subsample !== undefined && o.q >= o.subsample)
    throw new OptionError(`${what}: eigenpro.q (${o.q}) must be below eigenpro.subsample (${o.subsample})`);
  if (o.damping !== undefined && !(typeof o.damping === 'number' && o.damping > 0 && o.damping <= 1))
    throw new OptionError(`${what}: eigenpro.damping must be in (0, 1], got ${String(o.damping)}`);
}

/**
 * EigenPro's settings for n training points: s = min(n, subsample); q must be below s (an OptionError when it was
 * given and is not; when `strict` is false, for pricing only, it is clamped instead).
 */
export function eigenProSettings(n: number, o: EigenProOptions = {}, strict = true): EigenProSettings {
  const d = EIGENPRO_DEFAULTS;
  const subsample = Math.min(n, o.subsample ?? d.subsample);
  let q = o.q ?? Math.min(subsample - 1, d.q);
  if (strict && !(q >= 1 && q < subsample))
    throw new OptionError(
      `EigenPro: q = ${q} eigendirections need a subsample of more than q points, and there are ${subsample} (n = ${n}): set eigenpro.q below ${subsample}`,
    );
  q = Math.max(1, Math.min(q, subsample - 1));
  const batchSize = o.batchSize === undefined ? undefined : Math.min(n, o.batchSize);
  return {
    epochs: o.epochs ?? d.epochs,
    subsample,
    q,
    batchSize,
    maxBatch: d.maxBatch,
    damping: o.damping ?? d.damping,
  };
}

export function checkKernelSolverName(s: unknown, what: string): KernelSolverName {
  if (s === 'eigenpro') return s;
  if (s !== 'auto' && s !== 'exact' && s !== 'nystrom')
    throw new OptionError(`${what}: solver must be 'auto', 'exact', 'nystrom' or 'eigenpro', got ${String(s)}`);
  return s;
}

export function checkSolverName(s: unknown, what: string): SolverName {
  if (s !== 'auto' && s !== 'exact' && s !== 'nystrom')
    throw new OptionError(`${what}: solver must be 'auto', 'exact' or 'nystrom', got ${String(s)}`);
  return s;
}

const seconds = (flops: number) => flops / (NOMINAL_GFLOPS * 1e9);

/** The Nystrom configuration for m centres: method and block keeping (under 'auto', the cheaper). */
function nystromPlan(
  p: SolverPricing,
  o: NystromOptions,
  budget: number,
): NonNullable<SolverChoice['nystrom']> & { cost: SolverCost } {
  const m = Math.min(p.n, o.centres ?? DEFAULT_CENTRES);
  const keep = fits(p.nystrom(m, 'cg', true), budget / 4 + p.nystrom(m, 'cg', false).bytes);
  const options: Array<[NystromMethod, boolean]> =
    o.method === 'direct'
      ? [['direct', false]]
      : o.method === 'cg'
        ? [['cg', keep]]
        : [
            ['direct', false],
            ['cg', keep],
          ];
  const priced = options.map(([method, keepBlocks]) => ({
    method,
    keepBlocks,
    cost: p.nystrom(m, method, keepBlocks),
  }));
  const best = priced.reduce((a, b) => (b.cost.flops < a.cost.flops ? b : a));
  return {
    centres: m,
    sampling: o.sampling ?? 'uniform',
    method: best.method,
    keepBlocks: best.keepBlocks,
    blockRows: o.blockRows ?? DEFAULT_BLOCK_ROWS,
    tolerance: o.tolerance,
    maxIterations: o.maxIterations,
    bytes: best.cost.bytes,
    seconds: seconds(best.cost.flops),
    cost: best.cost,
  };
}

function refuseNystrom(p: SolverPricing, plan: ReturnType<typeof nystromPlan>, budget: number): void {
  if (fits(plan.cost, budget)) return;
  const largest = largestFitting((m) => fits(p.nystrom(m, plan.method, plan.keepBlocks), budget), p.n);
  refuse(
    plan.cost,
    largest > 0
      ? `m <= ${largest.toLocaleString('en-US')} centres (nystrom.centres)`
      : 'none: even one centre does not fit',
    budget,
  );
}

export function chooseSolver(p: SolverPricing, requested: SolverName, o: NystromOptions = {}): SolverChoice {
  const budget = memoryLimit();
  const exactCost = p.exact(p.n);
  const exactFits = fits(exactCost, budget);
  const exact = { bytes: exactCost.bytes, seconds: seconds(exactCost.flops), fits: exactFits };
  const fmt = (c: { bytes: number; seconds: number }) =>
    `~${formatBytes(c.bytes)}, ~${c.seconds.toPrecision(2)} s at ${NOMINAL_GFLOPS} GFLOPS`;
  if (requested === 'exact') {
    if (!exactFits) {
      const largest = largestFitting((k) => fits(p.exact(k), budget), p.n);
      refuse(
        exactCost,
        `n <= ${largest.toLocaleString('en-US')} training points with the exact solver (or solver: 'nystrom')`,
        budget,
      );
    }
    return { solver: 'exact', reason: `requested (exact: ${fmt(exact)})`, exact };
  }
  const plan = nystromPlan(p, o, budget);
  const { cost, ...nystrom } = plan;
  const described = `nystrom: m = ${plan.centres} ${plan.sampling} centres, ${plan.method}${plan.method === 'cg' ? (plan.keepBlocks ? ' (K_nm kept)' : ' (K_nm recomputed per iteration)') : ''}, ${fmt(plan)}`;
  if (requested === 'nystrom') {
    refuseNystrom(p, plan, budget);
    return { solver: 'nystrom', reason: `requested (${described}; exact: ${fmt(exact)})`, exact, nystrom };
  }
  if (exactFits && (exact.seconds <= EXACT_TIME_LIMIT_SECONDS || exact.seconds < NYSTROM_MIN_SPEEDUP * plan.seconds)) {
    return {
      solver: 'exact',
      reason: `auto: the exact solver fits (${fmt(exact)}; budget ${formatBytes(budget)})`,
      exact,
    };
  }
  refuseNystrom(p, plan, budget);
  const why = exactFits
    ? `the exact solver would take ~${exact.seconds.toPrecision(2)} s (> ${EXACT_TIME_LIMIT_SECONDS} s and ${NYSTROM_MIN_SPEEDUP}x the Nystrom estimate)`
    : `the exact solver would not fit (${formatBytes(exact.bytes)}${exactCost.largestArray > 2 ** 32 ? ", one array above V8's 2^32 elements" : ''}; budget ${formatBytes(budget)})`;
  return { solver: 'nystrom', reason: `auto: ${why}; ${described}`, exact, nystrom };
}

export interface KernelSolverChoice extends Omit<SolverChoice, 'solver'> {
  solver: 'exact' | 'nystrom' | 'eigenpro';
  /** EigenPro's settings and price (absent for a single training point, which it cannot precondition). */
  eigenpro?: EigenProSettings & { bytes: number; seconds: number };
}

/** The exact and Nystrom paths priced as SolverPricing, and EigenPro with given settings. */
export interface KernelSolverPricing extends SolverPricing {
  eigenpro: (settings: EigenProSettings) => SolverCost;
}

function eigenProPlan(p: KernelSolverPricing, o: EigenProOptions, strict: boolean) {
  const settings = eigenProSettings(p.n, o, strict);
  const cost = p.eigenpro(settings);
  return { settings: { ...settings, bytes: cost.bytes, seconds: seconds(cost.flops) }, cost };
}

/** Refuses an EigenPro fit that does not fit, naming the largest batch size that would. */
function refuseEigenPro(p: KernelSolverPricing, plan: ReturnType<typeof eigenProPlan>, budget: number): void {
  if (fits(plan.cost, budget)) return;
  const batch = largestFitting(
    (b) => b >= 1 && fits(p.eigenpro({ ...plan.settings, batchSize: b }), budget),
    plan.settings.batchSize ?? plan.settings.maxBatch,
  );
  refuse(
    plan.cost,
    batch > 0
      ? `a batch of ${batch.toLocaleString('en-US')} rows (eigenpro.batchSize), or solver: 'nystrom'`
      : `none at n = ${p.n.toLocaleString('en-US')}: even a batch of one row does not fit (solver: 'nystrom')`,
    budget,
  );
}

/**
 * KernelRegressor's choice: chooseSolver's, plus EigenPro when asked for by name (refused at once when it does not
 * fit). Otherwise EigenPro is priced only for the record: the reason says why it was not chosen (EIGENPRO_AUTO_RULE).
 */
export function chooseKernelSolver(
  p: KernelSolverPricing,
  requested: KernelSolverName,
  o: NystromOptions = {},
  e: EigenProOptions = {},
): KernelSolverChoice {
  if (requested === 'eigenpro') {
    const plan = eigenProPlan(p, e, true);
    const budget = memoryLimit();
    refuseEigenPro(p, plan, budget);
    const exactCost = p.exact(p.n);
    const exact = { bytes: exactCost.bytes, seconds: seconds(exactCost.flops), fits: fits(exactCost, budget) };
    return {
      solver: 'eigenpro',
      reason: `requested (${describeEigenPro(plan.settings)}; exact: ~${formatBytes(exact.bytes)}, ~${exact.seconds.toPrecision(2)} s)`,
      exact,
      eigenpro: plan.settings,
    };
  }
  const choice = chooseSolver(p, requested, o);
  if (p.n < 2) return choice;
  const { settings } = eigenProPlan(p, e, false);
  const why =
    requested === 'auto' ? `; eigenpro not chosen (${describeEigenPro(settings)}): ${EIGENPRO_AUTO_RULE}` : '';
  return { ...choice, reason: choice.reason + why, eigenpro: settings };
}

function describeEigenPro(s: EigenProSettings & { bytes: number; seconds: number }): string {
  const batch = s.batchSize === undefined ? `batch: the critical size, at most ${s.maxBatch}` : `batch ${s.batchSize}`;
  return `eigenpro: ${s.epochs} epochs, s = ${s.subsample}, q = ${s.q}, ${batch}, ~${formatBytes(s.bytes)}, ~${s.seconds.toPrecision(2)} s at ${NOMINAL_GFLOPS} GFLOPS`;
}

/** Bytes of the Nystrom solve itself (float64), for the models' pricing: K_mm, its factor, Phi'Phi or Falkon's A. */
export function nystromSolveCost(
  n: number,
  m: number,
  c: number,
  blockRows: number,
  method: NystromMethod,
  keepBlocks: boolean,
  blockFlops: number,
): SolverCost {
  const b = Math.min(n, blockRows);
  const square = 8 * m * m;
  const bytes = 4 * square + 8 * (3 * m * b + 3 * m * c) + (keepBlocks ? 8 * n * m : 0);
  const factor = (2 * m * m * m) / 3;
  const flops =
    method === 'direct'
      ? blockFlops + 2 * n * m * m + 2 * n * m * c + factor
      : (keepBlocks ? blockFlops : (CG_ITERATIONS_ESTIMATE + 1) * blockFlops) +
        (CG_ITERATIONS_ESTIMATE + 1) * 4 * n * m * c +
        factor +
        2 * m * m * m;
  return {
    what: `Nystrom solve (n = ${n}, m = ${m})`,
    bytes,
    largestArray: keepBlocks ? Math.max(m * m, m * b) : m * m,
    flops,
  };
}
