import { rowDots, symmetrize } from '../linalg/elementwise';
import { OptionError, ShapeError } from '../core/errors';
import { DType, FloatArray, Matrix, allocate, assertShape } from '../linalg/matrix';
import { backendFor } from '../linalg/registry';
import { Metric, applyMetric } from '../kernels/kernel';

/**
 * The points X (rows x d) as the RFM uses them: only through the products below, so that a structured X computes
 * them without its dense matrix. A dense X runs them on the backend; a one-hot X (docs/rfm-math.md section 6: w ones
 * per row) as sums of rows and gathers over the columns of its ones, e.g. X M in O(n w d) instead of 2 n d^2 and
 * (X M) X' in O(n^2 w) instead of 2 n^2 d. cost-model.ts prices both (featureProductCosts).
 * The one-hot products return synchronously, so synchronous callers (the text models' scorers) can use them.
 */
export interface Features {
  readonly rows: number;
  readonly cols: number;
  readonly dtype: DType;
  /** Ones per row when X is one-hot (at most; fewer where a position is all-zero); undefined for a dense X. */
  readonly oneHotWidth?: number;
  /** X M, dense; for the identity a dense X (X itself when it is dense). `out` (rows x d) receives a new product. */
  times(metric: Metric, out?: Matrix): Matrix | Promise<Matrix>;
  /** A X' (a.rows x rows) for a dense A with d columns; `symmetric` when A = X M (n x d), and then exactly symmetric. */
  crossProducts(a: Matrix, options?: { symmetric?: boolean; out?: Matrix }): Matrix | Promise<Matrix>;
  /** X X' (rows x rows), exactly symmetric. */
  gram(out?: Matrix): Matrix | Promise<Matrix>;
  /** diag(A X'): row i of A (rows x d) against row i of X. */
  rowDots(a: Matrix, out?: FloatArray): FloatArray;
  /** X' S X (d x d), exactly symmetric, for a symmetric S (rows x rows). */
  congruence(s: Matrix, out?: Matrix): Matrix | Promise<Matrix>;
  /** The dense matrix (for gradients and serialisation). */
  dense(): Matrix;
  astype(dtype: DType): Features;
  /** The given rows, in that order, as new Features of the same kind (Nystrom centres and row blocks). */
  select(rows: ArrayLike<number>): Features;
}

/** Checks row indices for select(). */
function checkRowIndices(rows: ArrayLike<number>, n: number): void {
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    if (!Number.isInteger(i) || i < 0 || i >= n)
      throw new ShapeError(`row index ${i} (entry ${r}) is outside 0 .. ${n - 1}`);
  }
}

export class DenseFeatures implements Features {
  constructor(readonly x: Matrix) {}

  get rows(): number {
    return this.x.rows;
  }

  get cols(): number {
    return this.x.cols;
  }

  get dtype(): DType {
    return this.x.dtype;
  }

  async times(metric: Metric, out?: Matrix): Promise<Matrix> {
    return applyMetric(await backendFor(this.dtype), this.x, metric, out);
  }

  async crossProducts(a: Matrix, options: { symmetric?: boolean; out?: Matrix } = {}): Promise<Matrix> {
    const g = await (await backendFor(this.dtype)).gemm(a, this.x, { transB: true, out: options.out });
    if (options.symmetric) symmetrize(g);
    return g;
  }

  async gram(out?: Matrix): Promise<Matrix> {
    return (await backendFor(this.dtype)).syrk(this.x, { out });
  }

  rowDots(a: Matrix, out?: FloatArray): FloatArray {
    return rowDots(a, this.x, out);
  }

  async congruence(s: Matrix, out?: Matrix): Promise<Matrix> {
    const backend = await backendFor(this.dtype);
    const sx = await backend.gemm(s, this.x);
    const m = await backend.gemm(this.x, sx, { transA: true, out });
    symmetrize(m);
    return m;
  }

  dense(): Matrix {
    return this.x;
  }

  select(rows: ArrayLike<number>): DenseFeatures {
    checkRowIndices(rows, this.rows);
    const d = this.cols;
    const out = new Matrix(rows.length, d, this.dtype);
    for (let r = 0; r < rows.length; r++) out.data.set(this.x.data.subarray(rows[r] * d, (rows[r] + 1) * d), r * d);
    return new DenseFeatures(out);
  }

