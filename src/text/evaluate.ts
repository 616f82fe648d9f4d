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

export async function heldOutScore(model: CharModel, windows: Windows): Promise<HeldOutScore> {
  checkWindowsFit(model, windows);
  return scoreLogProbs(await windowLogProbs(model, windows), windows.targets, model.vocab.size);
}

export async function perplexity(model: CharModel, windows: Windows): Promise<number> {
  return (await heldOutScore(model, windows)).perplexity;
}

export async function bitsPerCharacter(model: CharModel, windows: Windows): Promise<number> {
  return (await heldOutScore(model, windows)).bitsPerCharacter;
}

/** How often the most probable character is the true one. */
export async function nextCharacterAccuracy(model: CharModel, windows: Windows): Promise<number> {
  return (await evaluateNextCharacter(model, windows)).accuracy;
}

export async function evaluateNextCharacter(model: CharModel, windows: Windows): Promise<NextCharacterReport> {
  checkWindowsFit(model, windows);
  const logProbs = await windowLogProbs(model, windows);
  const score = scoreLogProbs(logProbs, windows.targets, model.vocab.size);
  const predicted = argmaxRows({ rows: windows.count, cols: model.vocab.size, data: logProbs });
  return { ...score, accuracy: labelAccuracy(predicted, windows.targets) };
}
