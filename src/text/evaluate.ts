// Held-out scores of a next-character model on windows: its log-probabilities, scored by src/metrics/
// (accuracy, mean NLL, perplexity, bits per character) in one pass.

import { ShapeError } from '../core/errors';
import { argmaxRows, labelAccuracy } from '../metrics/classification';
import { scoreLogProbs, type HeldOutScore } from '../metrics/perplexity';
import { windowLogProbs, type CharModel } from './char-model';
import type { Windows } from './windows';

export interface NextCharacterReport extends HeldOutScore {
  accuracy: number;
}

/** Windows must carry at least as much context as the model reads (an n-gram model reads only the last n - 1). */
export function checkWindowsFit(model: CharModel, windows: Windows): void {
  if (windows.context < model.context) {
    throw new ShapeError(
      `metrics: windows hold ${windows.context} characters of context, the model reads ${model.context}`,
    );
  }
}

export function heldOutScore(model: CharModel, windows: Windows): HeldOutScore {
  checkWindowsFit(model, windows);
  return scoreLogProbs(windowLogProbs(model, windows), windows.targets, model.vocab.size);
}

export function perplexity(model: CharModel, windows: Windows): number {
  return heldOutScore(model, windows).perplexity;
}

export function bitsPerCharacter(model: CharModel, windows: Windows): number {
  return heldOutScore(model, windows).bitsPerCharacter;
}

/** How often the most probable character is the true one. */
export function nextCharacterAccuracy(model: CharModel, windows: Windows): number {
  return evaluateNextCharacter(model, windows).accuracy;
}

export function evaluateNextCharacter(model: CharModel, windows: Windows): NextCharacterReport {
  checkWindowsFit(model, windows);
  const logProbs = windowLogProbs(model, windows);
  const score = scoreLogProbs(logProbs, windows.targets, model.vocab.size);
  const predicted = argmaxRows({ rows: windows.count, cols: model.vocab.size, data: logProbs });
  return { ...score, accuracy: labelAccuracy(predicted, windows.targets) };
}