  astype(dtype: DType): Features {
    return dtype === this.dtype ? this : new DenseFeatures(this.x.astype(dtype));
  }
}

/**
 * One-hot rows: row i has a 1 in column p V + codes[i w + p] for each position p < w (V = vocabulary), none where
 * the code is -1 (the study's all-zero unknown characters). d = w V.
 */
export interface OneHotCodes {
  codes: ArrayLike<number>;
  width: number;
  vocabulary: number;
}

/**
 * A one-hot X kept as the column of each 1 (by row, and by column when a product needs it). The sums run four or
 * eight rows at a time: that keeps one output row in cache for several input rows, measured 3-5x faster than one at a
 * time at n = 5000, w = 48, V = 50. Sums are accumulated in float64 whatever the dtype.
 */
export class OneHotFeatures implements Features {
  private byColumn?: { offsets: Int32Array; rows: Int32Array };

  private constructor(
    readonly rows: number,
    readonly cols: number,
    readonly dtype: DType,
    readonly oneHotWidth: number,
    /** Row i's ones are in columns columns[offsets[i]] .. columns[offsets[i + 1] - 1], ascending. */
    private readonly offsets: Int32Array,
    private readonly columns: Int32Array,
  ) {}

  /** Validates and copies the codes (the caller may change them afterwards). */
  static fromCodes(input: OneHotCodes, name = 'oneHot', dtype: DType = 'float64'): OneHotFeatures {
    if (typeof input !== 'object' || input === null)
      throw new OptionError(`${name} must be { codes, width, vocabulary }`);
    const { codes, width: w, vocabulary: v } = input;
    if (!Number.isInteger(w) || w < 1)
      throw new OptionError(`${name}.width must be a positive integer, got ${String(w)}`);
    if (!Number.isInteger(v) || v < 1)
      throw new OptionError(`${name}.vocabulary must be a positive integer, got ${String(v)}`);
    if (!codes || typeof codes.length !== 'number')
      throw new OptionError(`${name}.codes must be an array of integer codes`);
    if (codes.length === 0 || codes.length % w !== 0)
      throw new ShapeError(`${name}.codes has ${codes.length} codes: a positive multiple of the width ${w} is needed`);
    const n = codes.length / w;
    const offsets = new Int32Array(n + 1);
    let nnz = 0;
    for (let k = 0; k < codes.length; k++) {
      const c = codes[k];
      if (!Number.isInteger(c) || c < -1 || c >= v) {
        throw new ShapeError(
          `${name}.codes[${k}] (row ${Math.floor(k / w)}) is ${c}: codes are -1 (an all-zero position) or 0 .. ${v - 1}`,
        );
      }
      if (c !== -1) nnz++;
    }
    const columns = new Int32Array(nnz);
    let q = 0;
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < w; p++) {
        const c = codes[i * w + p];
        if (c !== -1) columns[q++] = p * v + c;
      }
      offsets[i + 1] = q;
    }
    return new OneHotFeatures(n, w * v, dtype, w, offsets, columns);
  }

  /** The rows of all the parts, in order (same width and vocabulary). */
  static stack(parts: OneHotFeatures[]): OneHotFeatures {
    const first = parts[0];
    for (const p of parts) {
      if (p.cols !== first.cols || p.oneHotWidth !== first.oneHotWidth)
        throw new ShapeError(`one-hot blocks of ${p.cols} and ${first.cols} columns cannot be stacked`);
    }
    const rows = parts.reduce((a, p) => a + p.rows, 0);
    const offsets = new Int32Array(rows + 1);
    const columns = new Int32Array(parts.reduce((a, p) => a + p.columns.length, 0));
    let r = 0;
    let q = 0;
    for (const p of parts) {
      for (let i = 1; i <= p.rows; i++) offsets[r + i] = q + p.offsets[i];
      columns.set(p.columns, q);
      r += p.rows;
      q += p.columns.length;
    }
    return new OneHotFeatures(rows, first.cols, first.dtype, first.oneHotWidth, offsets, columns);
  }

  astype(dtype: DType): OneHotFeatures {
    return dtype === this.dtype
      ? this
      : new OneHotFeatures(this.rows, this.cols, dtype, this.oneHotWidth, this.offsets, this.columns);
  }

  times(metric: Metric, out?: Matrix): Matrix {
    const n = this.rows;
    const d = this.cols;
    const res = out ?? new Matrix(n, d, this.dtype);
    assertShape(res, n, d, 'one-hot X M output');
    const o = res.data;
    const { offsets, columns } = this;
    if (metric.kind !== 'full') {
      o.fill(0);
      if (metric.kind === 'diagonal' && metric.diagonal.length !== d)
        throw new ShapeError(`the diagonal metric has ${metric.diagonal.length} entries, X has ${d} columns`);
      for (let i = 0; i < n; i++) {
        for (let q = offsets[i]; q < offsets[i + 1]; q++)
          o[i * d + columns[q]] = metric.kind === 'diagonal' ? metric.diagonal[columns[q]] : 1;
      }
      return res;
    }
    assertShape(metric.matrix, d, d, 'metric M');
    const m = metric.matrix.data;
    const row = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      row.fill(0);
      addRows(row, 0, m, columns, offsets[i], offsets[i + 1], d);
      o.set(row, i * d);
    }
    return res;
  }

  crossProducts(a: Matrix, options: { symmetric?: boolean; out?: Matrix } = {}): Matrix {
    const n = this.rows;
    const d = this.cols;
    const m = a.rows;
    if (a.cols !== d) throw new ShapeError(`A X': A has ${a.cols} columns, X has ${d}`);
    const symmetric = options.symmetric ?? false;
    if (symmetric && m !== n) throw new ShapeError(`a symmetric A X' needs A with X's ${n} rows, got ${m}`);
    const res = options.out ?? new Matrix(m, n, this.dtype);
    assertShape(res, m, n, "A X' output");
    const A = a.data;
    const g = res.data;
    const { offsets, columns } = this;
    let r = 0;
    for (; r + 4 <= m; r += 4) {
      const a0 = r * d;
      const a1 = a0 + d;
      const a2 = a1 + d;
      const a3 = a2 + d;
      const g0 = r * n;
      for (let j = symmetric ? r : 0; j < n; j++) {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let q = offsets[j], end = offsets[j + 1]; q < end; q++) {
          const k = columns[q];
          s0 += A[a0 + k];
          s1 += A[a1 + k];
          s2 += A[a2 + k];
          s3 += A[a3 + k];
        }
        g[g0 + j] = s0;
        g[g0 + n + j] = s1;
        g[g0 + 2 * n + j] = s2;
        g[g0 + 3 * n + j] = s3;
      }
    }
    for (; r < m; r++) {
      const a0 = r * d;
      for (let j = symmetric ? r : 0; j < n; j++) {
        let s = 0;
        for (let q = offsets[j], end = offsets[j + 1]; q < end; q++) s += A[a0 + columns[q]];
        g[r * n + j] = s;
      }
    }
    if (symmetric) mirrorUpper(g, n);
    return res;
  }

  gram(out?: Matrix): Matrix {
    const n = this.rows;
    const res = out ?? new Matrix(n, n, this.dtype);
    assertShape(res, n, n, "X X' output");
    const g = res.data;
    g.fill(0);
    // Row i of X X' counts, for each 1 of row i, the rows with a 1 in the same column: about 0.07 n w increments
    // per row for English text, into a row that stays in cache. Integer counts, so exactly symmetric.
    const { offsets, columns } = this;
    const byColumn = this.columnIndex();
    for (let i = 0; i < n; i++) {
      const gi = i * n;
      for (let q = offsets[i]; q < offsets[i + 1]; q++) {
        const b = columns[q];
        for (let x = byColumn.offsets[b], end = byColumn.offsets[b + 1]; x < end; x++) g[gi + byColumn.rows[x]] += 1;
      }
    }
    return res;
  }

  rowDots(a: Matrix, out?: FloatArray): FloatArray {
    assertShape(a, this.rows, this.cols, 'rowDots: A');
    const res = out ?? allocate(this.dtype, this.rows);
    const { offsets, columns } = this;
    const A = a.data;
    const d = this.cols;
    for (let i = 0; i < this.rows; i++) {
      let s = 0;
      for (let q = offsets[i]; q < offsets[i + 1]; q++) s += A[i * d + columns[q]];
      res[i] = s;
    }
    return res;
  }

  congruence(s: Matrix, out?: Matrix): Matrix {
    const n = this.rows;
    const d = this.cols;
    assertShape(s, n, n, "S in X' S X");
    const res = out ?? new Matrix(d, d, this.dtype);
    assertShape(res, d, d, "X' S X output");
    const S = s.data;
    const { offsets, rows } = this.columnIndex();
    // X' S (d x n): row b is the sum of the rows of S whose X row has a 1 in column b.
    const xs = new Float64Array(d * n);
    for (let b = 0; b < d; b++) addRows(xs, b * n, S, rows, offsets[b], offsets[b + 1], n);
    // (X' S) X, upper triangle: entry (b, e) gathers row b of X' S over the rows with a 1 in column e.
    const g = res.data;
    let b = 0;
    for (; b + 4 <= d; b += 4) {
      const x0 = b * n;
      const x1 = x0 + n;
      const x2 = x1 + n;
      const x3 = x2 + n;
      for (let e = b; e < d; e++) {
        let t0 = 0;
        let t1 = 0;
        let t2 = 0;
        let t3 = 0;
        for (let x = offsets[e], end = offsets[e + 1]; x < end; x++) {
          const i = rows[x];
          t0 += xs[x0 + i];
          t1 += xs[x1 + i];
          t2 += xs[x2 + i];
          t3 += xs[x3 + i];
        }
        g[b * d + e] = t0;
        g[(b + 1) * d + e] = t1;
        g[(b + 2) * d + e] = t2;
        g[(b + 3) * d + e] = t3;
      }
    }
    for (; b < d; b++) {
      for (let e = b; e < d; e++) {
        let t = 0;
        for (let x = offsets[e], end = offsets[e + 1]; x < end; x++) t += xs[b * n + rows[x]];
        g[b * d + e] = t;
      }
    }
    mirrorUpper(g, d);
    return res;
  }

  dense(): Matrix {
    return this.times({ kind: 'identity' });
  }

  select(rows: ArrayLike<number>): OneHotFeatures {
    checkRowIndices(rows, this.rows);
    const offsets = new Int32Array(rows.length + 1);
    for (let r = 0; r < rows.length; r++)
      offsets[r + 1] = offsets[r] + this.offsets[rows[r] + 1] - this.offsets[rows[r]];
    const columns = new Int32Array(offsets[rows.length]);
    for (let r = 0; r < rows.length; r++)
      columns.set(this.columns.subarray(this.offsets[rows[r]], this.offsets[rows[r] + 1]), offsets[r]);
    return new OneHotFeatures(rows.length, this.cols, this.dtype, this.oneHotWidth, offsets, columns);
  }

  /**
   * Z diag(w) X' (z.rows x rows) for a one-hot Z with X's width and vocabulary (w: one weight per column, null for
   * all ones: then Z X'), through X's column index: row j adds w_k to the entries of the rows of X with a 1 in each
   * column k where z_j has its 1s. For English text that is ~0.07 rows w adds per row of Z instead of the rows w
   * gathers of crossProducts with a dense Z M (the Nystrom kernel blocks, kernels/nystrom-kernels.ts).
   */
  weightedCrossProducts(z: OneHotFeatures, weights: ArrayLike<number> | null, out?: Matrix): Matrix {
    if (z.cols !== this.cols) throw new ShapeError(`Z diag(w) X': Z has ${z.cols} columns, X has ${this.cols}`);
    if (weights !== null && weights.length !== this.cols)
      throw new ShapeError(`Z diag(w) X': ${weights.length} weights for ${this.cols} columns`);
    const n = this.rows;
    const res = out ?? new Matrix(z.rows, n, this.dtype);
    assertShape(res, z.rows, n, "Z diag(w) X' output");
    const g = res.data;
    g.fill(0);
    const index = this.columnIndex();
    for (let j = 0; j < z.rows; j++) {
      const gj = j * n;
      for (let q = z.offsets[j]; q < z.offsets[j + 1]; q++) {
        const k = z.columns[q];
        const wk = weights === null ? 1 : weights[k];
        for (let x = index.offsets[k], end = index.offsets[k + 1]; x < end; x++) g[gj + index.rows[x]] += wk;
      }
    }
    return res;
  }

  /** diag(X diag(w) X'): each row's sum of the weights of its columns (all ones for null: the count of its 1s). */
  weightedRowSums(weights: ArrayLike<number> | null): Float64Array {
    if (weights !== null && weights.length !== this.cols)
      throw new ShapeError(`diag(X diag(w) X'): ${weights.length} weights for ${this.cols} columns`);
    const out = new Float64Array(this.rows);
    const { offsets, columns } = this;
    for (let i = 0; i < this.rows; i++) {
      let s = 0;
      for (let q = offsets[i]; q < offsets[i + 1]; q++) s += weights === null ? 1 : weights[columns[q]];
      out[i] = s;
    }
    return out;
  }

  /** For each column, the rows with a 1 there, ascending. */
  private columnIndex(): { offsets: Int32Array; rows: Int32Array } {
    if (this.byColumn) return this.byColumn;
    const { offsets, columns } = this;
    const counts = new Int32Array(this.cols + 1);
    for (let q = 0; q < columns.length; q++) counts[columns[q] + 1]++;
    for (let b = 0; b < this.cols; b++) counts[b + 1] += counts[b];
    const fill = counts.slice(0, this.cols);
    const rows = new Int32Array(columns.length);
    for (let i = 0; i < this.rows; i++) for (let q = offsets[i]; q < offsets[i + 1]; q++) rows[fill[columns[q]]++] = i;
    this.byColumn = { offsets: counts, rows };
    return this.byColumn;
  }
}

