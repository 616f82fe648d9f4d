import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddKModel } from '../../src/ngram/add-k';
import { fitNgram } from '../../src/ngram/fit-ngram';
import { Vocabulary } from '../../src/text/vocab';

const small = new Vocabulary(['a', 'b', 'c', '<UNK>']);

test('add-k: (c(h w) + k) / (c(h) + k V), uniform for an unseen context, shorter contexts at the start', () => {
  const model = AddKModel.fit(small, small.encode('abab'), { order: 2, k: 0.5 });
  // After "a": b twice. (0 + .5, 2 + .5, .5, .5) / (2 + 2).
  assert.deepEqual(Array.from(model.nextDistribution(small.encode('a'))), [0.125, 0.625, 0.125, 0.125]);
  assert.deepEqual(Array.from(model.nextDistribution(small.encode('c'))), [0.25, 0.25, 0.25, 0.25]);
  // Empty context: unigram counts a 2, b 2.
  assert.deepEqual(Array.from(model.nextDistribution([])), [2.5 / 6, 2.5 / 6, 0.5 / 6, 0.5 / 6]);
  assert.ok(fitNgram(small, small.encode('abc'), { smoothing: 'add-k', order: 2 }) instanceof AddKModel);
  assert.throws(() => AddKModel.fit(small, small.encode('ab'), { order: 2, k: 0 }), /k must be a positive number/);
});
