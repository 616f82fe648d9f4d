import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/random';
import { KneserNeyModel } from '../../src/ngram/kneser-ney';
import { Vocabulary, ZERO_ROW } from '../../src/text/vocab';

const vocab = Vocabulary.study();
const TEXT = 'the cat sat on the mat. the dog sat on the log. a cat and a dog met on a mat by the log. '.repeat(3);

function sum(p: Float64Array): number {
  let s = 0;
  for (const x of p) s += x;
  return s;
}

test('distributions sum to 1 within 1e-12 and are strictly positive, for seen, unseen and short contexts', () => {
  const codes = vocab.encode(TEXT);
  const rng = new Rng(9);
  for (const discount of [0.75, 0.1, 1, 'estimate'] as const) {
    for (const order of [1, 2, 3, 5]) {
      const model = KneserNeyModel.fit(vocab, codes, { order, discount });
      const contexts: number[][] = [
        [],
        Array.from(vocab.encode('the c')),
        Array.from(vocab.encode('zq9(')),
        Array.from(vocab.encode('e')),
      ];
      for (let k = 0; k < 20; k++) contexts.push(Array.from({ length: rng.int(6) }, () => rng.int(vocab.size)));
      for (const context of contexts) {
        const p = model.nextDistribution(context);
        assert.equal(p.length, vocab.size);
        assert.ok(
          Math.abs(sum(p) - 1) < 1e-12,
          `order ${order}, discount ${discount}, context ${context}: sum ${sum(p)}`,
        );
        assert.ok(
          p.every((x) => x > 0),
          'every probability > 0',
        );
      }
    }
  }
});

test('interpolated Kneser-Ney matches a hand computation on a tiny corpus', () => {
  // Vocabulary {a, b, <UNK>}, text "abab", order 2, D = 0.5.
  const small = new Vocabulary(['a', 'b', '<UNK>']);
  const model = KneserNeyModel.fit(small, small.encode('abab'), { order: 2, discount: 0.5 });
  // Continuation unigram: N1+(. a) = 1 (b), N1+(. b) = 1 (a); total 2, 2 types.
  // P1(w) = max(N1+(. w) - D, 0) / 2 + D * 2 / 2 * 1/3  ->  a: 0.25 + 1/6, b: 0.25 + 1/6, <UNK>: 1/6.
  const p1 = [0.25 + 1 / 6, 0.25 + 1 / 6, 1 / 6];
  // Context "a": c(a b) = 2, c(a) = 2, one type: P(w | a) = max(c - D, 0) / 2 + D * 1 / 2 * P1(w).
  const expected = [0.25 * p1[0], 1.5 / 2 + 0.25 * p1[1], 0.25 * p1[2]];
  const p = model.nextDistribution(small.encode('a'));
  expected.forEach((e, i) => assert.ok(Math.abs(p[i] - e) < 1e-15, `P(${i} | a) = ${p[i]}, expected ${e}`));
  // Unseen context "<UNK>": all mass to the continuation unigram.
  const unseen = model.nextDistribution([2]);
  p1.forEach((e, i) => assert.ok(Math.abs(unseen[i] - e) < 1e-15));
});

test('the model learns: frequent continuations get most of the mass', () => {
  const model = KneserNeyModel.fit(vocab, vocab.encode(TEXT), { order: 4 });
  const p = model.nextDistribution(vocab.encode(' th'));
  assert.ok(p[vocab.encodeChar('e')] > 0.8);
  const discounts = KneserNeyModel.fit(vocab, vocab.encode(TEXT), { order: 3, discount: 'estimate' }).discounts;
  assert.equal(discounts.raw.length, 3);
  assert.equal(discounts.continuation.length, 2);
  for (const d of [...discounts.raw, ...discounts.continuation]) assert.ok(d >= 0.05 && d <= 0.95);
});

test('counting stops at all-zero rows and at span boundaries', () => {
  const small = new Vocabulary(['a', 'b', 'c', '<UNK>']);
  const codes = Int32Array.from([0, 1, ZERO_ROW, 2, 2]);
  const model = KneserNeyModel.fit(small, codes, { order: 2, discount: 0.5 });
  // "b" was never followed by anything (a zero row came next): its context is unseen.
  assert.deepEqual(model.nextDistribution([1]), model.nextDistribution([3]));
  // A context ending in a zero row reads as the empty context.
  assert.deepEqual(model.nextDistribution([0, ZERO_ROW]), model.nextDistribution([]));
  const spans = KneserNeyModel.fit(small, Int32Array.from([0, 1, 0, 1]), {
    order: 2,
    spans: [
      { start: 0, end: 2 },
      { start: 2, end: 4 },
    ],
  });
  const whole = KneserNeyModel.fit(small, Int32Array.from([0, 1, 0, 1]), { order: 2 });
  assert.notDeepEqual(
    spans.nextDistribution([1]),
    whole.nextDistribution([1]),
    'the b -> a across the span boundary is not counted',
  );
});

test('bad options and codes are errors', () => {
  const codes = vocab.encode(TEXT);
  assert.throws(() => KneserNeyModel.fit(vocab, codes, { order: 3, discount: 1.5 }), /discount must be in \(0, 1\]/);
  assert.throws(() => KneserNeyModel.fit(vocab, codes, { order: 0 }), /order must be a positive integer/);
  assert.throws(
    () => KneserNeyModel.fit(vocab, codes, { order: 2, smoothing: 'add-k' } as never),
    /unknown option "smoothing"/,
  );
  assert.throws(() => KneserNeyModel.fit(vocab, Int32Array.from([0, 50]), { order: 2 }), /code 50 at position 1/);
  assert.throws(() => KneserNeyModel.fit(vocab, codes, { order: 2 }).nextDistribution([60]), /context code 60/);
});
