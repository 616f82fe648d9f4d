/**
 * Time and flops per step of a fit, so a notebook or the benchmark can see where the time goes and how close the
 * dominant products run to the machine's limit (GFLOPS = flops / seconds / 1e9).
 */
export interface StepProfile {
  seconds: number;
  flops: number;
  calls: number;
}

export class Profile {
  readonly steps: Record<string, StepProfile> = {};

  async time<T>(step: string, flops: number, f: () => Promise<T> | T): Promise<T> {
    const t0 = performance.now();
    const r = await f();
    const s = (this.steps[step] ??= { seconds: 0, flops: 0, calls: 0 });
    s.seconds += (performance.now() - t0) / 1000;
    s.flops += flops;
    s.calls++;
    return r;
  }

  /** Steps with their GFLOPS, slowest first. */
  summary(): Array<StepProfile & { step: string; gflops: number }> {
    return Object.entries(this.steps)
      .map(([step, s]) => ({ step, ...s, gflops: s.seconds > 0 ? s.flops / s.seconds / 1e9 : 0 }))
      .sort((a, b) => b.seconds - a.seconds);
  }
}
