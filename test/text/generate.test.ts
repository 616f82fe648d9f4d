import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from '../../src/text/generate';
import { KneserNeyModel } from '../../src/ngram/kneser-ney';
import type { CharModel } from '../../src/text/char-model';
import { Vocabulary } from '../../src/text/vocab';

const vocab = Vocabulary.study();
const model = KneserNeyModel.fit(vocab, vocab.encode('the cat sat on the mat. '.repeat(20)), { order: 8 });

test('greedy continuation follows the most probable path and feeds each chosen character back', () => {
  const out = generate(model, 'the cat sat on the ', { length: 16 });
  assert.equal(out.text, 'mat. the cat sat');
  assert.equal(out.codes.length, 16);
  assert.ok(out.logProb < 0 && out.logProb > -5);
});

test('sampling is reproducible with a seed, varies across seeds, and temperature sharpens it', () => {
  const flat = KneserNeyModel.fit(vocab, vocab.encode('abcdefghij'.repeat(3)), { order: 1 });
  const a = generate(flat, 'x', { length: 40, mode: 'sample', seed: 1 });
  assert.deepEqual(generate(flat, 'x', { length: 40, mode: 'sample', seed: 1 }), a);
  assert.notEqual(generate(flat, 'x', { length: 40, mode: 'sample', seed: 2 }).text, a.text);
  const cold = generate(model, 'the cat sat on the ', { length: 30, mode: 'sample', temperature: 0.05, seed: 3 });
  assert.equal(
    cold.text,
    generate(model, 'the cat sat on the ', { length: 30 }).text,
    'near-zero temperature is greedy',
  );
  const steps: number[] = [];
  generate(model, 'the', { length: 3, onStep: (step) => steps.push(step) });
  assert.deepEqual(steps, [0, 1, 2]);
});

test('generation checks its options and the model it drives', () => {
  assert.throws(() => generate(model, 'a', { length: -1 }), /length must be a non-negative integer/);
  assert.throws(() => generate(model, 'a', { length: 1, mode: 'beam' as never }), /mode must be/);
  assert.throws(
    () => generate(model, 'a', { length: 1, mode: 'sample', temperature: 0 }),
    /temperature must be a positive number/,
  );
  assert.throws(() => generate(model, 'a', { length: 1, temperature: 2 }), /only applies with mode 'sample'/);
  assert.throws(() => generate(model, 'a', { length: 1, beam: 5 } as never), /unknown option "beam"/);
  const broken: CharModel = { vocab, context: 1, nextDistribution: () => new Float64Array(vocab.size).fill(0.5) };
  assert.throws(() => generate(broken, 'a', { length: 1 }), /sum to 25, not 1/);
});

test('top-k sampling draws only among the k most probable characters', () => {
  const flat = KneserNeyModel.fit(vocab, vocab.encode('aaaaabbbbcccdde'.repeat(4)), { order: 1 });
  const out = generate(flat, 'x', { length: 200, mode: 'sample', topK: 2, seed: 5 });
  assert.match(out.text, /^[ab]+$/);
  assert.ok(out.text.includes('a') && out.text.includes('b'));
  assert.equal(
    generate(flat, 'x', { length: 50, mode: 'sample', topK: 1, seed: 9 }).text,
    'a'.repeat(50),
    'top-1 sampling is greedy',
  );
  assert.throws(() => generate(flat, 'x', { length: 1, mode: 'sample', topK: 0 }), /topK must be a positive integer/);
  assert.throws(() => generate(flat, 'x', { length: 1, topK: 3 }), /topK only applies with mode 'sample'/);
});
