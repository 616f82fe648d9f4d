// A next-character model from a kernel model's window scores and their calibration: a fitted temperature,
// p = softmax(f / tau) (kernels/temperature.ts; docs/rfm-math.md, "Probabilities"), or a softmax layer with a
// temperature, a log-score weight and per-symbol biases (kernels/softmax-layer.ts; docs/text-rfm.md).

import { NonFiniteError, OptionError, ShapeError } from '../core/errors';
import { logSoftmaxRows, type ScoreMatrix } from '../kernels/temperature';
import { softmaxLayerLogProbs, type SoftmaxLayer } from '../kernels/softmax-layer';
import { checkContextCodes, fitContext, type CharModel } from './char-model';
import type { Vocabulary } from './vocab';
import type { CodeWindows } from './windows';

/** Raw scores of a kernel model: one row of vocab.size scores per window (its estimator predicts asynchronously). */
export type WindowScorer = (windows: CodeWindows) => Promise<ScoreMatrix>;

/**
 * A CharModel from a scorer and its calibration (a temperature, or a fitted softmax layer). Contexts shorter than `context` (the start of a prompt) are
 * left-padded with `padCode`, by default the space symbol.
 */
export class CalibratedModel implements CharModel {
  readonly padCode: number;

  constructor(
    readonly vocab: Vocabulary,
    readonly context: number,
    private readonly scorer: WindowScorer,
    readonly calibration: number | SoftmaxLayer,
    padCode?: number,
  ) {
    if (!Number.isInteger(context) || context < 1)
      throw new OptionError(`CalibratedModel: context must be a positive integer, got ${context}`);
    if (typeof calibration === 'number' && !(calibration > 0 && Number.isFinite(calibration))) {
      throw new OptionError(`CalibratedModel: temperature must be a positive number, got ${calibration}`);
    }
    if (typeof calibration === 'object' && calibration.bias.length !== vocab.size) {
      throw new ShapeError(
        `CalibratedModel: the softmax layer has ${calibration.bias.length} classes, the vocabulary ${vocab.size} symbols`,
      );
    }
    const space = vocab.indexOf(' ');
    this.padCode = padCode ?? (space >= 0 ? space : 0);
  }

  async nextDistribution(context: ArrayLike<number>): Promise<Float64Array> {
    checkContextCodes(context, this.vocab.size, 'CalibratedModel');
    const window = fitContext(context, this.context, this.padCode);
    return this.calibrated(await this.score({ codes: window, count: 1, context: this.context })).map(Math.exp);
  }

  async logProbs(windows: CodeWindows): Promise<Float64Array> {
    if (windows.context !== this.context)
      throw new ShapeError(
        `CalibratedModel: windows have ${windows.context} characters, the model reads ${this.context}`,
      );
    return this.calibrated(await this.score(windows));
  }

  private calibrated(scores: ScoreMatrix): Float64Array {
    const c = this.calibration;
    return typeof c === 'number' ? logSoftmaxRows(scores, c) : softmaxLayerLogProbs(c, scores);
  }

  private async score(windows: CodeWindows): Promise<ScoreMatrix> {
    const scores = await this.scorer(windows);
    if (scores.rows !== windows.count || scores.cols !== this.vocab.size) {
      throw new ShapeError(
        `CalibratedModel: the scorer returned ${scores.rows} x ${scores.cols} scores for ${windows.count} windows x ${this.vocab.size} symbols`,
      );
    }
    for (let i = 0; i < scores.data.length; i++) {
      if (!Number.isFinite(scores.data[i])) {
        throw new NonFiniteError(
          `CalibratedModel: score ${scores.data[i]} at row ${Math.floor(i / scores.cols)}, column ${i % scores.cols} is not finite`,
        );
      }
    }
    return scores;
  }
}
