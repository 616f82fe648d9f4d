import { test } from 'node:test';
import assert from 'node:assert/strict';
import { descentShape, quantile, summarise, throttledProgress } from '../../src/experiments/common/sweep-summary';
import { makeStudyTask } from '../../src/experiments/double-descent/data';
import { OptionError } from '../../src/core/errors';

test('summarise: mean and 2.5 / 97.5 % quantiles per column', () => {
  const s = summarise([
    [1, 10],
    [2, 20],
    [3, 30],
    [4, 40],
    [5, 50],
  ]);
  assert.deepEqual(s.mean, [3, 30]);
  assert.ok(Math.abs(s.lo[0] - 1.1) < 1e-12 && Math.abs(s.hi[0] - 4.9) < 1e-12);
  assert.equal(quantile([7], 0.975), 7);
});

test("descentShape: the study's published RFM and baseline curves, and curves without a second descent", () => {
  // Read off the study's Figure 3 (docs/study-protocol.md section A).
  const d = [10, 50, 90, 200, 550, 1000, 2000];
  const rfm = descentShape(d, [0.36, 0.024, 0.014, 0.036, 0.066, 0.057, 0.038]);
  assert.equal(rfm.peakX, 550);
  assert.ok(Math.abs(rfm.minToPeak - 0.066 / 0.014) < 1e-12);
  assert.ok(Math.abs(rfm.peakToMin - 0.066 / 0.038) < 1e-12);
  const baseline = descentShape([10, 50, 175, 500, 1000, 2000], [0.39, 0.133, 0.166, 0.123, 0.078, 0.044]);
  assert.equal(baseline.peakX, 175);
  assert.ok(Math.abs(baseline.minToPeak - 0.166 / 0.133) < 1e-12);

  const rising = descentShape([1, 2, 3, 4], [1, 0.5, 0.7, 0.9]);
  assert.equal(rising.peakIndex, -1);
  assert.equal(rising.strength, 1);
  assert.equal(rising.maxX, 1);
  assert.equal(descentShape([1, 2, 3], [3, 2, 1]).peakX, null);
  // A 5 % dip after a large rise is scatter, not a second descent; with a tolerance of 1 % it counts.
  const wiggle = [0.04, 0.3, 0.5, 0.475, 0.6, 0.9];
  assert.equal(descentShape([1, 2, 3, 4, 5, 6], wiggle).peakX, null);
  assert.equal(descentShape([1, 2, 3, 4, 5, 6], wiggle, 0.01).peakX, 3);
});

test('the study task: its target variance is the measured one; noise leaves the inputs and test labels alone', () => {
  const task = makeStudyTask({ dim: 10, train: 5, test: 20000, seed: 3 });
  const y = Array.from(task.yTest.data);
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const variance = y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length;
  assert.ok(
    Math.abs(variance / task.targetVariance - 1) < 0.05,
    `measured ${variance}, formula ${task.targetVariance}`,
  );
  const noisy = makeStudyTask({ dim: 10, train: 5, test: 20, seed: 3, labelNoise: 0.5 });
  const clean = makeStudyTask({ dim: 10, train: 5, test: 20, seed: 3 });
  assert.deepEqual(noisy.xTrain.data, clean.xTrain.data);
  assert.deepEqual(noisy.yTest.data, clean.yTest.data);
  assert.notDeepEqual(noisy.yTrain.data, clean.yTrain.data);
  assert.throws(() => makeStudyTask({ dim: 2, train: 5, test: 5, seed: 0 }), OptionError);
  assert.throws(() => makeStudyTask({ dim: 5, train: 5, test: 5, seed: 0, noise: 1 } as never), OptionError);
});

test('throttledProgress prints at most every interval, and always the last step', () => {
  const lines: string[] = [];
  const progress = throttledProgress((l) => lines.push(l), 1000);
  for (const [done, elapsedMs] of [
    [1, 10],
    [2, 500],
    [3, 1200],
    [4, 1300],
  ])
    progress({ sweep: 's', done, total: 4, label: `step ${done}`, elapsedMs });
  assert.equal(lines.length, 3);
  assert.match(lines[2], /^s: 4\/4 \(100 %\)/);
});
