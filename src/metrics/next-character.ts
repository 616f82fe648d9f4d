// The held-out report of a next-character model in one pass over its log-probabilities: accuracy, mean NLL,
// perplexity and bits per character.

import { windowLogProbs, type CharModel } from '../text/char-model';
import type { Windows } from '../text/windows';
import { accuracy, argmaxRows } from './accuracy';
import { checkWindowsFit, scoreLogProbs, type HeldOutScore } from './perplexity';

export interface NextCharacterReport extends HeldOutScore {
  accuracy: number;
}

export function evaluateNextCharacter(model: CharModel, windows: Windows): NextCharacterReport {
  checkWindowsFit(model, windows);
  const logProbs = windowLogProbs(model, windows);
  const score = scoreLogProbs(logProbs, windows.targets, model.vocab.size);
  return { ...score, accuracy: accuracy(argmaxRows(logProbs, windows.count, model.vocab.size), windows.targets) };
}
