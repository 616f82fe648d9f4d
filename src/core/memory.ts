import { readFileSync } from 'fs';
import { freemem } from 'os';

/**
 * A memory guard run before a fit allocates anything: the caller prices its plan (total bytes, largest single
 * array), and an oversize plan throws at once with the estimate, the budget and the largest size that would fit,
 * instead of failing after minutes of work with "Array buffer allocation failed" or "Invalid typed array length".
 */

/** V8's limit on one typed array (Node 20): 2^32 elements (`new Float64Array(2 ** 32 + 1)` throws). */
export const MAX_TYPED_ARRAY_LENGTH = 2 ** 32;

/** Share of the available memory a fit may plan to use: the rest is headroom for V8, the addon and the notebook. */
export const MEMORY_BUDGET_FRACTION = 0.8;

export class MemoryLimitError extends Error {
  constructor(
    message: string,
    readonly estimateBytes: number,
    readonly budgetBytes: number,
  ) {
    super(message);
    this.name = 'MemoryLimitError';
  }
}

/** MemAvailable from /proc/meminfo (what the kernel could hand out without swapping), else os.freemem(). */
export function availableMemoryBytes(): number {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // Not Linux: fall through.
  }
  return freemem();
}

/** Bytes a fit may plan for: RFM_MEMORY_LIMIT (bytes) when set, else a fraction of the available memory. */
export function memoryBudgetBytes(): number {
  const env = process.env.RFM_MEMORY_LIMIT;
  if (env !== undefined && env !== '') {
    const v = Number(env);
    if (!(v > 0)) throw new MemoryLimitError(`RFM_MEMORY_LIMIT must be a positive number of bytes, got ${env}`, 0, 0);
    return v;
  }
  return MEMORY_BUDGET_FRACTION * availableMemoryBytes();
}

export interface AllocationPlan {
  /** What is being sized, e.g. "exact kernel ridge regression, n = 20000". */
  what: string;
  bytes: number;
  /** Elements of the largest single typed array in the plan. */
  largestArray: number;
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** Whether a plan fits the budget (and V8's array limit). */
export function fits(plan: AllocationPlan, budget = memoryBudgetBytes()): boolean {
  return plan.bytes <= budget && plan.largestArray <= MAX_TYPED_ARRAY_LENGTH;
}

/**
 * The largest integer size s in [1, upper] whose plan fits (0 if none does), by bisection: plans grow with s.
 */
export function largestFitting(planFor: (size: number) => AllocationPlan, upper: number, budget = memoryBudgetBytes()): number {
  if (!fits(planFor(1), budget)) return 0;
  let lo = 1;
  let hi = Math.max(1, Math.floor(upper));
  if (fits(planFor(hi), budget)) return hi;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(planFor(mid), budget)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Throws MemoryLimitError when `plan` does not fit; `largest` (optional) names the largest size that would,
 * e.g. "n <= 14,000 training points". Allocates nothing, so it answers in microseconds.
 */
export function checkAllocation(plan: AllocationPlan, largest?: string, budget = memoryBudgetBytes()): void {
  if (fits(plan, budget)) return;
  const hint = largest ? ` The largest that would fit: ${largest}.` : '';
  if (plan.largestArray > MAX_TYPED_ARRAY_LENGTH) {
    throw new MemoryLimitError(
      `${plan.what} needs one array of ${plan.largestArray.toExponential(3)} elements, above V8's limit of 2^32 per typed array (estimate ${formatBytes(plan.bytes)} in all).${hint}`,
      plan.bytes,
      budget,
    );
  }
  throw new MemoryLimitError(
    `${plan.what} needs an estimated ${formatBytes(plan.bytes)}, more than the ${formatBytes(budget)} this fit may use (${Math.round(MEMORY_BUDGET_FRACTION * 100)} % of the memory available now, or RFM_MEMORY_LIMIT).${hint}`,
    plan.bytes,
    budget,
  );
}
