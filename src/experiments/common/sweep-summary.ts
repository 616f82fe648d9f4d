import { throwIfAborted, yieldToEventLoop } from '../../core/async';
import { StageTimer } from '../../core/timer';
import type { RunControl } from './run';

/**
 * What every sweep (the scaling test, the double-descent sweeps) reports: per-trial values, their mean and
 * 2.5 / 97.5 % quantiles across trials, and the shape of the mean curve (where its peak is, how high above the
 * minimum before it, how far it falls after). Plain data only (number arrays), so results serialise to JSON as they are.
 */

export interface BandSummary {
  mean: number[];
  /** 2.5 % quantile across trials (linear interpolation between order statistics). */
  lo: number[];
  /** 97.5 % quantile across trials. */
  hi: number[];
}

/**
 * The double-descent shape of a curve y(x), read off its mean:
 * - peak: the interior point maximising strength = min(minToPeak, peakToMin);
 * - minToPeak = y(peak) / min of y before the peak (the study's "min-to-peak ratio": how far the curve rises);
 * - peakToMin = y(peak) / min of y after the peak (how far it falls again: the second descent).
 * A peak counts only when it rises and falls by more than SHAPE_TOLERANCE (10 %): smaller wiggles are within the
 * trial-to-trial scatter of a few trials. Without one, peakIndex is -1, peakX null and the ratios 1: a monotone
 * curve, or one that only rises and then flattens, shows no double descent however large its rise.
 */
export interface DescentShape {
  peakIndex: number;
  peakX: number | null;
  minToPeak: number;
  peakToMin: number;
  strength: number;
  /** Where the curve is largest overall (the peak of a model-wise sweep is usually also this). */
  maxX: number;
}

export const SHAPE_TOLERANCE = 0.1;

export interface Curve {
  /** A label for legends, e.g. 'Laplace, ridgeless, noise 0.5'. */
  name: string;
  x: number[];
  /** Test MSE, [trial][x index]. */
  trials: number[][];
  mse: BandSummary;
  /** MSE / Var(y) per trial, summarised: removes the target's scale, which varies with d. */
  normalised: BandSummary;
  shape: DescentShape;
  normalisedShape: DescentShape;
}

export interface SweepProgress {
  sweep: string;
  /** Steps finished and planned (a step is one fit and its scores). */
  done: number;
  total: number;
  /** What was just finished, e.g. 'trial 2/5, laplace, p = 180'. */
  label: string;
  elapsedMs: number;
}

export type ProgressCallback = (progress: SweepProgress) => void;

export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const i = Math.floor(h);
  return i + 1 < n ? sorted[i] + (h - i) * (sorted[i + 1] - sorted[i]) : sorted[n - 1];
}

export function summarise(trials: number[][]): BandSummary {
  const columns = trials.length === 0 ? 0 : trials[0].length;
  const mean: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  for (let j = 0; j < columns; j++) {
    const values = trials.map((t) => t[j]).sort((a, b) => a - b);
    mean.push(values.reduce((s, v) => s + v, 0) / values.length);
    lo.push(quantile(values, 0.025));
    hi.push(quantile(values, 0.975));
  }
  return { mean, lo, hi };
}

export function descentShape(x: number[], y: number[], tolerance = SHAPE_TOLERANCE): DescentShape {
  let maxIndex = 0;
  for (let i = 1; i < y.length; i++) if (y[i] > y[maxIndex]) maxIndex = i;
  const shape: DescentShape = {
    peakIndex: -1,
    peakX: null,
    minToPeak: 1,
    peakToMin: 1,
    strength: 1,
    maxX: x[maxIndex],
  };
  const minBefore: number[] = [];
  let running = Infinity;
  for (let i = 0; i < y.length; i++) {
    minBefore.push(running);
    running = Math.min(running, y[i]);
  }
  running = Infinity;
  for (let k = y.length - 1; k > 0; k--) {
    const up = y[k] / minBefore[k];
    const down = y[k] / running;
    running = Math.min(running, y[k]);
    const strength = Math.min(up, down);
    if (k < y.length - 1 && strength > Math.max(shape.strength, 1 + tolerance))
      Object.assign(shape, { peakIndex: k, peakX: x[k], minToPeak: up, peakToMin: down, strength });
  }
  return shape;
}

export function curve(name: string, x: number[], trials: number[][], variance: number | number[]): Curve {
  const scale = (j: number): number => (typeof variance === 'number' ? variance : variance[j]);
  const normalisedTrials = trials.map((t) => t.map((v, j) => v / scale(j)));
  const mse = summarise(trials);
  const normalised = summarise(normalisedTrials);
  return {
    name,
    x,
    trials,
    mse,
    normalised,
    shape: descentShape(x, mse.mean),
    normalisedShape: descentShape(x, normalised.mean),
  };
}

/**
 * Counts the steps of a sweep, reports each to `control.onProgress`, and yields to the event loop (the notebook's
 * output, a pending interrupt); throws CancelledError at the next step once `control.signal` is aborted.
 */
export function progressReporter(
  sweep: string,
  total: number,
  control: RunControl<SweepProgress> = {},
): (label: string) => Promise<void> {
  throwIfAborted(control.signal, sweep);
  const timer = new StageTimer();
  let done = 0;
  return async (label: string) => {
    done++;
    control.onProgress?.({ sweep, done, total, label, elapsedMs: timer.elapsedMs() });
    await yieldToEventLoop(control.signal, sweep);
  };
}

/**
 * A progress callback for notebooks: passes one line to `print` (console.log, say) at most every `everyMs`
 * milliseconds, and always for the last step, with the fraction done and a linear estimate of the time left.
 */
export function throttledProgress(print: (line: string) => void, everyMs = 5000): ProgressCallback {
  let last = -Infinity;
  return (p) => {
    if (p.done < p.total && p.elapsedMs - last < everyMs) return;
    last = p.elapsedMs;
    const seconds = p.elapsedMs / 1000;
    const left = p.done < p.total ? `, ~${Math.ceil((seconds * (p.total - p.done)) / p.done)} s left` : '';
    print(
      `${p.sweep}: ${p.done}/${p.total} (${Math.round((100 * p.done) / p.total)} %) after ${seconds.toFixed(0)} s${left}; last: ${p.label}`,
    );
  };
}
