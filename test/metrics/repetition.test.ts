import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distinctNgramRatio } from '../../src/metrics/repetition';

test('distinct 4-gram ratio: 1 for text without repeats, low for a loop, 1 below n characters', () => {
  assert.equal(distinctNgramRatio('abcdefgh'), 1);
  // "abab...": 4-grams alternate between "abab" and "baba".
  assert.equal(distinctNgramRatio('abababababab'), 2 / 9);
  assert.equal(distinctNgramRatio('the sinews and the sinews and the sinews'), 15 / 37);
  assert.equal(distinctNgramRatio('abc'), 1);
  assert.equal(distinctNgramRatio('aaaa', 2), 1 / 3);
  assert.throws(() => distinctNgramRatio('abc', 0), /n must be a positive integer/);
});
