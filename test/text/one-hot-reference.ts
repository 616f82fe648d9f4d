import { Matrix } from '../../src/linalg/matrix';
import { ZERO_ROW } from '../../src/text/vocab';
import type { CodeWindows } from '../../src/text/windows';

/**
 * The dense one-hot matrix of windows (count x context * vocabSize): the reference the code-based one-hot paths are
 * checked against (src/ never needs it: the RFM takes the codes).
 */
export function oneHotExpand(x: CodeWindows, vocabSize: number): Matrix {
  const cols = x.context * vocabSize;
  const out = new Float64Array(x.count * cols);
  for (let i = 0; i < x.count; i++) {
    for (let p = 0; p < x.context; p++) {
      const c = x.codes[i * x.context + p];
      if (c === ZERO_ROW) continue;
      if (c < 0 || c >= vocabSize)
        throw new RangeError(`oneHotExpand: code ${c} in row ${i} is not below vocabSize ${vocabSize}`);
      out[i * cols + p * vocabSize + c] = 1;
    }
  }
  return new Matrix(x.count, cols, out);
}
