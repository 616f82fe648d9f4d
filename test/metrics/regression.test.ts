import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mse, r2 } from '../../src/metrics/regression';

test('mse and r2', () => {
  assert.equal(mse([1, 2, 3], [1, 2, 5]), 4 / 3);
  assert.equal(r2([1, 2, 3], [1, 2, 3]), 1);
  assert.equal(r2([1, 2, 3], [2, 2, 2]), 0);
  assert.ok(Number.isNaN(r2([2, 2], [1, 3])), 'undefined for a constant truth');
  assert.throws(() => mse([1], [1, 2]), /1 true values but 2 predictions/);
  assert.throws(() => mse([1, NaN], [1, 2]), /true value NaN at index 1/);
  assert.throws(() => r2([1, 2], [1, Infinity]), /prediction Infinity at index 1/);
});
