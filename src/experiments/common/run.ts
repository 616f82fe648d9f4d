import { OptionError } from '../../core/errors';
import { checkOptions } from '../../core/options';

/**
 * The second argument of every study's run function: `run(config, { onProgress, signal })`. `onProgress` is called
 * after each step (what a step is depends on the study); aborting `signal` stops the run at the next step with a
 * CancelledError (core/errors.ts).
 */
export interface RunControl<P> {
  onProgress?: (progress: P) => void;
  signal?: AbortSignal;
}

/** Validates a RunControl (a misspelt key, or a progress callback passed where the control object belongs). */
export function checkRunControl<P>(what: string, control: RunControl<P> | undefined): RunControl<P> {
  if (typeof control === 'function') {
    throw new OptionError(
      `${what}: pass progress as { onProgress: callback } (the second argument is { onProgress, signal })`,
    );
  }
  checkOptions(what, control, ['onProgress', 'signal']);
  const c = control ?? {};
  if (c.onProgress !== undefined && typeof c.onProgress !== 'function')
    throw new OptionError(`${what}: onProgress must be a function`);
  if (c.signal !== undefined && !(c.signal instanceof AbortSignal))
    throw new OptionError(`${what}: signal must be an AbortSignal`);
  return c;
}
