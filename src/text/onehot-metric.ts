// Products of one-hot windows with a learned metric M (d x d, d = w V), computed from the integer codes.
//
// Row x of a one-hot window has a 1 in column p V + c for each position p holding symbol c, so x M is the sum of w
// rows of M and (x M) z' the sum of w entries of x M: each costs O(w d) and O(w), where the dense products cost
// O(d^2) and O(d). This is what makes a learned kernel cheap enough to query one character at a time in generation.
// ZERO_ROW codes (the study's unknown characters) select nothing.

import { ShapeError } from '../linalg/errors';
import { Matrix } from '../linalg/matrix';
import { ZERO_ROW } from './vocab';
import type { CodeWindows } from './windows';

/** X' C X (d x d) for the one-hot rows X of `x` and an n x n matrix C: the M = X' C X of a dual-form RFM. */
export function oneHotCongruence(x: CodeWindows, vocabSize: number, c: Matrix): Matrix {
  const n = x.count;
  const w = x.context;
  const d = w * vocabSize;
  if (c.rows !== n || c.cols !== n) throw new ShapeError(`oneHotCongruence: C must be ${n} x ${n} (one row per window), got ${c.rows} x ${c.cols}`);
  const codes = x.codes;
  const cx = new Float64Array(d);
  const out = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    // Row i of C X, then added to the rows of M that x_i selects: M = sum_i x_i' (C X)_i.
    cx.fill(0);
    const ci = i * n;
    for (let j = 0; j < n; j++) {
      const v = c.data[ci + j];
      if (v === 0) continue;
      const base = j * w;
      for (let p = 0; p < w; p++) {
        const code = codes[base + p];
        if (code !== ZERO_ROW) cx[p * vocabSize + code] += v;
      }
    }
    const base = i * w;
    for (let p = 0; p < w; p++) {
      const code = codes[base + p];
      if (code === ZERO_ROW) continue;
      const row = (p * vocabSize + code) * d;
      for (let k = 0; k < d; k++) out[row + k] += cx[k];
    }
  }
  // Exactly symmetric, whatever the rounding of the two sums.
  for (let a = 0; a < d; a++) {
    for (let b = a + 1; b < d; b++) {
      const v = 0.5 * (out[a * d + b] + out[b * d + a]);
      out[a * d + b] = v;
      out[b * d + a] = v;
    }
  }
  return new Matrix(d, d, out);
}

/** Z M (m x d) for rows `start` .. `start + rows` of `z`: each row the sum of the rows of M its codes select. */
export function oneHotTimes(z: CodeWindows, vocabSize: number, metric: Matrix, start = 0, rows = z.count - start): Matrix {
  const w = z.context;
  const d = w * vocabSize;
  if (metric.rows !== d || metric.cols !== d) throw new ShapeError(`one-hot metric: M must be ${d} x ${d} for windows of ${w} over ${vocabSize} symbols, got ${metric.rows} x ${metric.cols}`);
  const out = new Float64Array(rows * d);
  const m = metric.data;
  for (let r = 0; r < rows; r++) {
    const base = (start + r) * w;
    const off = r * d;
    for (let p = 0; p < w; p++) {
      const code = z.codes[base + p];
      if (code === ZERO_ROW) continue;
      const row = (p * vocabSize + code) * d;
      for (let k = 0; k < d; k++) out[off + k] += m[row + k];
    }
  }
  return new Matrix(rows, d, out);
}

/**
 * (Z M) X' (m x n) and the squared M-norms diag(Z M Z') of the rows of `z` whose products with M are `zm`
 * (from oneHotTimes over the same rows, starting at `start`).
 */
export function metricCrossProducts(zm: Matrix, z: CodeWindows, x: CodeWindows, vocabSize: number, start = 0): { gram: Matrix; norms: Float64Array } {
  const w = x.context;
  const d = zm.cols;
  const n = x.count;
  const m = zm.rows;
  const gram = new Float64Array(m * n);
  const norms = new Float64Array(m);
  const xc = x.codes;
  for (let r = 0; r < m; r++) {
    const a = zm.data.subarray(r * d, (r + 1) * d);
    for (let j = 0; j < n; j++) {
      let s = 0;
      const base = j * w;
      for (let p = 0; p < w; p++) {
        const code = xc[base + p];
        if (code !== ZERO_ROW) s += a[p * vocabSize + code];
      }
      gram[r * n + j] = s;
    }
    let own = 0;
    const base = (start + r) * w;
    for (let p = 0; p < w; p++) {
      const code = z.codes[base + p];
      if (code !== ZERO_ROW) own += a[p * vocabSize + code];
    }
    norms[r] = own;
  }
  return { gram: new Matrix(m, n, gram), norms };
}

/** X M X' (n x n, symmetric) for the training windows themselves, in row blocks to bound the memory of X M. */
export function oneHotMetricGram(x: CodeWindows, vocabSize: number, metric: Matrix, blockRows = 256): Matrix {
  const n = x.count;
  const w = x.context;
  const out = new Float64Array(n * n);
  for (let start = 0; start < n; start += blockRows) {
    const rows = Math.min(blockRows, n - start);
    const xm = oneHotTimes(x, vocabSize, metric, start, rows);
    const d = xm.cols;
    for (let r = 0; r < rows; r++) {
      const i = start + r;
      const a = xm.data.subarray(r * d, (r + 1) * d);
      for (let j = i; j < n; j++) {
        let s = 0;
        const base = j * w;
        for (let p = 0; p < w; p++) {
          const code = x.codes[base + p];
          if (code !== ZERO_ROW) s += a[p * vocabSize + code];
        }
        out[i * n + j] = s;
        out[j * n + i] = s;
      }
    }
  }
  return new Matrix(n, n, out);
}
