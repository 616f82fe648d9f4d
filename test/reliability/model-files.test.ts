import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { ModelFileError } from '../../src/core/errors';
import { crc32, crc32Js } from '../../src/core/crc32';
import { KernelRegressor } from '../../src/kernels/kernel-regressor';
import { Matrix } from '../../src/linalg/matrix';
import { Rng } from '../../src/random';
import { RFM } from '../../src/rfm/rfm';

// Issue 13, items 4 and 5: model files carry a format version and checksums, are checked on load (a named
// ModelFileError, never NaN predictions or a SyntaxError), and are written and read in chunks so large models save.

function data(n: number, d: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Matrix(n, d);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal();
  const y = Matrix.column(Array.from({ length: n }, (_, i) => x.get(i, 0) * x.get(i, 1)));
  return { x, y };
}

async function fitted(): Promise<RFM> {
  const { x, y } = data(30, 4, 1);
  return new RFM({ bandwidth: 5, iterations: 2 }).fit(x, y);
}

const named = (pattern: RegExp) => (e: Error) => e instanceof ModelFileError && pattern.test(e.message);

function tmp(name: string): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rfm-lab-reliability-')), name);
}

test('crc32: the standard check value, and the fallback agrees with node zlib', () => {
  const b = Buffer.from('123456789');
  assert.equal(crc32(b), 0xcbf43926);
  assert.equal(crc32Js(b), 0xcbf43926);
  const r = new Uint8Array(10_000).map((_, i) => (i * 2654435761) >>> 24);
  assert.equal(crc32Js(r.subarray(37), crc32Js(r.subarray(0, 37))), crc32(r));
});

test('item 4: a flipped byte in the data of a JSON model is a checksum error, not NaN or 1e154 predictions', async () => {
  const json = JSON.parse(JSON.stringify(await fitted())) as { model: { alpha: { base64: string } } };
  const bytes = Buffer.from(json.model.alpha.base64, 'base64');
  bytes[5] ^= 0x40;
  json.model.alpha.base64 = bytes.toString('base64');
  assert.throws(() => RFM.fromJSON(json), named(/alpha: checksum mismatch \(CRC-32\)/));
});

test('item 4: a flipped byte in a binary model (data or header) is a checksum error', async () => {
  const bin = (await fitted()).toBinary();
  const data = bin.slice();
  data[data.length - 3] ^= 0x10;
  assert.throws(() => RFM.fromBinary(data), named(/checksum mismatch/));
  const header = bin.slice();
  header[40] ^= 0x01;
  assert.throws(() => RFM.fromBinary(header), named(/header checksum mismatch/));
});

test('item 4: an old (version 1, no checksum) file with a corrupted number is caught by the finiteness check', async () => {
  const json = JSON.parse(JSON.stringify(await fitted())) as Record<string, any>;
  json.version = 1;
  delete json.model.alpha.crc32;
  const bytes = Buffer.from(json.model.alpha.base64, 'base64');
  bytes.writeDoubleLE(NaN, 8);
  json.model.alpha.base64 = bytes.toString('base64');
  assert.throws(() => RFM.fromJSON(json), named(/alpha contains NaN at index 1: the model file is corrupted/));
});

test('item 4: version 99, a header cut short, missing fields and text that is not JSON are named errors', async () => {
  const rfm = await fitted();
  const json = JSON.parse(JSON.stringify(rfm)) as Record<string, unknown>;
  assert.throws(() => RFM.fromJSON({ ...json, version: 99 }), named(/unknown format version 99/));
  const bin = rfm.toBinary();
  for (const cut of [5, 10, 14, 40])
    assert.throws(() => RFM.fromBinary(bin.subarray(0, cut)), named(/truncated|bad magic/));
  assert.throws(() => RFM.fromBinary(bin.subarray(0, bin.length - 100)), named(/truncated/));
  const wrongVersion = bin.slice();
  wrongVersion[7] = '9'.charCodeAt(0);
  assert.throws(() => RFM.fromBinary(wrongVersion), named(/unknown binary model format version 9/));
  for (const field of ['history', 'model', 'summary', 'temperature']) {
    const { [field]: _dropped, ...rest } = json;
    assert.throws(() => RFM.fromJSON(rest), named(new RegExp(`field "${field}" is missing`)));
  }
  const { alpha: _a, ...modelWithoutAlpha } = json.model as Record<string, unknown>;
  assert.throws(() => RFM.fromJSON({ ...json, model: modelWithoutAlpha }), named(/alpha: missing/));
  assert.throws(() => RFM.fromJSON(JSON.stringify(json).slice(0, 200)), named(/not valid JSON/));
  const kr = JSON.parse(
    JSON.stringify(await new KernelRegressor({ bandwidth: 3 }).fit(data(10, 2, 2).x, data(10, 2, 2).y)),
  ) as Record<string, any>;
  assert.throws(() => KernelRegressor.fromJSON({ ...kr, version: 99 }), named(/unknown format version 99/));
  delete kr.state.temperature;
  assert.throws(() => KernelRegressor.fromJSON(kr), named(/field "temperature" is missing/));
});

