import { DTypeError, ShapeError, ModelFileError } from '../core/errors';
import { crc32 } from '../core/crc32';
import { DType, FloatArray, Matrix, allocate, dtypeOf } from '../linalg/matrix';

/**
 * The contents of a model file (docs/reliability.md, "Model files"). A model is first a plain object whose numeric
 * arrays are raw typed arrays ({ dtype, shape, data }); it is then written either as JSON (arrays as little-endian
 * bytes in base64, each with its CRC-32) or in the binary container below (raw bytes, a CRC-32 per array and one of
 * the header). Reading checks the format and its version, every field the model needs, every checksum, and that
 * every number is finite: a corrupted or truncated file is a ModelFileError, never a model that predicts NaN.
 * model-file.ts writes and reads the binary container in chunks (a file path or a stream), for models over 2 GB.
 */
export type EncodedArray =
  | { dtype: DType; shape: number[]; base64: string; crc32?: number }
  | { dtype: DType; shape: number[]; data: FloatArray };

/** The raw form: the typed array itself (not copied; the model object is read, never kept). */
export function encodeArray(a: FloatArray, shape: number[]): EncodedArray {
  return { dtype: dtypeOf(a), shape, data: a };
}

export function encodeMatrix(m: Matrix): EncodedArray {
  return encodeArray(m.data, [m.rows, m.cols]);
}

export function bytesOf(a: FloatArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function isEncoded(v: unknown): v is EncodedArray {
  return typeof v === 'object' && v !== null && 'dtype' in v && 'shape' in v && ('base64' in v || 'data' in v);
}

/** The number of values of a shape, checked (a corrupted header could hold anything). */
export function lengthOf(shape: unknown, name: string): number {
  if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new ModelFileError(`${name}: invalid shape ${JSON.stringify(shape)}`);
  }
  return shape.reduce((a: number, b: number) => a * b, 1);
}

export function checkDType(dtype: unknown, name: string): DType {
  if (dtype !== 'float32' && dtype !== 'float64') throw new ModelFileError(`${name}: unknown dtype ${String(dtype)}`);
  return dtype;
}

/** Every value finite: a flipped byte in a file without checksums shows up here as NaN or a huge exponent. */
export function checkFiniteValues(a: FloatArray, name: string): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v !== v || v === Infinity || v === -Infinity) {
      throw new ModelFileError(`${name} contains ${v} at index ${i}: the model file is corrupted`);
    }
  }
}

export function decodeArray(e: EncodedArray, name: string): FloatArray {
  if (!isEncoded(e)) throw new ModelFileError(`${name}: missing, or not an encoded array`);
  const dtype = checkDType(e.dtype, name);
  const length = lengthOf(e.shape, name);
  let out: FloatArray;
  if ('data' in e) {
    if (e.data.length !== length)
      throw new ModelFileError(`${name}: ${e.data.length} values for shape ${e.shape.join(' x ')}`);
    out = e.data;
  } else {
    if (typeof e.base64 !== 'string') throw new ModelFileError(`${name}: base64 is not a string`);
    const bytes = Buffer.from(e.base64, 'base64');
    out = allocate(dtype, length);
    if (bytes.byteLength !== out.byteLength) {
      throw new ModelFileError(`${name}: ${bytes.byteLength} bytes for shape ${e.shape.join(' x ')} ${dtype}`);
    }
    if (e.crc32 !== undefined && crc32(bytes) !== e.crc32) {
      throw new ModelFileError(`${name}: checksum mismatch (CRC-32): the model file is corrupted`);
    }
    bytesOf(out).set(bytes);
  }
  checkFiniteValues(out, name);
  return out;
}

export function decodeMatrix(e: EncodedArray, name: string): Matrix {
  if (!isEncoded(e) || !Array.isArray(e.shape) || e.shape.length !== 2)
    throw new ModelFileError(`${name}: missing, or not an encoded matrix`);
  return new Matrix(e.shape[0], e.shape[1], decodeArray(e, name));
}

/** Applies `f` to every encoded array of a model object, keeping the rest. */
export function mapEncoded(value: unknown, f: (e: EncodedArray) => unknown): unknown {
  if (isEncoded(value)) return f(value);
  if (Array.isArray(value)) return value.map((v) => mapEncoded(v, f));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapEncoded(v, f);
    return out;
  }
  return value;
}

/** A JavaScript string holds at most 2^29 - 24 characters (V8); the JSON of a model must fit in one. */
const MAX_STRING_LENGTH = 0x1fffffe8;

/**
 * The JSON form of a model object: each array as base64 with its CRC-32. A model whose arrays would not fit in a
 * JavaScript string gets a ModelFileError pointing at the binary file API instead of V8's RangeError.
 */
export function toJSONArrays(model: object, what: string): object {
  let bytes = 0;
  mapEncoded(model, (e) => {
    bytes += 'data' in e ? e.data.byteLength : (e.base64.length * 3) / 4;
    return e;
  });
  if ((bytes / 3) * 4 > MAX_STRING_LENGTH - 16 * 2 ** 20) {
    throw new ModelFileError(
      `${what}: its arrays hold ${(bytes / 2 ** 20).toFixed(0)} MiB, too large for JSON (a JavaScript string holds ` +
        'at most 512 MiB): save it to a file with `await model.save(path)` (binary, written in chunks)',
    );
  }
  return mapEncoded(model, (e) => {
    if (!('data' in e)) return e;
    const b = bytesOf(e.data);
    return {
      dtype: e.dtype,
      shape: e.shape,
      base64: Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64'),
      crc32: crc32(b),
    };
  }) as object;
}

/** A model's JSON (a string or the parsed object) as an object, with a named error for text that is not JSON. */
export function parseModelJson(json: string | object, what: string): Record<string, unknown> {
  let o: unknown = json;
  if (typeof json === 'string') {
    try {
      o = JSON.parse(json);
    } catch (e) {
      throw new ModelFileError(`${what}: not valid JSON (a truncated or corrupted file?): ${(e as Error).message}`);
    }
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    throw new ModelFileError(`${what}: a model file must hold a JSON object`);
  return o as Record<string, unknown>;
}

type FieldKind = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'optional-array';

/** The format tag, a known version, and the fields a model needs, each of its kind. */
export function checkModelFields(
  o: Record<string, unknown>,
  format: string,
  versions: readonly number[],
  fields: Record<string, FieldKind>,
): void {
  checkFormat(o, format, versions);
  checkFields(o, fields, format);
}

function checkFormat(o: Record<string, unknown>, format: string, versions: readonly number[]): void {
  if (o.format !== format) throw new ModelFileError(`not a serialised ${format} model (format ${String(o.format)})`);
  if (!versions.includes(o.version as number)) {
    throw new ModelFileError(
      `${format}: unknown format version ${String(o.version)} (this rfm-lab reads versions ${versions.join(', ')}; ` +
        'a newer file needs a newer rfm-lab)',
    );
  }
}

/** Each of `fields` present in `o` with its kind; `what` names the object in the message. */
export function checkFields(o: Record<string, unknown>, fields: Record<string, FieldKind>, what: string): void {
  for (const [key, kind] of Object.entries(fields)) {
    const v = o[key];
    const ok =
      kind === 'array'
        ? Array.isArray(v)
        : kind === 'optional-array'
          ? v === undefined || v === null || Array.isArray(v)
          : kind === 'object'
            ? typeof v === 'object' && v !== null
            : typeof v === kind;
    if (!ok)
      throw new ModelFileError(
        `${what}: field "${key}" is missing or not a${kind === 'array' || kind === 'object' ? 'n' : ''} ${kind}`,
      );
  }
}
