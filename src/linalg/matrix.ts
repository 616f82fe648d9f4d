import { DTypeError, EmptyMatrixError, NonFiniteError, ShapeError, DataError, RfmLabError } from '../core/errors';
import { SCAN, scanValues } from './value-scan';

export type DType = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;

export function allocate(dtype: DType, length: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
}

export function dtypeOf(data: FloatArray): DType {
  return data instanceof Float32Array ? 'float32' : 'float64';
}

/** Machine epsilon of a dtype. */
export function epsOf(dtype: DType): number {
  return dtype === 'float32' ? 1.1920928955078125e-7 : 2.220446049250313e-16;
}

/**
 * A dense row-major matrix over a typed array. The array is public so backends (and the native addon) work on the
 * memory in place, without copies.
 */
export class Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: FloatArray;

  constructor(rows: number, cols: number, data?: FloatArray | DType) {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new ShapeError(`matrix shape must be non-negative integers, got ${rows} x ${cols}`);
    }
    this.rows = rows;
    this.cols = cols;
    if (typeof data === 'string') {
      this.data = allocate(data, rows * cols);
    } else if (data === undefined) {
      this.data = new Float64Array(rows * cols);
    } else {
      if (!(data instanceof Float64Array || data instanceof Float32Array)) {
        throw new DTypeError('matrix data must be a Float64Array or a Float32Array');
      }
      if (data.length !== rows * cols) {
        throw new ShapeError(`matrix data has ${data.length} values, a ${rows} x ${cols} matrix needs ${rows * cols}`);
      }
      this.data = data;
    }
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  get size(): number {
    return this.rows * this.cols;
  }

  static zeros(rows: number, cols: number, dtype: DType = 'float64'): Matrix {
    return new Matrix(rows, cols, dtype);
  }

  static identity(n: number, dtype: DType = 'float64'): Matrix {
    const m = new Matrix(n, n, dtype);
    for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
    return m;
  }

  /** From nested arrays (rows of equal length). */
  static from(rows: ArrayLike<ArrayLike<number>>, dtype: DType = 'float64'): Matrix {
    const r = rows.length;
    const c = r === 0 ? 0 : rows[0].length;
    const m = new Matrix(r, c, dtype);
    for (let i = 0; i < r; i++) {
      const row = rows[i];
      if (row === null || typeof row !== 'object' || row.length !== c) {
        throw new ShapeError(`row ${i} has ${describeRow(row)}, row 0 has ${c} values`);
      }
      for (let j = 0; j < c; j++) m.data[i * c + j] = numberAt(row[j], `row ${i}, column ${j}`);
    }
    return m;
  }

  /** A column vector (n x 1) from values. */
  static column(values: ArrayLike<number>, dtype: DType = 'float64'): Matrix {
    const m = new Matrix(values.length, 1, dtype);
    for (let i = 0; i < values.length; i++) m.data[i] = numberAt(values[i], `index ${i}`);
    return m;
  }

  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  set(i: number, j: number, v: number): void {
    this.data[i * this.cols + j] = v;
  }

  /** A view of row i (shares memory). */
  row(i: number): FloatArray {
    return this.data.subarray(i * this.cols, (i + 1) * this.cols);
  }

  clone(): Matrix {
    return new Matrix(this.rows, this.cols, this.data.slice());
  }

  astype(dtype: DType): Matrix {
    if (dtype === this.dtype) return this;
    const out = allocate(dtype, this.size);
    out.set(this.data);
    return new Matrix(this.rows, this.cols, out);
  }

  transpose(): Matrix {
    const out = new Matrix(this.cols, this.rows, this.dtype);
    const { rows, cols, data } = this;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out.data[j * rows + i] = data[i * cols + j];
    return out;
  }

  /** Rows selected by index, copied. */
  selectRows(indices: ArrayLike<number>): Matrix {
    const out = new Matrix(indices.length, this.cols, this.dtype);
    for (let r = 0; r < indices.length; r++) {
      const i = indices[r];
      if (!Number.isInteger(i) || i < 0 || i >= this.rows)
        throw new ShapeError(`row index ${i} out of range 0..${this.rows - 1}`);
      out.data.set(this.row(i), r * this.cols);
    }
    return out;
  }

  /** The first `count` columns, copied. */
  leadingColumns(count: number): Matrix {
    if (count > this.cols) throw new ShapeError(`asked for ${count} columns of a matrix with ${this.cols}`);
    const out = new Matrix(this.rows, count, this.dtype);
    for (let i = 0; i < this.rows; i++)
      out.data.set(this.data.subarray(i * this.cols, i * this.cols + count), i * count);
    return out;
  }

  diagonal(): Float64Array {
    const n = Math.min(this.rows, this.cols);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.data[i * this.cols + i];
    return out;
  }

  toArray(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(Array.from(this.row(i)));
    return out;
  }
}

