/**
 * Seconds spent per named stage, plus the total since the timer was made: the one stage timer of every long run
 * (the RFM fit, the text models, the experiments). `time` works for synchronous and asynchronous stages.
 */
export class StageTimer<S extends string = string> {
  private readonly started = performance.now();
  readonly seconds: Record<string, number> = {};

  constructor(stages: readonly S[] = []) {
    for (const s of stages) this.seconds[s] = 0;
  }

  /** Runs `work` and adds its duration to `stage` (also when it throws). */
  time<T>(stage: S, work: () => T): T {
    const t0 = performance.now();
    const add = (): void => {
      this.seconds[stage] = (this.seconds[stage] ?? 0) + (performance.now() - t0) / 1000;
    };
    let result: T;
    try {
      result = work();
    } catch (e) {
      add();
      throw e;
    }
    if (result instanceof Promise) return result.finally(add) as unknown as T;
    add();
    return result;
  }

  /** Seconds since the timer was made. */
  elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** Milliseconds since the timer was made. */
  elapsedMs(): number {
    return performance.now() - this.started;
  }

  /** A copy of the per-stage seconds with `total` (the elapsed time) added. */
  summary(): Record<S | 'total', number> {
    return { ...this.seconds, total: this.elapsedSeconds() } as Record<S | 'total', number>;
  }
}
