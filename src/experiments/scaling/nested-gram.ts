import type { Backend } from '../../linalg/backend';
import { scaleInPlace } from '../../linalg/elementwise';
import { Matrix } from '../../linalg/matrix';

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
   */
  scaled(otherRows: Int32Array[]): {
    train: Matrix;
    trainNorms: Float64Array;
    cross: Array<{ gram: Matrix; norms: Float64Array }>;
  } {
    const s = 1 / this.columns;
    const n = this.trainRows.length;
    return {
      train: scale(this.train, s),
      trainNorms: this.trainNorms.map((v) => v * s),
      cross: otherRows.map((rows) => {
        const gram = new Matrix(rows.length, n);
        for (let r = 0; r < rows.length; r++) {
          const from = rows[r] * n;
          for (let i = 0; i < n; i++) gram.data[r * n + i] = this.cross.data[from + i] * s;
        }
        return { gram, norms: Float64Array.from(rows, (r) => this.crossNorms[r] * s) };
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

function scale(m: Matrix, s: number): Matrix {
  const out = m.clone();
  scaleInPlace(out, s);
  return out;
}
