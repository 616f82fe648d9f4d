import * as fs from 'fs';
import { ModelFileError } from '../core/errors';
import { crc32 } from '../core/crc32';
import { DType, FloatArray, allocate } from '../linalg/matrix';
import { bytesOf, checkDType, checkFiniteValues, decodeArray, lengthOf, mapEncoded } from './serialize';

/**
 * The binary model file (docs/reliability.md, "Model files"), version 2:
 *   bytes 0-7   "RFMLAB02" (the last digit is the container's format version; "RFMLAB01" files are still read)
 *   bytes 8-11  uint32 LE: length L of the JSON header
 *   bytes 12-15 uint32 LE: CRC-32 of the JSON header
 *   then the header (the model object with each array replaced by { dtype, shape, offset, crc32 }), zero padding to
 *   a multiple of 8, and each array's little-endian bytes at its 8-byte-aligned offset from there.
 * Version 1 had no checksums and a 12-byte prefix. Written and read in chunks (a path or a stream), so a model
 * over 2 GB never needs one buffer or one string of its size; packBinary / unpackBinary are the in-memory forms.
 */

const MAGIC_STEM = 'RFMLAB0';
const VERSION = 2;
/** Bytes per write or checksum call: bounded, so that no call sees a buffer over 2 GB. */
const CHUNK = 64 * 2 ** 20;

interface Entry {
  dtype: DType;
  shape: number[];
  offset: number;
  crc32?: number;
}

interface Layout {
  prefix: Uint8Array;
  blobs: Array<{ data: FloatArray; offset: number }>;
  total: number;
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

function checksum(bytes: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < bytes.length; i += CHUNK) c = crc32(bytes.subarray(i, Math.min(i + CHUNK, bytes.length)), c);
  return c;
}

function layoutOf(model: object): Layout {
  const blobs: Layout['blobs'] = [];
  let offset = 0;
  const header = mapEncoded(model, (e) => {
    const data = 'data' in e ? e.data : decodeArray(e, 'array');
    const entry: Entry = { dtype: e.dtype, shape: e.shape, offset, crc32: checksum(bytesOf(data)) };
    blobs.push({ data, offset });
    offset += align8(data.byteLength);
    return entry;
  });
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const start = align8(16 + json.byteLength);
  const prefix = new Uint8Array(start);
  prefix.set(Buffer.from(MAGIC_STEM + VERSION, 'latin1'), 0);
  const view = new DataView(prefix.buffer);
  view.setUint32(8, json.byteLength, true);
  view.setUint32(12, crc32(json), true);
  prefix.set(json, 16);
  return { prefix, blobs, total: start + offset };
}

/** The file's bytes in order, in pieces of at most CHUNK bytes (views of the model's arrays, not copies). */
function* chunksOf(layout: Layout): Generator<Uint8Array> {
  yield layout.prefix;
  for (const { data } of layout.blobs) {
    const bytes = bytesOf(data);
    for (let i = 0; i < bytes.length; i += CHUNK) yield bytes.subarray(i, Math.min(i + CHUNK, bytes.length));
    const pad = align8(bytes.length) - bytes.length;
    if (pad > 0) yield new Uint8Array(pad);
  }
}

export function packBinary(model: object): Uint8Array {
  const layout = layoutOf(model);
  const out = new Uint8Array(layout.total);
  let pos = 0;
  for (const chunk of chunksOf(layout)) {
    out.set(chunk, pos);
    pos += chunk.length;
  }
  return out;
}

interface Prefix {
  version: number;
  length: number;
  headerCrc?: number;
  size: number;
}

