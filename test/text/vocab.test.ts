import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STUDY_SYMBOLS, UNK, Vocabulary, ZERO_ROW } from '../../src/text/vocab';

test('the study preset has its 50 symbols in order, lowercases, and maps unknown characters to <UNK>', () => {
  const vocab = Vocabulary.study();
  assert.equal(vocab.size, 50);
  assert.equal(STUDY_SYMBOLS.join(''), ' abcdefghijklmnopqrstuvwxyz0123456789.,!?\u2019:;-_&()' + UNK);
  assert.equal(vocab.unkIndex, 49);
  const codes = vocab.encode('It’s 1984: “War”\n');
  assert.deepEqual(Array.from(codes.subarray(0, 4)), [9, 20, 41, 19]);
  assert.equal(vocab.decode(codes), 'it’s 1984: \uFFFDwar\uFFFD\uFFFD');
  assert.equal(vocab.decode(codes, { unknown: UNK }), `it’s 1984: ${UNK}war${UNK}${UNK}`);
});

test("the study's unknown policy: unknown printable ASCII -> <UNK>, newline and non-ASCII -> all-zero row", () => {
  const vocab = Vocabulary.study({ unknown: 'study' });
  const codes = vocab.encode('a"b\n“c');
  assert.deepEqual(Array.from(codes), [1, vocab.unkIndex, 2, ZERO_ROW, ZERO_ROW, 3]);
  assert.equal(vocab.decode(codes, { unknown: '#', zero: '_' }), 'a#b__c');
});

test('custom vocabularies: explicit symbols or built from a text by frequency', () => {
  const abc = new Vocabulary(['a', 'b', 'c', UNK]);
  assert.deepEqual(Array.from(abc.encode('abcA')), [0, 1, 2, 3], 'no lowercasing unless asked');
  const fromText = Vocabulary.fromText('banana bread', { maxSize: 4 });
  assert.deepEqual(fromText.symbols, ['a', 'b', 'n', UNK]);
  const strict = new Vocabulary(['x', 'y']);
  assert.throws(() => strict.encode('xz'), /"z" \(U\+007A\) is not in the vocabulary and there is no <UNK>/);
});

test('bad vocabularies and options are errors', () => {
  assert.throws(() => new Vocabulary([]), /no symbols/);
  assert.throws(() => new Vocabulary(['a', 'a']), /appears twice/);
  assert.throws(() => new Vocabulary(['ab']), /must be one character/);
  assert.throws(() => new Vocabulary(['A'], { lowercase: true }), /can never match/);
  assert.throws(() => Vocabulary.study({ lower: true } as never), /unknown option "lower"/);
  assert.throws(() => Vocabulary.study({ unknown: 'drop' as never }), /unknown must be/);
  assert.throws(() => Vocabulary.study().decode([50]), /outside \[0, 50\)/);
});
