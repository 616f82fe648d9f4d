import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryError } from '../../src/core/errors';
import { KneserNeyModel } from '../../src/ngram/kneser-ney';
import { estimateNgramMemory } from '../../src/ngram/counts';
import { Vocabulary } from '../../src/text/vocab';

// Issue 13, item 3: Kneser-Ney with a large order on a long text is refused before counting, with an estimate,
// instead of the process dying of V8 heap exhaustion minutes later.

function text(length: number): string {
  const words = ['the ', 'clocks ', 'were ', 'striking ', 'thirteen', '. ', 'Winston ', 'Smith ', 'his ', 'chin '];
  let s = '';
  let state = 7;
  while (s.length < length) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    s += words[state % words.length];
  }
  return s.slice(0, length);
}

test('item 3: order 100 on a 180,000-character text is refused up front, naming the estimate and an order that fits', () => {
  const vocab = Vocabulary.fromText(text(180_000));
  const codes = vocab.encode(text(180_000));
  const t0 = performance.now();
  assert.throws(
    () => KneserNeyModel.fit(vocab, codes, { order: 100 }),
    (e: Error) =>
      e instanceof MemoryError &&
      /n-gram counts of order 100 over 180000 characters \(up to \d+ contexts\) needs? about [\d.]+ GiB/.test(
        e.message,
      ) &&
      /use order <= \d+ on this text/.test(e.message),
  );
  assert.ok(performance.now() - t0 < 2000, 'refused before counting');
});

test('item 3: the estimate bounds what counting uses; a moderate order still fits', () => {
  const e = estimateNgramMemory(180_000, 30, 100);
  assert.ok(e.contexts > 99 * 170_000);
  const small = text(20_000);
  const vocab = Vocabulary.fromText(small);
  const model = KneserNeyModel.fit(vocab, vocab.encode(small), { order: 6 });
  const p = model.nextDistribution(vocab.encode('the cl'));
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9);
});
