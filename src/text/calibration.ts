// A next-character model from a kernel model's window scores and a fitted temperature: p = softmax(f / tau)
// (the softmax and the temperature fit are kernels/temperature.ts; docs/rfm-math.md, "Probabilities").

import { NonFiniteError, OptionError, ShapeError } from '../core';
import { logSoftmaxRows, softmaxRows, type ScoreMatrix } from '../kernels/temperature';
import { checkContextCodes, fitContext, type CharModel } from './char-model';
import type { Vocabulary } from './vocab';
import type { CodeWindows } from './windows';

/** Raw scores of a kernel model: one row of vocab.size scores per window. */
export type WindowScorer = (windows: CodeWindows) => ScoreMatrix;

/**
 * A CharModel from a scorer and a fitted temperature. Contexts shorter than `context` (the start of a prompt) are
 * left-padded with `padCode`, by default the space symbol.
 */
export class CalibratedModel implements CharModel {
  readonly padCode: number;

  constructor(
    readonly vocab: Vocabulary,
    readonly context: number,
    private readonly scorer: WindowScorer,
    readonly temperature: number,
    padCode?: number,
  ) {
    if (!Number.isInteger(context) || context < 1) throw new OptionError(`CalibratedModel: context must be a positive integer, got ${context}`);
    if (!(temperature > 0 && Number.isFinite(temperature))) throw new OptionError(`CalibratedModel: temperature must be a positive number, got ${temperature}`);
    const space = vocab.indexOf(' ');
    this.padCode = padCode ?? (space >= 0 ? space : 0);
  }

  nextDistribution(context: ArrayLike<number>): Float64Array {
    checkContextCodes(context, this.vocab.size, 'CalibratedModel');
    const window = fitContext(context, this.context, this.padCode);
    return softmaxRows(this.score({ codes: window, count: 1, context: this.context }), this.temperature).data as Float64Array;
  }

  logProbs(windows: CodeWindows): Float64Array {
    if (windows.context !== this.context) throw new ShapeError(`CalibratedModel: windows have ${windows.context} characters, the model reads ${this.context}`);
    return logSoftmaxRows(this.score(windows), this.temperature);
  }

  private score(windows: CodeWindows): ScoreMatrix {
    const scores = this.scorer(windows);
    if (scores.rows !== windows.count || scores.cols !== this.vocab.size) {
      throw new ShapeError(`CalibratedModel: the scorer returned ${scores.rows} x ${scores.cols} scores for ${windows.count} windows x ${this.vocab.size} symbols`);
    }
    for (let i = 0; i < scores.data.length; i++) {
      if (!Number.isFinite(scores.data[i])) {
        throw new NonFiniteError(`CalibratedModel: score ${scores.data[i]} at row ${Math.floor(i / scores.cols)}, column ${i % scores.cols} is not finite`);
      }
    }
    return scores;
  }
}
