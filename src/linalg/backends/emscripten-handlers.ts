/**
 * tfjs-backend-wasm's Emscripten runtime installs process-wide 'uncaughtException' and 'unhandledRejection'
 * handlers that rethrow: once wasm starts, any stray error anywhere (a notebook cell's timer, a rejected promise)
 * kills the process, which in a notebook is the kernel. Running its start-up through this removes the handlers it
 * added, so errors are reported the way Node (or tslab) reports them without wasm.
 */
export async function withoutEmscriptenHandlers<T>(start: () => Promise<T>): Promise<T> {
  const exceptions = new Set(process.listeners('uncaughtException'));
  const rejections = new Set(process.listeners('unhandledRejection'));
  try {
    return await start();
  } finally {
    for (const listener of process.listeners('uncaughtException')) {
      if (!exceptions.has(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!rejections.has(listener)) process.removeListener('unhandledRejection', listener);
    }
  }
}
