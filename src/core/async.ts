import { CancelledError } from './errors';

/** Throws CancelledError when `signal` has been aborted (the abort reason, if it is a string or an Error, is kept). */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'the operation'): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  const detail =
    reason instanceof Error && reason.name !== 'AbortError'
      ? `: ${reason.message}`
      : typeof reason === 'string'
        ? `: ${reason}`
        : '';
  throw new CancelledError(`${what} was cancelled${detail}`);
}

/**
 * Lets the event loop run between the steps of long work (so a notebook shows output and sees an interrupt), then
 * throws CancelledError if `signal` was aborted meanwhile. setImmediate, not a microtask: I/O callbacks run too.
 */
export async function yieldToEventLoop(signal?: AbortSignal, what?: string): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  throwIfAborted(signal, what);
}
