import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from '../../src/text/generate';
import { KneserNeyModel } from '../../src/ngram/kneser-ney';
import { CancelledError } from '../../src/core/errors';
import type { CharModel } from '../../src/text/char-model';
import { Vocabulary } from '../../src/text/vocab';

const vocab = Vocabulary.study();
const model = KneserNeyModel.fit(vocab, vocab.encode('the cat sat on the mat. '.repeat(20)), { order: 8 });

test('greedy continuation follows the most probable path and feeds each chosen character back', async () => {
  const out = await generate(model, 'the cat sat on the ', { length: 16 });
  assert.equal(out.text, 'mat. the cat sat');
  assert.equal(out.codes.length, 16);
  assert.ok(out.logProb < 0 && out.logProb > -5);
});

test('sampling is reproducible with a seed, varies across seeds, and temperature sharpens it', async () => {
  const flat = KneserNeyModel.fit(vocab, vocab.encode('abcdefghij'.repeat(3)), { order: 1 });
  const a = await generate(flat, 'x', { length: 40, mode: 'sample', seed: 1 });
  assert.deepEqual(await generate(flat, 'x', { length: 40, mode: 'sample', seed: 1 }), a);
  assert.notEqual((await generate(flat, 'x', { length: 40, mode: 'sample', seed: 2 })).text, a.text);
  const cold = await generate(model, 'the cat sat on the ', { length: 30, mode: 'sample', temperature: 0.05, seed: 3 });
  assert.equal(
    cold.text,
    (await generate(model, 'the cat sat on the ', { length: 30 })).text,
    'near-zero temperature is greedy',
  );
  const steps: number[] = [];
  await generate(model, 'the', { length: 3, onStep: (step) => steps.push(step) });
  assert.deepEqual(steps, [0, 1, 2]);
});

test('generation checks its options and the model it drives', async () => {
  await assert.rejects(generate(model, 'a', { length: -1 }), /length must be a non-negative integer/);
  await assert.rejects(generate(model, 'a', { length: 1, mode: 'beam' as never }), /mode must be/);
  await assert.rejects(
    generate(model, 'a', { length: 1, mode: 'sample', temperature: 0 }),
    /temperature must be a positive number/,
  );
  await assert.rejects(generate(model, 'a', { length: 1, temperature: 2 }), /only applies with mode 'sample'/);
  await assert.rejects(generate(model, 'a', { length: 1, beam: 5 } as never), /unknown option "beam"/);
  const broken: CharModel = { vocab, context: 1, nextDistribution: () => new Float64Array(vocab.size).fill(0.5) };
  await assert.rejects(generate(broken, 'a', { length: 1 }), /sum to 25, not 1/);
});

test('generation awaits an asynchronous model, yields between characters and stops when its signal is aborted', async () => {
  const uniform = () => new Float64Array(vocab.size).fill(1 / vocab.size);
  const slow: CharModel = { vocab, context: 2, nextDistribution: async () => uniform() };
  assert.equal((await generate(slow, 'ab', { length: 5 })).codes.length, 5);
  const controller = new AbortController();
  let steps = 0;
  // Aborted from outside the generation loop (a timer): only a loop that yields to the event loop sees it.
  setImmediate(() => controller.abort());
  await assert.rejects(
    generate(slow, 'ab', { length: 100000, signal: controller.signal, onStep: () => steps++ }),
    (e: Error) => e instanceof CancelledError && /generate was cancelled/.test(e.message),
  );
  assert.ok(steps >= 1 && steps < 100000, `${steps} steps`);
});

test('top-k sampling draws only among the k most probable characters', async () => {
  const flat = KneserNeyModel.fit(vocab, vocab.encode('aaaaabbbbcccdde'.repeat(4)), { order: 1 });
  const out = await generate(flat, 'x', { length: 200, mode: 'sample', topK: 2, seed: 5 });
  assert.match(out.text, /^[ab]+$/);
  assert.ok(out.text.includes('a') && out.text.includes('b'));
  assert.equal(
    (await generate(flat, 'x', { length: 50, mode: 'sample', topK: 1, seed: 9 })).text,
    'a'.repeat(50),
    'top-1 sampling is greedy',
  );
  await assert.rejects(generate(flat, 'x', { length: 1, mode: 'sample', topK: 0 }), /topK must be a positive integer/);
  await assert.rejects(generate(flat, 'x', { length: 1, topK: 3 }), /topK only applies with mode 'sample'/);
});
