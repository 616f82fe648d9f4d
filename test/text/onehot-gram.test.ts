import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/random';
import { oneHotExpand, oneHotGram, oneHotSquaredDistances, oneHotSquaredNorms } from '../../src/text/onehot-gram';
import { ZERO_ROW } from '../../src/text/vocab';
import type { CodeWindows } from '../../src/text/windows';

function randomWindows(rng: Rng, count: number, context: number, vocabSize: number, zeroRate = 0): CodeWindows {
  const codes = new Int32Array(count * context).map(() => (rng.next() < zeroRate ? ZERO_ROW : rng.int(vocabSize)));
  return { codes, count, context };
}

function denseProduct(a: Float64Array | Float32Array, n: number, b: Float64Array | Float32Array, m: number, d: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += a[i * d + k] * b[j * d + k];
    out.push(s);
  }
  return out;
}

test('the Gram from codes equals the dense one-hot product, with and without all-zero rows', () => {
  const rng = new Rng(11);
  const V = 7;
  for (const zeroRate of [0, 0.2]) {
    const x = randomWindows(rng, 9, 5, V, zeroRate);
    const z = randomWindows(rng, 4, 5, V, zeroRate);
    const X = oneHotExpand(x, V);
    const Z = oneHotExpand(z, V);
    assert.equal(X.cols, 35);
    const gram = oneHotGram(x);
    assert.equal(gram.rows, 9);
    assert.deepEqual(Array.from(gram.data), denseProduct(X.data, 9, X.data, 9, 35));
    const cross = oneHotGram(x, z);
    assert.deepEqual([cross.rows, cross.cols], [9, 4]);
    assert.deepEqual(Array.from(cross.data), denseProduct(X.data, 9, Z.data, 4, 35));
    const norms = oneHotSquaredNorms(x);
    assert.deepEqual(Array.from(norms), Array.from({ length: 9 }, (_, i) => gram.data[i * 9 + i]));
    if (zeroRate === 0) assert.ok(norms.every((p) => p === 5), 'norm = w when every position holds a symbol');
    const d = oneHotSquaredDistances(x, z);
    const q = oneHotSquaredNorms(z);
    for (let i = 0; i < 9; i++) for (let j = 0; j < 4; j++) {
      let direct = 0;
      for (let k = 0; k < 35; k++) direct += (X.data[i * 35 + k] - Z.data[j * 35 + k]) ** 2;
      assert.equal(d.data[i * 4 + j], direct);
      assert.equal(d.data[i * 4 + j], norms[i] + q[j] - 2 * cross.data[i * 4 + j]);
    }
  }
});

test('two all-zero positions do not match, and column p V + c is position p, symbol c', () => {
  const x: CodeWindows = { codes: Int32Array.from([ZERO_ROW, 2, ZERO_ROW, 2]), count: 2, context: 2 };
  assert.deepEqual(Array.from(oneHotGram(x).data), [1, 1, 1, 1]);
  assert.deepEqual(Array.from(oneHotExpand(x, 3).data), [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
});

test('Gram of 3400 windows of 48 characters (the study size) stays fast', (t) => {
  const x = randomWindows(new Rng(1), 3400, 48, 50);
  const start = performance.now();
  const gram = oneHotGram(x);
  const ms = performance.now() - start;
  t.diagnostic(`3400 x 3400 Gram from codes in ${ms.toFixed(0)} ms`);
  assert.equal(gram.data[0], 48);
});

test('malformed windows are errors', () => {
  assert.throws(() => oneHotGram({ codes: new Int32Array(5), count: 2, context: 3 }), /has 5 codes, 2 windows of 3 need 6/);
  assert.throws(() => oneHotGram({ codes: Int32Array.from([-2]), count: 1, context: 1 }), /negative/);
  const a: CodeWindows = { codes: new Int32Array(4), count: 2, context: 2 };
  const b: CodeWindows = { codes: new Int32Array(3), count: 1, context: 3 };
  assert.throws(() => oneHotGram(a, b), /windows of 2 characters, z of 3/);
  assert.throws(() => oneHotExpand({ codes: Int32Array.from([5]), count: 1, context: 1 }, 5), /not below vocabSize 5/);
});