function parsePrefix(b: Uint8Array): Prefix {
  if (b.length < 8 || Buffer.from(b.subarray(0, 7)).toString('latin1') !== MAGIC_STEM) {
    throw new ModelFileError('not an rfm-lab binary model (bad magic)');
  }
  const version = b[7] - 48;
  if (version !== 1 && version !== 2) {
    throw new ModelFileError(
      `unknown binary model format version ${String.fromCharCode(b[7])} (this rfm-lab reads 1 and 2)`,
    );
  }
  const size = version === 1 ? 12 : 16;
  if (b.length < size)
    throw new ModelFileError(`binary model is truncated: ${b.length} bytes, the header alone needs ${size}`);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    version,
    length: view.getUint32(8, true),
    headerCrc: version === 1 ? undefined : view.getUint32(12, true),
    size,
  };
}

function parseHeader(json: Uint8Array, p: Prefix): unknown {
  if (json.length < p.length) throw new ModelFileError(`binary model is truncated inside its ${p.length}-byte header`);
  if (p.headerCrc !== undefined && crc32(json) !== p.headerCrc) {
    throw new ModelFileError('binary model header checksum mismatch (CRC-32): the file is corrupted');
  }
  try {
    return JSON.parse(Buffer.from(json).toString('utf8'));
  } catch (e) {
    throw new ModelFileError(`binary model header is not valid JSON: ${(e as Error).message}`);
  }
}

function isEntry(v: unknown): v is Entry {
  return typeof v === 'object' && v !== null && 'dtype' in v && 'shape' in v && 'offset' in v;
}

/** The header's array entries in walk order, validated; `rebuild` puts the arrays back in the same order. */
function entriesOf(header: unknown): Entry[] {
  const entries: Entry[] = [];
  mapEntries(header, (e) => {
    const name = `array ${entries.length}`;
    checkDType(e.dtype, name);
    lengthOf(e.shape, name);
    if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset % 8 !== 0)
      throw new ModelFileError(`${name}: invalid offset ${String(e.offset)}`);
    entries.push(e);
    return e;
  });
  return entries;
}

function mapEntries(v: unknown, f: (e: Entry) => unknown): unknown {
  if (isEntry(v)) return f(v);
  if (Array.isArray(v)) return v.map((x) => mapEntries(x, f));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = mapEntries(x, f);
    return out;
  }
  return v;
}

function rebuild(header: unknown, arrays: FloatArray[]): unknown {
  let i = 0;
  return mapEntries(header, (e) => ({ dtype: e.dtype, shape: e.shape, data: arrays[i++] }));
}

/** After an array's bytes are in: its checksum (version 2) and finiteness. */
function verify(data: FloatArray, e: Entry, index: number): void {
  if (e.crc32 !== undefined && checksum(bytesOf(data)) !== e.crc32) {
    throw new ModelFileError(
      `array ${index} (${e.shape.join(' x ')} ${e.dtype}): checksum mismatch (CRC-32): the model file is corrupted`,
    );
  }
  checkFiniteValues(data, `array ${index} (${e.shape.join(' x ')} ${e.dtype})`);
}

export function unpackBinary(bytes: Uint8Array): unknown {
  const p = parsePrefix(bytes.subarray(0, 16));
  const header = parseHeader(bytes.subarray(p.size, p.size + p.length), p);
  const start = align8(p.size + p.length);
  const arrays = entriesOf(header).map((e, index) => {
    const data = allocate(e.dtype, lengthOf(e.shape, 'array'));
    const from = start + e.offset;
    if (from + data.byteLength > bytes.byteLength)
      throw new ModelFileError(`binary model is truncated: array ${index} ends past the end of the file`);
    bytesOf(data).set(bytes.subarray(from, from + data.byteLength));
    verify(data, e, index);
    return data;
  });
  return rebuild(header, arrays);
}

/**
 * Writes a model object (raw arrays) as a binary model file. To a path: through a temporary file in the same folder,
 * renamed at the end, so that a failed save never leaves a half-written model where a good one was. To a stream:
 * chunk by chunk, waiting for 'drain' (the stream is not ended).
 */
