import { ConcurrentFitError } from './errors';

/**
 * One fit at a time per model instance (docs/reliability.md, "A fit is atomic"): a second `fit` while one runs is
 * rejected at once, rather than racing it and leaving whichever finished last. The estimators build their new
 * state in local variables and assign it only at the end, so a fit that throws or is cancelled changes nothing.
 */
export class FitGuard {
  private running = false;

  /** Runs `work` unless a fit is running; the check and the mark happen synchronously, in the caller's call. */
  run<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (this.running) {
      return Promise.reject(
        new ConcurrentFitError(
          `${what}: this model is already being fitted; await that fit (or abort it through its signal) before ` +
            'starting another, or fit a new instance',
        ),
      );
    }
    this.running = true;
    let pending: Promise<T>;
    try {
      pending = work();
    } catch (e) {
      this.running = false;
      return Promise.reject(e);
    }
    return pending.finally(() => {
      this.running = false;
    });
  }
}
