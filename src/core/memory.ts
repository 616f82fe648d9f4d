import * as os from 'os';
import { MemoryError } from './errors';

/** Allocations below this are not checked: they cannot be the one that takes a 24 GiB machine down. */
export const CHECKED_ALLOCATION_BYTES = 256 * 1024 * 1024;

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/**
 * Memory guard for large dense allocations: before work that needs about `bytes` (an estimate, e.g. the cost
 * model's `memoryBytes`), throws a MemoryError naming the estimate, what it is for and `hint` (how to need less)
 * when it exceeds the machine's total memory, or the free memory plus what the OS can reclaim (free x 2, since
 * os.freemem() does not count the page cache). Estimates under 256 MB pass unchecked.
 */
export function checkAllocation(
  bytes: number,
  what: string,
  hint: string,
  memory: { free: number; total: number } = { free: os.freemem(), total: os.totalmem() },
): void {
  if (!(bytes > CHECKED_ALLOCATION_BYTES)) return;
  const limit = Math.min(memory.total, 2 * memory.free);
  if (bytes <= limit) return;
  throw new MemoryError(
    `${what} needs about ${gib(bytes)}, more than this machine can give ` +
      `(${gib(memory.free)} free of ${gib(memory.total)}): ${hint}`,
  );
}
