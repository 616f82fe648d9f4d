import * as os from 'os';
import { MemoryError } from './errors';

/** Allocations below this are not checked: they cannot be the one that takes a 24 GiB machine down. */
export const CHECKED_ALLOCATION_BYTES = 256 * 1024 * 1024;

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/** What checkAllocation lets through (so a caller can size a plan against the same limit, e.g. by bisection). */
export function memoryLimit(memory: { free: number; total: number } = { free: os.freemem(), total: os.totalmem() }): number {
  return Math.min(memory.total, memory.free);
}

/**
 * Memory guard for large dense allocations: before work that needs about `bytes` (an estimate, e.g. the cost
 * model's `memoryBytes`), throws a MemoryError naming the estimate, what it is for and `hint` (how to need less)
 * when it exceeds the memory available now: os.freemem(), which on Linux is MemAvailable (free memory plus the page
 * cache the kernel can reclaim), and never more than os.totalmem(). Estimates under 256 MB pass unchecked.
 */
export function checkAllocation(
  bytes: number,
  what: string,
  hint: string,
  memory: { free: number; total: number } = { free: os.freemem(), total: os.totalmem() },
): void {
  if (!(bytes > CHECKED_ALLOCATION_BYTES)) return;
  if (bytes <= memoryLimit(memory)) return;
  throw new MemoryError(
    `${what} needs about ${gib(bytes)}, more than this machine has available ` +
      `(${gib(memory.free)} free of ${gib(memory.total)}): ${hint}`,
  );
}
