/**
 * tfjs-backend-wasm's Emscripten runtime installs process-wide 'uncaughtException' and 'unhandledRejection'
 * handlers that rethrow: once wasm starts, any stray error anywhere (a notebook cell's timer, a rejected promise)
 * kills the process, which in a notebook is the kernel. Running its start-up through this removes the handlers it
 * added, so errors are reported the way Node (or tslab) reports them without wasm.
 */
export async function withoutEmscriptenHandlers<T>(start: () => Promise<T>): Promise<T> {
  const events = ['uncaughtException', 'unhandledRejection'] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e))]));
  try {
    return await start();
  } finally {
    for (const event of events) {
      for (const listener of process.listeners(event)) {
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}