/** Accepts a Matrix or nested arrays, so notebook users can pass plain data. */
export type MatrixLike = Matrix | ArrayLike<ArrayLike<number>>;

/** A value of a plain array that must be a number: null, undefined or a string would silently become 0 or NaN. */
function numberAt(v: unknown, where: string): number {
  if (typeof v !== 'number')
    throw new DataError(`expected a number at ${where}, got ${v === null ? 'null' : typeof v}`);
  return v;
}

function describeRow(row: unknown): string {
  if (row === null || row === undefined) return String(row);
  const length = (row as { length?: unknown }).length;
  return typeof length === 'number' ? `${length} values` : `a ${typeof row} (not an array of numbers)`;
}

export function toMatrix(x: MatrixLike, name: string, dtype: DType = 'float64'): Matrix {
  if (x instanceof Matrix) return x.astype(dtype);
  if (x === null || x === undefined || typeof x.length !== 'number') {
    throw new ShapeError(`${name} must be a Matrix or an array of rows`);
  }
  try {
    return Matrix.from(x, dtype);
  } catch (e) {
    if (e instanceof RfmLabError) e.message = `${name}: ${e.message}`;
    throw e;
  }
}

export function assertNonEmpty(m: Matrix, name: string): void {
  if (m.rows === 0 || m.cols === 0) throw new EmptyMatrixError(`${name} is empty (${m.rows} x ${m.cols})`);
}

/** Large arrays are scanned in the addon when it loads (value-scan.ts; ~5x faster); the loop finds the culprit. */
const NATIVE_FINITE_SCAN_FROM = 1 << 14;

export function assertFinite(m: Matrix | FloatArray, name: string): void {
  const data = m instanceof Matrix ? m.data : m;
  if (data.length >= NATIVE_FINITE_SCAN_FROM) {
    const bits = scanValues(data, 1, data.length);
    if (bits !== undefined && (bits & SCAN.nonFinite) === 0) return;
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v || v === Infinity || v === -Infinity) {
      const where = m instanceof Matrix ? `row ${Math.floor(i / m.cols)}, column ${i % m.cols}` : `index ${i}`;
      throw new NonFiniteError(`${name} contains ${v} at ${where}`);
    }
  }
}

export function assertSquare(m: Matrix, name: string): void {
  if (m.rows !== m.cols) throw new ShapeError(`${name} must be square, got ${m.rows} x ${m.cols}`);
}

export function assertShape(m: Matrix, rows: number, cols: number, name: string): void {
  if (m.rows !== rows || m.cols !== cols) {
    throw new ShapeError(`${name} must be ${rows} x ${cols}, got ${m.rows} x ${m.cols}`);
  }
}

export function assertSameDtype(name: string, ...ms: Matrix[]): void {
  const d = ms[0].dtype;
  for (const m of ms) {
    if (m.dtype !== d) throw new DTypeError(`${name}: operands mix ${d} and ${m.dtype}`);
  }
}
