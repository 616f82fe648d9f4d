import type { DType } from '../linalg/matrix';
import type { Task } from '../kernels/targets';
import type { FormChoice, Form, GradientPath } from './cost-model';
import type { SolverChoice } from '../kernels/solver-choice';

/** What a fit records per iteration and overall, and how it compares iterations (docs/rfm-math.md section 3). */

export interface Metrics {
  mse: number;
  /** Classification only. */
  accuracy?: number;
  /** Validation only, with fit's validationScore (lower is better), which then decides. */
  score?: number;
}

export interface IterationRecord {
  /** t: the model is the pair (M_t, alpha_t); t = 0 is the plain kernel (M = I), the baseline. */
  iteration: number;
  form: Form;
  dtype: DType;
  /** Wall-clock seconds of this iteration (solve, tracked predictions, and the update to M_{t+1}). */
  seconds: number;
  /** Jitter added to the ridge so that Cholesky succeeded (0 when none was needed). */
  jitter: number;
  /** Nystrom solver: CG iterations of this iteration's solve (absent for the direct solve and the exact forms). */
  cgIterations?: number;
  /** On the training points: K alpha = Y - (ridge + jitter) alpha, at no extra cost. */
  train: Metrics;
  validation: Metrics | null;
  /** Only when test data was given to fit (off by default). */
  test: Metrics | null;
}

export interface FitSummary {
  /**
   * Exact forms or the Nystrom iteration, and why (solver-choice.ts): the estimates of both, and for Nystrom the
   * centres m, their sampling, direct or CG. Absent in models saved before the Nystrom solver existed.
   */
  solver?: SolverChoice;
  form: Form;
  dtype: DType;
  requestedDtype: DType;
  gradients?: GradientPath;
  /** Why this form: the cost model's comparison, or the request. */
  reason: string;
  candidates: FormChoice['candidates'];
  task: Task;
  metric: 'mse' | 'accuracy (ties broken by mse)' | 'validation score (lower is better)';
  selection: 'best validation metric' | 'last iteration (no validation data)';
  bestIteration: number;
  iterationsRun: number;
  /** Records left out of `history` to bound it (BoundedHistory: more than HISTORY_LIMIT iterations); 0 usually. */
  historyDropped: number;
  stopReason: string;
  /** |J|: the points each AGOP averages over. */
  agopSampleSize: number;
  seconds: number;
  temperature?: number;
  temperatureSource?: 'validation' | 'default (no validation data)';
}

/** Whether `a` is better than `b` by more than the relative tolerance `tol` (tol = 0: strictly better). */
export function isBetter(a: Metrics, b: Metrics, task: Task, tol = 0): boolean {
  if (a.score !== undefined && b.score !== undefined) return a.score < b.score - tol * Math.abs(b.score);
  if (task === 'classification') {
    const gain = a.accuracy! - b.accuracy!;
    if (gain !== 0) return gain > tol * b.accuracy!;
  }
  return a.mse < b.mse * (1 - tol);
}

/** Early stopping: stop once `patience` iterations in a row have not improved on the best by `tolerance` (relative). */
export class EarlyStopper {
  private best?: Metrics;
  private stale = 0;

  constructor(
    private readonly patience: number,
    private readonly tolerance: number,
    private readonly task: Task,
  ) {}

  /** Feeds the validation metrics of one iteration; true when the fit should stop. */
  update(m: Metrics): boolean {
    if (!this.best || isBetter(m, this.best, this.task, this.tolerance)) {
      this.best = m;
      this.stale = 0;
      return false;
    }
    this.stale++;
    return this.stale >= this.patience;
  }
}

/** The most records a fit keeps (docs/reliability.md): `iterations: 1e9` may run long, but not fill the memory. */
export const HISTORY_LIMIT = 1000;

/**
 * The history of a fit, bounded: past HISTORY_LIMIT records it drops the oldest, except iteration 0 (the baseline)
 * and the currently kept iteration, and counts what it dropped (summary.historyDropped). Records stay in order.
 */
export class BoundedHistory {
  readonly records: IterationRecord[] = [];
  count = 0;
  dropped = 0;

  constructor(private readonly limit = HISTORY_LIMIT) {}

  push(record: IterationRecord, kept: number): void {
    this.records.push(record);
    this.count++;
    if (this.records.length <= this.limit) return;
    const i = this.records.findIndex((r) => r.iteration !== 0 && r.iteration !== kept);
    this.records.splice(i, 1);
    this.dropped++;
  }
}
