// The one interface every next-character model implements (n-gram, calibrated kernel models), so that generation and
// the held-out metrics are written once.

import { DataError, ShapeError } from '../core/errors';
import type { CodeWindows } from './windows';
import type { Vocabulary } from './vocab';

/**
 * A model answers asynchronously (a kernel model predicts through its estimator's async backend) or synchronously (an
 * n-gram counts): callers always await the answer.
 */
export interface CharModel {
  readonly vocab: Vocabulary;
  /** Characters of context the model reads. Shorter contexts (the start of a text) must be accepted. */
  readonly context: number;
  /** Probabilities of the next character over vocab.size symbols, given the preceding codes (oldest first). */
  nextDistribution(context: ArrayLike<number>): Float64Array | Promise<Float64Array>;
  /** Natural-log probabilities for many windows at once (count x vocab.size, row-major), when a model can batch. */
  logProbs?(windows: CodeWindows): Float64Array | Promise<Float64Array>;
}

/** model.logProbs when the model has it, otherwise nextDistribution row by row. */
export async function windowLogProbs(model: CharModel, windows: CodeWindows): Promise<Float64Array> {
  const size = model.vocab.size;
  if (model.logProbs) {
    const out = await model.logProbs(windows);
    if (out.length !== windows.count * size) {
      throw new ShapeError(
        `CharModel.logProbs returned ${out.length} values for ${windows.count} windows x ${size} symbols`,
      );
    }
    for (let i = 0; i < windows.count; i++)
      checkDistribution(out.subarray(i * size, (i + 1) * size), true, i, 'logProbs');
    return out;
  }
  const out = new Float64Array(windows.count * size);
  for (let i = 0; i < windows.count; i++) {
    // A synchronous answer (an n-gram's) is not awaited: an await per window costs more than the n-gram's lookup.
    const answer = model.nextDistribution(windows.codes.subarray(i * windows.context, (i + 1) * windows.context));
    const p = answer instanceof Promise ? await answer : answer;
    if (p.length !== size)
      throw new ShapeError(`CharModel.nextDistribution returned ${p.length} probabilities for ${size} symbols`);
    checkDistribution(p, false, i, 'nextDistribution');
    for (let c = 0; c < size; c++) out[i * size + c] = Math.log(p[c]);
  }
  return out;
}

/** Sums further than this from 1 are not a distribution (float32 softmax sums are within ~1e-6). */
const SUM_TOLERANCE = 1e-5;

/**
 * Scores (perplexity, accuracy) are meaningful only for probabilities: finite, >= 0 and summing to 1 (docs/reliability.md).
 * `logs`: the row holds natural logs of the probabilities.
 */
function checkDistribution(row: ArrayLike<number>, logs: boolean, window: number, method: string): void {
  let sum = 0;
  for (let c = 0; c < row.length; c++) {
    const p = logs ? Math.exp(row[c]) : row[c];
    if (!(p >= 0) || p === Infinity || (logs && Number.isNaN(row[c]))) {
      throw new DataError(
        `CharModel.${method}: window ${window}, symbol ${c}: ${row[c]} is not a ${logs ? 'log-' : ''}probability`,
      );
    }
    sum += p;
  }
  if (Math.abs(sum - 1) > SUM_TOLERANCE) {
    throw new DataError(
      `CharModel.${method}: the probabilities of window ${window} sum to ${sum}, not 1: a model must return a distribution`,
    );
  }
}

/** The last `length` codes of `codes`, left-padded with `pad` when there are fewer: for models that need exactly w. */
export function fitContext(codes: ArrayLike<number>, length: number, pad: number): Int32Array {
  const out = new Int32Array(length).fill(pad);
  const take = Math.min(length, codes.length);
  for (let k = 0; k < take; k++) out[length - take + k] = codes[codes.length - take + k];
  return out;
}

/** Throws unless every code is a symbol of a vocabulary of `size` or ZERO_ROW (-1). */
export function checkContextCodes(codes: ArrayLike<number>, size: number, where: string): void {
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (!Number.isInteger(c) || c < -1 || c >= size)
      throw new DataError(
        `${where}: context code ${c} at position ${i} is not a symbol of a ${size}-symbol vocabulary`,
      );
  }
}
