import { OptionError } from '../core/errors';
import { Matrix } from '../linalg/matrix';
import { EncodedTargets, Task } from '../kernels/targets';
import { accuracy } from '../metrics/classification';
import { meanSquaredError } from '../metrics/regression';
import { EarlyStopper, Metrics, isBetter } from './history';
import type { FitInputs, ParsedTracked } from './inputs';
import type { IterationRecord } from './history';
import type { EngineRun } from './setup';

/**
 * Which iteration the fit keeps (docs/rfm-math.md section 3): the best by validation metric (MSE for
 * regression, accuracy with ties broken by MSE for classification, or the caller's validationScore), the last one
 * without validation data; and when to stop early.
 */
export class KeptIteration {
  best = -1;
  private bestMetrics: Metrics | undefined;
  /** The kept iteration's validation scores (classification: the temperature is fitted on them). */
  bestValidationScores: Matrix | undefined;
  private readonly stopper: EarlyStopper | undefined;
  stopReason = 'completed all iterations';

  constructor(
    private readonly task: Task,
    private readonly earlyStopping: { patience: number; tolerance: number } | undefined,
  ) {
    this.stopper = earlyStopping ? new EarlyStopper(earlyStopping.patience, earlyStopping.tolerance, task) : undefined;
  }

  /** Feeds iteration t's validation metrics; true when t is the new best (the engine must then keep it). */
  offer(t: number, val: Metrics | null, validationScores: Matrix | undefined): boolean {
    if (val && this.bestMetrics && !isBetter(val, this.bestMetrics, this.task)) return false;
    this.best = t;
    this.bestMetrics = val ?? undefined;
    if (this.task === 'classification' && validationScores) this.bestValidationScores = validationScores.clone();
    return true;
  }

  /** True when early stopping says the fit should end after this iteration. */
  shouldStop(val: Metrics | null): boolean {
    if (val === null || this.stopper === undefined || !this.stopper.update(val)) return false;
    const { tolerance, patience } = this.earlyStopping as { patience: number; tolerance: number };
    this.stopReason = `early stopping: no relative improvement above ${tolerance} for ${patience} iterations`;
    return true;
  }
}

export type ValidationScore = (scores: Matrix, targets: EncodedTargets) => number;

export function metricsOf(pred: Matrix, targets: EncodedTargets): Metrics {
  const mse = meanSquaredError(pred, targets.y);
  return targets.labels ? { mse, accuracy: accuracy(pred, targets.labels) } : { mse };
}

/** Training metrics for free: (K + shift I) alpha = Y, so the training predictions K alpha are Y - shift alpha. */
export function trainMetrics(targets: EncodedTargets, alpha: Matrix, shift: number): Metrics {
  const pred = targets.y.clone();
  for (let i = 0; i < pred.data.length; i++) pred.data[i] -= shift * alpha.data[i];
  return metricsOf(pred, targets);
}

/** Train metrics from predictions on a subsample of the training points (the Nystrom engine's). */
export function trainMetricsOn(targets: EncodedTargets, scored: { pred: Matrix; rows: Int32Array }): Metrics {
  const { pred, rows } = scored;
  const c = targets.y.cols;
  const y = new Matrix(rows.length, c);
  for (let r = 0; r < rows.length; r++) y.data.set(targets.y.data.subarray(rows[r] * c, (rows[r] + 1) * c), r * c);
  const labels = targets.labels ? Int32Array.from(rows, (i) => targets.labels![i]) : undefined;
  return metricsOf(pred.astype('float64'), { ...targets, y, labels } as EncodedTargets);
}

/** Splits the stacked predictions of the sets scored every iteration and scores each (validation first, then test). */
export function scoreTracked(
  pred: Matrix,
  sets: ParsedTracked[],
  validationScore: ValidationScore | undefined,
  iteration: number,
): { validation: Metrics | null; test: Metrics | null; validationScores: Matrix | undefined } {
  const out: { validation: Metrics | null; test: Metrics | null; validationScores: Matrix | undefined } = {
    validation: null,
    test: null,
    validationScores: undefined,
  };
  let start = 0;
  for (const t of sets) {
    const part = rowBlock(pred, start, t.points.rows);
    start += t.points.rows;
    const metrics = metricsOf(part, t.targets);
    if (t.name === 'validation') {
      out.validationScores = part;
      if (validationScore) {
        const score = validationScore(part, t.targets);
        if (typeof score !== 'number' || Number.isNaN(score)) {
          throw new OptionError(`RFM.fit: validationScore returned ${String(score)} at iteration ${iteration}`);
        }
        metrics.score = score;
      }
    }
    out[t.name] = metrics;
  }
  return out;
}

/**
 * The test metrics of the kept iteration and of iteration 0 into their history records (new objects: the records
 * already given to onIteration are not changed). A deferred test set is predicted now from the kept state; a test set
 * the form had to track every iteration keeps only those two records' metrics unless `everyIteration`.
 */
export async function scoreTestAfterFit(
  run: EngineRun,
  inputs: FitInputs,
  best: number,
  history: IterationRecord[],
  everyIteration: boolean,
): Promise<void> {
  const test = inputs.tracked.find((t) => t.name === 'test');
  if (!test || everyIteration) return;
  // The history may have dropped records (history.ts), so records are found by their iteration, not their index.
  const at = (t: number): number => history.findIndex((r) => r.iteration === t);
  if (run.deferredTest) {
    const { kept, baseline } = await run.engine.predictDeferred!();
    history[at(0)] = { ...history[at(0)], test: metricsOf(baseline.astype('float64'), test.targets) };
    history[at(best)] = { ...history[at(best)], test: metricsOf(kept.astype('float64'), test.targets) };
    return;
  }
  for (let i = 0; i < history.length; i++)
    if (history[i].iteration !== 0 && history[i].iteration !== best) history[i] = { ...history[i], test: null };
}

function rowBlock(m: Matrix, start: number, rows: number): Matrix {
  return new Matrix(rows, m.cols, m.data.slice(start * m.cols, (start + rows) * m.cols));
}
