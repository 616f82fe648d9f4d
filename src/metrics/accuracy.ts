// Next-character accuracy: how often the most probable character is the true one.

import { windowLogProbs, type CharModel } from '../text/char-model';
import type { Windows } from '../text/windows';
import { checkWindowsFit } from './perplexity';

export function accuracy(predicted: ArrayLike<number>, targets: ArrayLike<number>): number {
  if (predicted.length !== targets.length) throw new Error(`accuracy: ${predicted.length} predictions for ${targets.length} targets`);
  if (targets.length === 0) throw new Error('accuracy: no examples');
  let correct = 0;
  for (let i = 0; i < targets.length; i++) if (predicted[i] === targets[i]) correct++;
  return correct / targets.length;
}

/** Column of the largest value in each row (the first on ties). */
export function argmaxRows(values: ArrayLike<number>, rows: number, cols: number): Int32Array {
  if (values.length !== rows * cols) throw new Error(`argmaxRows: ${values.length} values for ${rows} x ${cols}`);
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let j = 1; j < cols; j++) if (values[i * cols + j] > values[i * cols + best]) best = j;
    out[i] = best;
  }
  return out;
}

export function nextCharacterAccuracy(model: CharModel, windows: Windows): number {
  checkWindowsFit(model, windows);
  return accuracy(argmaxRows(windowLogProbs(model, windows), windows.count, model.vocab.size), windows.targets);
}
