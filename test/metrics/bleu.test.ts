import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brevityPenalty, charTokens, corpusBleu, sentenceBleu, studyBleu, wordTokens } from '../../src/metrics/bleu';

// Reference values from nltk 3.10 and sacrebleu 2.6 (word level, whitespace tokens).
const catRefs = [wordTokens('the cat is on the mat'), wordTokens('there is a cat on the mat')];
const catHyp = wordTokens('the cat the cat on the mat');
const aprilRefs = [wordTokens('it was a bright cold day in april')];
const aprilHyp = wordTokens('it is a cold day');

function close(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} != ${expected}`);
}

test('sentence BLEU matches nltk: BLEU-4 and BLEU-2 with two references', () => {
  close(sentenceBleu(catRefs, catHyp), 0.4671379777);
  close(sentenceBleu(catRefs, catHyp, { weights: [0.5, 0.5] }), 0.6900655593);
});

test('no 3-gram match: unsmoothed BLEU-4 is 0, smoothing method 1 gives 0.0741554368; BLEU-2 0.2454360250', () => {
  assert.equal(sentenceBleu(aprilRefs, aprilHyp), 0);
  close(sentenceBleu(aprilRefs, aprilHyp, { smoothing: 'method1' }), 0.0741554368);
  close(sentenceBleu(aprilRefs, aprilHyp, { weights: [0.5, 0.5] }), 0.245436025);
});

test('corpus BLEU-4 pools counts over sentences: 0.2753476575', () => {
  close(corpusBleu([catRefs, aprilRefs], [catHyp, aprilHyp]), 0.2753476575);
  assert.notEqual(
    corpusBleu([catRefs, aprilRefs], [catHyp, aprilHyp]),
    (sentenceBleu(catRefs, catHyp) + sentenceBleu(aprilRefs, aprilHyp)) / 2,
  );
});

test('character-level BLEU works on the same machinery', () => {
  assert.equal(sentenceBleu([charTokens('the cat')], charTokens('the cat')), 1);
  const score = sentenceBleu([charTokens('the cat sat')], charTokens('the bat sat'), { weights: [0.5, 0.5] });
  // 10 of 11 characters match; 8 of 10 bigrams survive the substitution.
  close(score, Math.sqrt((10 / 11) * (8 / 10)));
});

test("the study's BLEU: a 16-character hypothesis against a 28-character reference is capped at exp(1 - 28/16) = 0.4724", () => {
  const reference = 'it was a bright cold day in ';
  assert.equal(reference.length, 28);
  const perfectPrefix = reference.slice(0, 16);
  const cap = Math.exp(1 - 28 / 16);
  close(studyBleu(perfectPrefix, reference), cap);
  close(cap, 0.4723665527);
  assert.equal(brevityPenalty(28, 16), cap);
  assert.ok(studyBleu('eat the i tor su', reference) < cap);
});

test('bad BLEU input is an error', () => {
  assert.throws(() => sentenceBleu([['a']], ['a'], { weights: [] }), /weights must be/);
  assert.throws(() => sentenceBleu([['a']], ['a'], { smoothing: 'method7' as never }), /smoothing must be/);
  assert.throws(() => sentenceBleu([['a']], ['a'], { order: 2 } as never), /unknown option "order"/);
  assert.throws(() => sentenceBleu([], ['a']), /at least one reference/);
  assert.throws(() => sentenceBleu(['a b' as never], ['a']), /token array/);
  assert.throws(() => corpusBleu([[['a']]], [['a'], ['b']]), /2 hypotheses but 1 reference sets/);
});