/** Copies the upper triangle of a square row-major matrix onto the lower one, in cache-sized tiles. */
function mirrorUpper(a: FloatArray, n: number): void {
  const B = 64;
  for (let ib = 0; ib < n; ib += B) {
    const iEnd = Math.min(ib + B, n);
    for (let jb = 0; jb <= ib; jb += B) {
      for (let i = ib; i < iEnd; i++) {
        const jEnd = Math.min(jb + B, i);
        for (let j = jb; j < jEnd; j++) a[i * n + j] = a[j * n + i];
      }
    }
  }
}

/**
 * out[at .. at + w) += the rows idx[from .. to) of src (each w wide): the inner loop of the one-hot products (X M sums
 * rows of M, X' S rows of S), eight rows at a time with a fixed grouping of the sum.
 */
function addRows(
  out: Float64Array,
  at: number,
  src: FloatArray,
  idx: Int32Array,
  from: number,
  to: number,
  w: number,
): void {
  let q = from;
  for (; q + 8 <= to; q += 8) {
    const a0 = idx[q] * w;
    const a1 = idx[q + 1] * w;
    const a2 = idx[q + 2] * w;
    const a3 = idx[q + 3] * w;
    const a4 = idx[q + 4] * w;
    const a5 = idx[q + 5] * w;
    const a6 = idx[q + 6] * w;
    const a7 = idx[q + 7] * w;
    for (let k = 0; k < w; k++)
      out[at + k] +=
        src[a0 + k] +
        src[a1 + k] +
        (src[a2 + k] + src[a3 + k]) +
        (src[a4 + k] + src[a5 + k] + (src[a6 + k] + src[a7 + k]));
  }
  for (; q < to; q++) {
    const a = idx[q] * w;
    for (let k = 0; k < w; k++) out[at + k] += src[a + k];
  }
}

/** The rows of all the parts, in order: one-hot when they all are, else dense. */
export function stackFeatures(parts: Features[]): Features {
  if (parts.length === 1) return parts[0];
  if (parts.every((p) => p instanceof OneHotFeatures)) return OneHotFeatures.stack(parts as OneHotFeatures[]);
  return new DenseFeatures(stackRows(parts.map((p) => p.dense())));
}

/** The rows of the matrices, in order (same columns and dtype). */
export function stackRows(ms: Matrix[]): Matrix {
  const out = new Matrix(
    ms.reduce((a, m) => a + m.rows, 0),
    ms[0].cols,
    ms[0].dtype,
  );
  let off = 0;
  for (const m of ms) {
    out.data.set(m.data, off);
    off += m.data.length;
  }
  return out;
}
