// Cross Gram matrices against a fixed set of one-hot windows through an inverted index: for each (position, symbol),
// the windows holding that symbol there. A query window's row of Z X' is then built by visiting only the training
// windows that share a symbol with it at some position, about n w sum_c f_c^2 (~0.07 n w for English text) instead
// of the n w comparisons of a direct one-hot Gram: the difference between seconds and a fraction of a second when thousands of
// held-out windows are scored against 5000 training windows.

import { DataError, ShapeError } from '../core/errors';
import { Matrix } from '../linalg/matrix';
import { ZERO_ROW } from './vocab';
import type { CodeWindows } from './windows';

export class OneHotIndex {
  private readonly offsets: Int32Array;
  private readonly windows: Int32Array;

  constructor(
    readonly x: CodeWindows,
    readonly vocabSize: number,
  ) {
    const { codes, count, context } = x;
    const buckets = context * vocabSize;
    const sizes = new Int32Array(buckets + 1);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c !== ZERO_ROW) sizes[(i % context) * vocabSize + c + 1]++;
    }
    for (let b = 0; b < buckets; b++) sizes[b + 1] += sizes[b];
    this.offsets = sizes;
    this.windows = new Int32Array(sizes[buckets]);
    const fill = sizes.slice(0, buckets);
    for (let j = 0; j < count; j++) {
      for (let p = 0; p < context; p++) {
        const c = codes[j * context + p];
        if (c !== ZERO_ROW) this.windows[fill[p * vocabSize + c]++] = j;
      }
    }
  }

  /** Rows start .. start + rows of Z X' (rows x n): how many positions each query window shares with each window. */
  crossGram(z: CodeWindows, start = 0, rows = z.count - start): Matrix {
    const n = this.x.count;
    const w = this.x.context;
    if (z.context !== w)
      throw new ShapeError(`OneHotIndex: query windows have ${z.context} characters, the index ${w}`);
    const out = new Float64Array(rows * n);
    for (let r = 0; r < rows; r++) {
      const base = (start + r) * w;
      const row = r * n;
      for (let p = 0; p < w; p++) {
        const c = z.codes[base + p];
        if (c === ZERO_ROW) continue;
        if (c < 0 || c >= this.vocabSize)
          throw new DataError(`OneHotIndex: code ${c} in query window ${start + r} is not below ${this.vocabSize}`);
        const bucket = p * this.vocabSize + c;
        for (let k = this.offsets[bucket]; k < this.offsets[bucket + 1]; k++) out[row + this.windows[k]]++;
      }
    }
    return new Matrix(rows, n, out);
  }
}
