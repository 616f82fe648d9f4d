import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/random';

test('the same seed gives the same stream; nearby seeds give different ones', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(
    Array.from({ length: 5 }, () => b.next()),
    xs,
  );
  const c = new Rng(43);
  assert.notDeepEqual(
    Array.from({ length: 5 }, () => c.next()),
    xs,
  );
  assert.notEqual(new Rng(0).next(), new Rng(1).next());
  assert.notEqual(new Rng(2 ** 32).next(), new Rng(0).next(), 'seeds above 2^32 are not truncated to their low bits');
});

test('next() is uniform on [0, 1), int(n) on [0, n)', () => {
  const rng = new Rng(1);
  const n = 100_000;
  let sum = 0;
  const bins = new Array(10).fill(0);
  for (let i = 0; i < n; i++) {
    const x = rng.next();
    assert.ok(x >= 0 && x < 1);
    sum += x;
    bins[Math.floor(x * 10)]++;
  }
  assert.ok(Math.abs(sum / n - 0.5) < 0.005);
  for (const b of bins) assert.ok(Math.abs(b / n - 0.1) < 0.005);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 70_000; i++) counts[rng.int(7)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 400);
});

test('normal() has mean 0 and variance 1', () => {
  const rng = new Rng(2);
  const n = 200_000;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const z = rng.normal();
    s += z;
    s2 += z * z;
  }
  assert.ok(Math.abs(s / n) < 0.01);
  assert.ok(Math.abs(s2 / n - 1) < 0.01);
});

test('shuffle permutes in place; choice follows the weights', () => {
  const rng = new Rng(3);
  const array = Array.from({ length: 20 }, (_, i) => i);
  const same = rng.shuffle(array);
  assert.equal(same, array);
  assert.deepEqual(
    array.slice().sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i),
  );
  assert.notDeepEqual(
    array,
    Array.from({ length: 20 }, (_, i) => i),
  );
  const typed = rng.shuffle(Int32Array.from([1, 2, 3, 4]));
  assert.deepEqual(Array.from(typed).sort(), [1, 2, 3, 4]);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 60_000; i++) counts[rng.choice([1, 0, 2, 3])]++;
  assert.equal(counts[1], 0);
  assert.ok(Math.abs(counts[0] / 60_000 - 1 / 6) < 0.01 && Math.abs(counts[3] / 60_000 - 0.5) < 0.01);
});

test('bad arguments are errors', () => {
  assert.throws(() => new Rng(NaN), /seed must be an integer/);
  const rng = new Rng(0);
  assert.throws(() => rng.int(0), /positive integer/);
  assert.throws(() => rng.choice([0, 0]), /all zero/);
  assert.throws(() => rng.choice([1, NaN]), /weight 1 is NaN/);
  assert.throws(() => rng.choice([1, -1]), /weight 1 is -1/);
});
