import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmaxRows, labelAccuracy as accuracy } from '../../src/metrics/classification';

test('accuracy counts exact matches; argmaxRows takes the first maximum of each row', () => {
  assert.equal(accuracy([1, 2, 3, 4], [1, 0, 3, 0]), 0.5);
  assert.deepEqual(Array.from(argmaxRows({ rows: 2, cols: 3, data: [0.1, 0.7, 0.2, 0.5, 0.5, 0] })), [1, 0]);
  assert.throws(() => accuracy([1], [1, 2]), /1 predictions for 2 targets/);
  assert.throws(() => accuracy([], []), /no examples/);
  assert.throws(() => argmaxRows({ rows: 2, cols: 2, data: [1, 2, 3] }), /3 values for 2 x 2/);
});