test('item 5: save/load through a file path and through streams round-trip; a directory or missing file is named', async () => {
  const rfm = await fitted();
  const z = data(5, 4, 9).x;
  const expected = Array.from((await rfm.predict(z)).data);
  const file = tmp('model.rfm');
  await rfm.save(file);
  assert.deepEqual(Array.from((await (await RFM.load(file)).predict(z)).data), expected);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['model.rfm'], 'no temporary file left behind');
  const pipe = new PassThrough({ highWaterMark: 64 });
  const chunks: Buffer[] = [];
  pipe.on('data', (c: Buffer) => chunks.push(c));
  await rfm.save(pipe);
  pipe.end();
  assert.ok(chunks.length > 1, 'written in several chunks');
  const back = await RFM.load(fs.createReadStream(file, { highWaterMark: 100 }));
  assert.deepEqual(Array.from((await back.predict(z)).data), expected);
  assert.deepEqual(Buffer.concat(chunks), fs.readFileSync(file));
  await assert.rejects(RFM.load(path.dirname(file)), named(/is a directory, not a model file/));
  await assert.rejects(RFM.load(file + '.missing'), named(/no model file at/));
  fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 30));
  await assert.rejects(RFM.load(file), named(/truncated/));
});

test('item 5: a model with a 400 MB array: toJSON names the problem and the fix, toBinary works', async () => {
  const n = 2;
  const d = 25_000_000;
  const x = new Matrix(n, d);
  for (let i = 0; i < x.data.length; i++) x.data[i] = (i % 1000) / 1000 + (i >= d ? 0.5 : 0);
  const y = Matrix.column([1, 2]);
  const model = await new KernelRegressor({ bandwidth: 1e4 }).fit(x, y);
  assert.throws(() => model.toJSON(), named(/too large for JSON.*await model.save\(path\)/));
  const back = KernelRegressor.fromBinary(model.toBinary());
  assert.deepEqual(Array.from((await back.predict(x)).data), Array.from((await model.predict(x)).data));
});

const FREE_GIB = os.freemem() / 2 ** 30;

test(
  'item 5: a model over 2 GB round-trips through a file (written and read in chunks)',
  { skip: FREE_GIB < 8 ? `needs 8 GiB of free memory, this machine has ${FREE_GIB.toFixed(1)} GiB free` : false },
  async () => {
    // n = 4 points of d = 2^26 + 1024 features in the dual form: X alone is 2 GiB + 32 KiB, the model a bit more.
    const n = 4;
    const d = 2 ** 26 + 1024;
    let x: Matrix | undefined = new Matrix(n, d);
    for (let j = 0; j < 1013; j++) x.data[j] = j / 1013;
    for (let filled = 1013; filled < d; filled *= 2) x.data.copyWithin(filled, 0, Math.min(filled, d - filled));
    for (let i = 1; i < n; i++) x.data.subarray(i * d, (i + 1) * d).set(x.data.subarray(0, d).map((v) => v + 0.25 * i));
    const rfm = await new RFM({ form: 'dual', iterations: 1, bandwidth: 1e4 }).fit(x, Matrix.column([1, 2, 3, 4]));
    const x0 = x.data.slice(0, d);
    x = undefined; // the model holds its own copy
    const z = new Matrix(1, d);
    z.data.set(x0.map((v) => v + 0.1));
    const expected = Array.from((await rfm.predict(z)).data);
    const file = tmp('large.rfm');
    await rfm.save(file);
    const size = fs.statSync(file).size;
    assert.ok(size > 2 ** 31, `file of ${size} bytes`);
    const back = await RFM.load(file);
    assert.deepEqual(Array.from((await back.predict(z)).data), expected);
    fs.rmSync(path.dirname(file), { recursive: true });
  },
);
