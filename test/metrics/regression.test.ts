import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Matrix } from '../../src/linalg/matrix';
import { meanSquaredError, r2Score } from '../../src/metrics/regression';

const col = (v: number[]): Matrix => new Matrix(v.length, 1, Float64Array.from(v));

test('meanSquaredError and r2Score', () => {
  assert.equal(meanSquaredError(col([1, 2, 5]), col([1, 2, 3])), 4 / 3);
  assert.equal(r2Score(col([1, 2, 3]), col([1, 2, 3])), 1);
  assert.equal(r2Score(col([2, 2, 2]), col([1, 2, 3])), 0);
  assert.equal(r2Score(col([1, 3]), col([2, 2])), 0, 'a constant truth scores 0 unless predicted exactly');
  assert.equal(r2Score(col([2, 2]), col([2, 2])), 1);
  // Two outputs are averaged uniformly.
  const y = new Matrix(3, 2, Float64Array.from([1, 0, 2, 0, 3, 1]));
  const pred = new Matrix(3, 2, Float64Array.from([1, 0, 2, 0, 3, 1]));
  assert.equal(r2Score(pred, y), 1);
  assert.throws(() => meanSquaredError(col([1]), col([1, 2])), /predictions are 1 x 1, targets 2 x 1/);
  assert.throws(() => meanSquaredError(col([1, NaN]), col([1, 2])), /mean squared error is NaN/);
});
