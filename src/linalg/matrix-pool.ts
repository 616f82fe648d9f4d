import { DType, Matrix } from './matrix';

/**
 * Spare work matrices of finished fits, reused by the next fits: a dual fit at n = 640 allocates ~25 matrices of n^2
 * values (1.6 MB each in float32), and allocating them anew in every fit of a sweep made the garbage collector the
 * largest cost on the main thread. A matrix is given back only when nothing reads it again, and a taken matrix holds
 * stale values: its taker overwrites every entry before reading any. Bounded in bytes; beyond the bound a given
 * matrix is left to the garbage collector.
 */
export class MatrixPool {
  private readonly spare: Matrix[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** A rows x cols matrix of `dtype`: a spare one (stale values) or a new one (zeros). */
  take(rows: number, cols: number, dtype: DType): Matrix {
    const i = this.spare.findIndex((m) => m.rows === rows && m.cols === cols && m.dtype === dtype);
    if (i < 0) return new Matrix(rows, cols, dtype);
    const m = this.spare.splice(i, 1)[0];
    this.bytes -= m.data.byteLength;
    return m;
  }

  /** Gives `m` back; the caller and everything it handed `m` to must never read or write it again. */
  give(m: Matrix): void {
    if (this.spare.includes(m) || this.bytes + m.data.byteLength > this.maxBytes) return;
    this.spare.push(m);
    this.bytes += m.data.byteLength;
  }
}

/**
 * The dual engines' pool. 256 MB holds the work matrices of 4 concurrent fits at n = 640 in float64 (scaling test's
 * default), or of one fit at n = 2000 in float32.
 */
export const WORK_MATRICES = new MatrixPool(256 * 1024 * 1024);
