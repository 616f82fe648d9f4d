import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scoreLogProbs, studyPerplexity } from '../../src/metrics/perplexity';
import {
  bitsPerCharacter,
  evaluateNextCharacter,
  heldOutScore,
  nextCharacterAccuracy,
  perplexity,
} from '../../src/text/evaluate';
import { KneserNeyModel } from '../../src/ngram/kneser-ney';
import type { CharModel } from '../../src/text/char-model';
import { Vocabulary } from '../../src/text/vocab';
import { makeWindows } from '../../src/text/windows';

const vocab = Vocabulary.study();

test('a uniform model has perplexity V and log2 V bits per character', async () => {
  const uniform: CharModel = {
    vocab,
    context: 2,
    nextDistribution: () => new Float64Array(vocab.size).fill(1 / vocab.size),
  };
  const windows = makeWindows(vocab.encode('some held-out text'), { context: 2 });
  assert.ok(Math.abs((await perplexity(uniform, windows)) - 50) < 1e-9);
  assert.ok(Math.abs((await bitsPerCharacter(uniform, windows)) - Math.log2(50)) < 1e-12);
});

test('perplexity = exp(mean NLL), bits = mean NLL / ln 2, computed from log-probabilities', () => {
  const logProbs = Float64Array.from([Math.log(0.5), Math.log(0.5), Math.log(0.25), Math.log(0.75)]);
  const score = scoreLogProbs(logProbs, [0, 1], 2);
  const nll = -(Math.log(0.5) + Math.log(0.75)) / 2;
  assert.ok(Math.abs(score.meanNll - nll) < 1e-15);
  assert.ok(Math.abs(score.perplexity - Math.exp(nll)) < 1e-15);
  assert.ok(Math.abs(score.bitsPerCharacter - nll / Math.LN2) < 1e-15);
  assert.equal(
    scoreLogProbs([0, -Infinity], [1], 2).perplexity,
    Infinity,
    'a zero probability is reported, not hidden',
  );
});

test('a trained Kneser-Ney model beats uniform on held-out text; the one-pass report agrees with the parts', async () => {
  const train = vocab.encode('the cat sat on the mat and the dog sat on the log. '.repeat(10));
  const model = KneserNeyModel.fit(vocab, train, { order: 3 });
  const windows = makeWindows(vocab.encode('the dog sat on the mat.'), { context: 5 });
  const report = await evaluateNextCharacter(model, windows);
  assert.ok(report.perplexity < 5, `perplexity ${report.perplexity}`);
  assert.deepEqual(await heldOutScore(model, windows), {
    count: report.count,
    meanNll: report.meanNll,
    perplexity: report.perplexity,
    bitsPerCharacter: report.bitsPerCharacter,
  });
  assert.equal(await nextCharacterAccuracy(model, windows), report.accuracy);
  assert.ok(report.accuracy > 0.6);
  await assert.rejects(
    heldOutScore(model, makeWindows(vocab.encode('abc'), { context: 1 })),
    /windows hold 1 characters of context, the model reads 2/,
  );
});

test("the study's 'perplexity' is 2^entropy of the generated indices, at most the string length", () => {
  assert.equal(studyPerplexity('aaaa'), 1);
  assert.equal(studyPerplexity('abcdefghijklmnop'), 16);
  assert.equal(studyPerplexity([1, 1, 2, 2]), 2);
  assert.ok(studyPerplexity('eat the i tor su') <= 16);
  assert.throws(() => studyPerplexity(''), /nothing generated/);
});

test('unscorable targets are errors', () => {
  assert.throws(() => scoreLogProbs([0, 0], [-1], 2), /all-zero row cannot be scored/);
  assert.throws(() => scoreLogProbs([0], [0], 2), /1 log-probabilities for 1 targets x 2 symbols/);
  assert.throws(() => scoreLogProbs([], [], 2), /no held-out characters/);
});
