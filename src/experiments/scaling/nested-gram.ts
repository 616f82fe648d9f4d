import type { Backend } from '../../linalg/backend';
import { FloatArray, Matrix } from '../../linalg/matrix';

/**
 * Gram matrices of nested feature sets (docs/rfm-math.md section 5): as d grows to d + k, the unscaled X X' gains the
 * rank-k update X_new X_new', so a sweep over d costs one pass over the features in all, not one Gram per d.
 * With the study's 1/sqrt(d) scaling the Gram at d is the unscaled one divided by d.
 */
export class NestedGram {
  private readonly train: Matrix;
  private readonly cross: Matrix;
  private readonly trainNorms: Float64Array;
  private readonly crossNorms: Float64Array;
  private columns = 0;
  private out?: { train: Matrix; trainNorms: Float64Array; cross: Array<{ gram: Matrix; norms: Float64Array }> };

  /**
   * @param x all points' unscaled features (rows), from which columns are added in order
   * @param trainRows rows of the training points (the Gram's columns)
   * @param otherRows rows of the points scored against them (validation, test)
   */
  constructor(
    private readonly backend: Backend,
    private readonly x: Matrix,
    private readonly trainRows: Int32Array,
    private readonly otherRows: Int32Array,
  ) {
    this.train = new Matrix(trainRows.length, trainRows.length);
    this.cross = new Matrix(otherRows.length, trainRows.length);
    this.trainNorms = new Float64Array(trainRows.length);
    this.crossNorms = new Float64Array(otherRows.length);
  }

  get features(): number {
    return this.columns;
  }

  /** Adds features [features, d) to the unscaled Grams. */
  async growTo(d: number): Promise<void> {
    if (d < this.columns || d > this.x.cols)
      throw new RangeError(`NestedGram: cannot grow from ${this.columns} to ${d} features (have ${this.x.cols})`);
    if (d === this.columns) return;
    const a = this.block(this.trainRows, this.columns, d);
    const b = this.block(this.otherRows, this.columns, d);
    await this.backend.syrk(a, { beta: 1, out: this.train });
    await this.backend.gemm(b, a, { transB: true, beta: 1, out: this.cross });
    addInto(this.trainNorms, this.backend.rowSquaredNorms(a));
    addInto(this.crossNorms, this.backend.rowSquaredNorms(b));
    this.columns = d;
  }

  /**
   * The Grams of the features scaled by 1/sqrt(d): train X X' (n x n) with its squared norms, and for the given rows
   * of the other points (indices into otherRows) Z X' (m x n) with theirs; each copied and scaled in one pass.
   * The matrices are this object's buffers, overwritten by the next call (RFM.fit copies its inputs, so a sweep over d
   * allocates them once instead of once per fit).
   */
  scaled(otherRows: Int32Array[]): {
    train: Matrix;
    trainNorms: Float64Array;
    cross: Array<{ gram: Matrix; norms: Float64Array }>;
  } {
    const s = 1 / this.columns;
    const n = this.trainRows.length;
    const out = (this.out ??= { train: new Matrix(n, n), trainNorms: new Float64Array(n), cross: [] });
    scaleInto(this.train.data, s, out.train.data);
    scaleInto(this.trainNorms, s, out.trainNorms);
    return {
      train: out.train,
      trainNorms: out.trainNorms,
      cross: otherRows.map((rows, k) => {
        if (out.cross[k]?.gram.rows !== rows.length)
          out.cross[k] = { gram: new Matrix(rows.length, n), norms: new Float64Array(rows.length) };
        const { gram, norms } = out.cross[k];
        for (let r = 0; r < rows.length; r++) {
          const from = rows[r] * n;
          for (let i = 0; i < n; i++) gram.data[r * n + i] = this.cross.data[from + i] * s;
          norms[r] = this.crossNorms[rows[r]] * s;
        }
        return { gram, norms };
      }),
    };
  }

  private block(rows: Int32Array, from: number, to: number): Matrix {
    const k = to - from;
    const out = new Matrix(rows.length, k);
    for (let r = 0; r < rows.length; r++) {
      const off = rows[r] * this.x.cols + from;
      out.data.set(this.x.data.subarray(off, off + k), r * k);
    }
    return out;
  }
}

function addInto(into: Float64Array, values: ArrayLike<number>): void {
  for (let i = 0; i < into.length; i++) into[i] += values[i];
}

function scaleInto(from: ArrayLike<number>, s: number, into: FloatArray): void {
  for (let i = 0; i < into.length; i++) into[i] = from[i] * s;
}
