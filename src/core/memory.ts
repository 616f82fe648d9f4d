import * as os from 'os';
import { MemoryError } from './errors';

/** Allocations below this are not checked: they cannot be the one that takes a 24 GiB machine down. */
export const CHECKED_ALLOCATION_BYTES = 256 * 1024 * 1024;

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/** What checkAllocation lets through: os.freemem() (on Linux MemAvailable, reclaimable page cache included), at most the total. */
export function memoryLimit(
  memory: { free: number; total: number } = { free: os.freemem(), total: os.totalmem() },
): number {
  return Math.min(memory.total, memory.free);
}

/**
 * Memory guard for large dense allocations: before work that needs about `bytes` (an estimate, e.g. the cost
 * model's `memoryBytes`), throws a MemoryError naming the estimate, what it is for and `hint` (how to need less)
 * when it exceeds the memory available now: os.freemem(), which on Linux is MemAvailable (free memory plus the page
 * cache the kernel can reclaim), and never more than os.totalmem(). Estimates under 256 MB pass unchecked. `hint`
 * may be a function of that limit in bytes, to say what would fit (docs/reliability.md: "the largest n that fits").
 */
export function checkAllocation(
  bytes: number,
  what: string,
  hint: string | ((limitBytes: number) => string),
  memory: { free: number; total: number } = { free: os.freemem(), total: os.totalmem() },
): void {
  if (!(bytes > CHECKED_ALLOCATION_BYTES)) return;
  const limit = memoryLimit(memory);
  if (bytes <= limit) return;
  throw new MemoryError(
    `${what} needs about ${gib(bytes)}, more than this machine has available ` +
      `(${gib(memory.free)} free of ${gib(memory.total)}): ${typeof hint === 'string' ? hint : hint(limit)}`,
  );
}

/** The largest integer n in [0, upTo] for which `fits(n)` holds, for a test that fails from some n on (bisection). */
export function largestFitting(fits: (n: number) => boolean, upTo: number): number {
  let lo = 0;
  let hi = Math.floor(upTo);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