export async function writeModelFile(model: object, target: string | NodeJS.WritableStream): Promise<void> {
  const layout = layoutOf(model);
  if (typeof target !== 'string') {
    for (const chunk of chunksOf(layout)) await writeToStream(target, chunk);
    return;
  }
  const temporary = `${target}.partial-${process.pid}`;
  const handle = await fs.promises.open(temporary, 'w').catch((e: NodeJS.ErrnoException) => {
    throw new ModelFileError(`cannot write the model to ${target}: ${e.code ?? e.message}`);
  });
  try {
    for (const chunk of chunksOf(layout)) {
      for (let done = 0; done < chunk.length;)
        done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
    }
    await handle.close();
    await fs.promises.rename(temporary, target);
  } catch (e) {
    await handle.close().catch(() => undefined);
    await fs.promises.unlink(temporary).catch(() => undefined);
    throw e;
  }
}

function writeToStream(stream: NodeJS.WritableStream, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    stream.once('error', onError);
    const done = (): void => {
      stream.removeListener('error', onError);
      resolve();
    };
    if (stream.write(chunk)) done();
    else stream.once('drain', done);
  });
}

/** Reads exactly the bytes asked for from a stream of chunks; running out is a truncated file. */
class ChunkReader {
  private chunk = new Uint8Array(0);
  private pos = 0;
  constructor(private readonly chunks: AsyncIterator<Uint8Array | string>) {}

  async readInto(dst: Uint8Array, what: string): Promise<void> {
    for (let filled = 0; filled < dst.length;) {
      if (this.pos === this.chunk.length) {
        const next = await this.chunks.next();
        if (next.done) throw new ModelFileError(`binary model is truncated: the file ends inside ${what}`);
        this.chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'latin1') : next.value;
        this.pos = 0;
      }
      const n = Math.min(dst.length - filled, this.chunk.length - this.pos);
      dst.set(this.chunk.subarray(this.pos, this.pos + n), filled);
      filled += n;
      this.pos += n;
    }
  }

  async read(n: number, what: string): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    await this.readInto(out, what);
    return out;
  }
}

async function openForReading(path: string): Promise<NodeJS.ReadableStream> {
  const stat = await fs.promises.stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new ModelFileError(
      e.code === 'ENOENT' ? `no model file at ${path}` : `cannot read ${path}: ${e.code ?? e.message}`,
    );
  });
  if (stat.isDirectory()) throw new ModelFileError(`${path} is a directory, not a model file`);
  return fs.createReadStream(path, { highWaterMark: 16 * 2 ** 20 });
}

/** Reads a binary model file (a path or a readable stream) back into a model object, checking it as it goes. */
export async function readModelFile(source: string | NodeJS.ReadableStream): Promise<unknown> {
  const stream = typeof source === 'string' ? await openForReading(source) : source;
  const reader = new ChunkReader((stream as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]());
  try {
    const first = await reader.read(12, 'its prefix');
    const rest = first[7] === 48 + 2 ? await reader.read(4, 'its prefix') : new Uint8Array(0);
    const p = parsePrefix(Buffer.concat([first, rest]));
    const header = parseHeader(await reader.read(p.length, 'its header'), p);
    let position = p.size + p.length;
    const start = align8(position);
    const entries = entriesOf(header);
    const order = entries.map((_, i) => i).sort((a, b) => entries[a].offset - entries[b].offset);
    const arrays: FloatArray[] = new Array(entries.length);
    for (const index of order) {
      const e = entries[index];
      if (start + e.offset < position) throw new ModelFileError(`array ${index}: overlapping offset ${e.offset}`);
      await reader.read(start + e.offset - position, 'padding');
      const data = allocate(e.dtype, lengthOf(e.shape, 'array'));
      await reader.readInto(bytesOf(data), `array ${index}`);
      verify(data, e, index);
      arrays[index] = data;
      position = start + e.offset + data.byteLength;
    }
    return rebuild(header, arrays);
  } finally {
    if (typeof source === 'string') (stream as fs.ReadStream).destroy();
  }
}
