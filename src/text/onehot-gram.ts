// Inner products of one-hot windows computed from their integer codes (rfm-math.md section 6).
//
// The one-hot vector of a window of w characters over V symbols has length w V, with a 1 at (position p, symbol c),
// column p V + c. Two such vectors' inner product is the number of positions where both windows hold the same
// symbol, so X X' costs O(n^2 w) on the codes instead of O(n^2 w V) on a dense matrix that is never built.
// ZERO_ROW codes (the study's unknown characters) contribute nothing: they match nothing, not even each other, and
// do not count in a window's squared norm, which is then the number of non-zero positions rather than w.

import { Matrix } from '../linalg/matrix';
import type { CodeWindows } from './windows';
import { ZERO_ROW } from './vocab';

/** Gram matrix X Z' (X X' without z): entry (i, j) counts the positions where rows i and j hold the same symbol. */
export function oneHotGram(x: CodeWindows, z?: CodeWindows): Matrix {
  checkWindows(x, 'x');
  if (z) {
    checkWindows(z, 'z');
    if (z.context !== x.context) throw new Error(`oneHotGram: x has windows of ${x.context} characters, z of ${z.context}`);
  }
  const w = x.context;
  const a = x.codes;
  if (!z) {
    const n = x.count;
    const out = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const ai = i * w;
      for (let j = i; j < n; j++) {
        const bj = j * w;
        let matches = 0;
        for (let p = 0; p < w; p++) {
          const c = a[ai + p];
          if (c === a[bj + p] && c !== ZERO_ROW) matches++;
        }
        out[i * n + j] = matches;
        out[j * n + i] = matches;
      }
    }
    return new Matrix(n, n, out);
  }
  const b = z.codes;
  const n = x.count;
  const m = z.count;
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const ai = i * w;
    for (let j = 0; j < m; j++) {
      const bj = j * w;
      let matches = 0;
      for (let p = 0; p < w; p++) {
        const c = a[ai + p];
        if (c === b[bj + p] && c !== ZERO_ROW) matches++;
      }
      out[i * m + j] = matches;
    }
  }
  return new Matrix(n, m, out);
}

/** Squared norm of each one-hot row: its number of positions holding a symbol (w unless there are ZERO_ROW codes). */
export function oneHotSquaredNorms(x: CodeWindows): Float64Array {
  checkWindows(x, 'x');
  const norms = new Float64Array(x.count);
  for (let i = 0; i < x.count; i++) {
    let filled = 0;
    for (let p = 0; p < x.context; p++) if (x.codes[i * x.context + p] !== ZERO_ROW) filled++;
    norms[i] = filled;
  }
  return norms;
}

/** Squared Euclidean distances between one-hot rows: |x_i|^2 + |z_j|^2 - 2 <x_i, z_j>. */
export function oneHotSquaredDistances(x: CodeWindows, z?: CodeWindows): Matrix {
  const gram = oneHotGram(x, z);
  const p = oneHotSquaredNorms(x);
  const q = z ? oneHotSquaredNorms(z) : p;
  const d = gram.data;
  for (let i = 0; i < gram.rows; i++) {
    for (let j = 0; j < gram.cols; j++) d[i * gram.cols + j] = p[i] + q[j] - 2 * d[i * gram.cols + j];
  }
  return gram;
}

/** The dense one-hot matrix (count x context * vocabSize), for the code that really needs features (e.g. x' M z). */
export function oneHotExpand(x: CodeWindows, vocabSize: number): Matrix {
  checkWindows(x, 'x');
  if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new Error(`oneHotExpand: vocabSize must be a positive integer, got ${vocabSize}`);
  const cols = x.context * vocabSize;
  const out = new Float64Array(x.count * cols);
  for (let i = 0; i < x.count; i++) {
    for (let p = 0; p < x.context; p++) {
      const c = x.codes[i * x.context + p];
      if (c === ZERO_ROW) continue;
      if (c >= vocabSize) throw new Error(`oneHotExpand: code ${c} in row ${i} is not below vocabSize ${vocabSize}`);
      out[i * cols + p * vocabSize + c] = 1;
    }
  }
  return new Matrix(x.count, cols, out);
}

function checkWindows(x: CodeWindows, name: string): void {
  if (!x || !(x.codes instanceof Int32Array)) throw new Error(`one-hot Gram: ${name}.codes must be an Int32Array of window codes`);
  if (!Number.isInteger(x.context) || x.context < 1) throw new Error(`one-hot Gram: ${name}.context must be a positive integer, got ${x.context}`);
  if (x.codes.length !== x.count * x.context) {
    throw new Error(`one-hot Gram: ${name} has ${x.codes.length} codes, ${x.count} windows of ${x.context} need ${x.count * x.context}`);
  }
  for (let k = 0; k < x.codes.length; k++) {
    if (x.codes[k] < ZERO_ROW) throw new Error(`one-hot Gram: ${name} code ${x.codes[k]} at row ${Math.floor(k / x.context)} is negative (only ${ZERO_ROW}, an all-zero row, is allowed)`);
  }
}
