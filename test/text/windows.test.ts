import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Vocabulary, ZERO_ROW } from '../../src/text/vocab';
import {
  lineWindows,
  makeWindows,
  randomSplit,
  sampleWindows,
  selectWindows,
  splitByBlocks,
  studyLines,
  type Span,
} from '../../src/text/windows';

const vocab = Vocabulary.study();

test('windows hold w codes row-major and the next character as target', () => {
  const codes = vocab.encode('abcdef');
  const w = makeWindows(codes, { context: 3 });
  assert.equal(w.count, 3);
  assert.deepEqual(Array.from(w.codes), [1, 2, 3, 2, 3, 4, 3, 4, 5]);
  assert.deepEqual(Array.from(w.targets), [4, 5, 6]);
  assert.deepEqual(Array.from(w.positions), [3, 4, 5]);
  const strided = makeWindows(codes, { context: 2, stride: 2 });
  assert.deepEqual(Array.from(strided.targets), [3, 5]);
});

test('windows whose target is an all-zero row are skipped unless kept', () => {
  const codes = Int32Array.from([1, 2, ZERO_ROW, 3, 4]);
  assert.deepEqual(Array.from(makeWindows(codes, { context: 2 }).targets), [3, 4]);
  assert.deepEqual(Array.from(makeWindows(codes, { context: 2, zeroTargets: 'keep' }).targets), [ZERO_ROW, 3, 4]);
});

test('block splits: no window of one split overlaps any character of another (no leakage)', () => {
  const length = 10_000;
  const splits = splitByBlocks(length, { blocks: 20, seed: 7 });
  const owner = new Int8Array(length).fill(-1);
  (['train', 'validation', 'test'] as const).forEach((name, k) => {
    for (const s of splits[name]) owner.fill(k, s.start, s.end);
  });
  assert.ok(
    owner.every((o) => o >= 0),
    'every position belongs to one split',
  );
  const share = (spans: Span[]) => spans.reduce((n, s) => n + s.end - s.start, 0) / length;
  assert.ok(Math.abs(share(splits.train) - 0.8) < 0.01 && Math.abs(share(splits.test) - 0.1) < 0.01);
  const codes = new Int32Array(length).map((_, i) => i % 50);
  (['train', 'validation', 'test'] as const).forEach((name, k) => {
    const windows = makeWindows(codes, { context: 48, spans: splits[name] });
    for (const t of windows.positions) {
      for (let p = t - 48; p <= t; p++)
        assert.equal(owner[p], k, `${name} window ending at ${t} reaches position ${p}`);
    }
  });
  assert.deepEqual(splitByBlocks(length, { blocks: 20, seed: 7 }), splits, 'seeded');
  const sequential = splitByBlocks(100, { blocks: 10, order: 'sequential' });
  assert.deepEqual(sequential, {
    train: [{ start: 0, end: 80 }],
    validation: [{ start: 80, end: 90 }],
    test: [{ start: 90, end: 100 }],
  });
});

test('selecting and sampling windows', () => {
  const w = makeWindows(vocab.encode('the quick brown fox'), { context: 4 });
  const picked = selectWindows(w, [2, 0]);
  assert.deepEqual(Array.from(picked.codes), [...w.codes.subarray(8, 12), ...w.codes.subarray(0, 4)]);
  assert.deepEqual(Array.from(picked.targets), [w.targets[2], w.targets[0]]);
  const sample = sampleWindows(w, 5, 1);
  assert.equal(sample.count, 5);
  assert.deepEqual(sampleWindows(w, 5, 1), sample);
  assert.equal(new Set(sample.positions).size, 5, 'without replacement');
});

test("the study's sampling: lines of >= 64 characters cut to 64, one window of 48 -> the 49th character", () => {
  const long = 'x'.repeat(70);
  const text = ['short line', long, 'y'.repeat(64), 'z'.repeat(63)].join('\n');
  const lines = studyLines(text);
  assert.deepEqual(lines, ['x'.repeat(64), 'y'.repeat(64)]);
  const w = lineWindows(lines, vocab, { context: 48 });
  assert.equal(w.count, 2);
  assert.equal(w.codes.length, 96);
  assert.deepEqual(Array.from(w.targets), [vocab.encodeChar('x'), vocab.encodeChar('y')]);
  const [fit, validation, test3] = randomSplit(lines, [1, 1, 0], 3);
  assert.equal(fit.length + validation.length + test3.length, 2);
  assert.throws(() => randomSplit(lines, [2, 1], 0), /only 2 items/);
});

test('bad window and split options are errors', () => {
  const codes = vocab.encode('abc');
  assert.throws(() => makeWindows(codes, { context: 0 }), /context must be a positive integer/);
  assert.throws(() => makeWindows(codes, { context: 2, strides: 2 } as never), /unknown option "strides"/);
  assert.throws(() => makeWindows(codes, { context: 1, spans: [{ start: 0, end: 9 }] }), /not inside the text/);
  assert.throws(() => splitByBlocks(100, { fractions: { train: 0.8, validation: 0.3, test: 0.1 } }), /sum to 1/);
  assert.throws(() => splitByBlocks(5, { blocks: 10 }), /cannot cut 5 positions into 10 blocks/);
});
