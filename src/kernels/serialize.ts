import { DTypeError, ShapeError } from '../core';
import { DType, FloatArray, Matrix, allocate, dtypeOf } from '../linalg/matrix';

/**
 * Numeric arrays inside a model's JSON: little-endian bytes in base64 (JSON.stringify-able), or the typed array
 * itself while a model is packed into / unpacked from the binary container below (no base64 round trip).
 */
export type EncodedArray =
  | { dtype: DType; shape: number[]; base64: string }
  | { dtype: DType; shape: number[]; data: FloatArray };

export function encodeArray(a: FloatArray, shape: number[]): EncodedArray {
  return { dtype: dtypeOf(a), shape, base64: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') };
}

export function encodeMatrix(m: Matrix): EncodedArray {
  return encodeArray(m.data, [m.rows, m.cols]);
}

function isEncoded(v: unknown): v is EncodedArray {
  return typeof v === 'object' && v !== null && 'dtype' in v && 'shape' in v && ('base64' in v || 'data' in v);
}

export function decodeArray(e: EncodedArray, name: string): FloatArray {
  if (!isEncoded(e)) throw new ShapeError(`${name}: not an encoded array`);
  const length = e.shape.reduce((a, b) => a * b, 1);
  if ('data' in e) {
    if (e.data.length !== length) throw new ShapeError(`${name}: ${e.data.length} values for shape ${e.shape.join(' x ')}`);
    return e.data;
  }
  if (e.dtype !== 'float32' && e.dtype !== 'float64') throw new DTypeError(`${name}: unknown dtype ${String(e.dtype)}`);
  const bytes = Buffer.from(e.base64, 'base64');
  const out = allocate(e.dtype, length);
  if (bytes.byteLength !== out.byteLength) throw new ShapeError(`${name}: ${bytes.byteLength} bytes for shape ${e.shape.join(' x ')} ${e.dtype}`);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function decodeMatrix(e: EncodedArray, name: string): Matrix {
  if (!isEncoded(e) || e.shape.length !== 2) throw new ShapeError(`${name}: expected an encoded matrix`);
  return new Matrix(e.shape[0], e.shape[1], decodeArray(e, name));
}

const MAGIC = 'RFMLAB01';

function mapEncoded(value: unknown, f: (e: EncodedArray) => unknown): unknown {
  if (isEncoded(value)) return f(value);
  if (Array.isArray(value)) return value.map((v) => mapEncoded(v, f));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapEncoded(v, f);
    return out;
  }
  return value;
}

/**
 * Binary container for large models: "RFMLAB01", a uint32 (LE) header length, the JSON header, then each array's
 * raw little-endian bytes at an 8-byte-aligned offset recorded in the header. A third smaller than base64 JSON and
 * read without decoding text.
 */
export function packBinary(model: object): Uint8Array {
  const blobs: FloatArray[] = [];
  let offset = 0;
  const header = mapEncoded(model, (e) => {
    const data = 'data' in e ? e.data : decodeArray(e, 'array');
    blobs.push(data);
    const entry = { dtype: e.dtype, shape: e.shape, offset };
    offset += Math.ceil(data.byteLength / 8) * 8;
    return entry;
  });
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const start = Math.ceil((12 + json.byteLength) / 8) * 8;
  const out = new Uint8Array(start + offset);
  out.set(Buffer.from(MAGIC, 'latin1'), 0);
  new DataView(out.buffer).setUint32(8, json.byteLength, true);
  out.set(json, 12);
  let pos = start;
  for (const b of blobs) {
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), pos);
    pos += Math.ceil(b.byteLength / 8) * 8;
  }
  return out;
}

export function unpackBinary(bytes: Uint8Array): unknown {
  if (bytes.byteLength < 12 || Buffer.from(bytes.subarray(0, 8)).toString('latin1') !== MAGIC) {
    throw new ShapeError('not an rfm-lab binary model (bad magic)');
  }
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  const header = JSON.parse(Buffer.from(bytes.subarray(12, 12 + length)).toString('utf8')) as unknown;
  const start = Math.ceil((12 + length) / 8) * 8;
  const isEntry = (v: unknown): v is { dtype: DType; shape: number[]; offset: number } =>
    typeof v === 'object' && v !== null && 'dtype' in v && 'shape' in v && 'offset' in v;
  const walk = (v: unknown): unknown => {
    if (isEntry(v)) {
      const n = v.shape.reduce((a, b) => a * b, 1);
      const data = allocate(v.dtype, n);
      const byteStart = start + v.offset;
      if (byteStart + data.byteLength > bytes.byteLength) throw new ShapeError('binary model is truncated');
      new Uint8Array(data.buffer).set(bytes.subarray(byteStart, byteStart + data.byteLength));
      return { dtype: v.dtype, shape: v.shape, data };
    }
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(header);
}
