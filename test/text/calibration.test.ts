import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/random';
import {
  fitTemperature,
  meanNegativeLogLikelihood as temperatureNll,
  softmaxRows,
  type ScoreMatrix,
} from '../../src/kernels/temperature';
import { CalibratedModel } from '../../src/text/calibration';

const softmaxWithTemperature = (scores: ScoreMatrix, tau: number): Float64Array =>
  softmaxRows(scores, tau).data as Float64Array;
import { Vocabulary } from '../../src/text/vocab';
import type { CodeWindows } from '../../src/text/windows';

/** Scores whose true temperature is known: targets drawn from softmax(scores / tau). */
function syntheticScores(
  tau: number,
  rows: number,
  cols: number,
  seed: number,
): { scores: ScoreMatrix; targets: Int32Array } {
  const rng = new Rng(seed);
  const data = new Float64Array(rows * cols).map(() => rng.normal());
  const scores = { rows, cols, data };
  const p = softmaxWithTemperature(scores, tau);
  const targets = new Int32Array(rows).map((_, i) => rng.choice(p.subarray(i * cols, (i + 1) * cols)));
  return { scores, targets };
}

test('softmax with temperature: rows sum to 1, stable for large scores, sharper for small tau', () => {
  const scores = { rows: 2, cols: 3, data: [1000, 1001, 1002, 0, 0, 0] };
  const p = softmaxWithTemperature(scores, 1);
  assert.ok(Math.abs(p[0] + p[1] + p[2] - 1) < 1e-12 && Number.isFinite(p[0]));
  for (const q of p.subarray(3)) assert.ok(Math.abs(q - 1 / 3) < 1e-15);
  assert.ok(softmaxWithTemperature(scores, 0.1)[2] > p[2]);
});

test('fitted temperature recovers the one that generated the targets and minimises the NLL', () => {
  for (const tau of [0.2, 1, 3]) {
    const { scores, targets } = syntheticScores(tau, 4000, 10, 5);
    const fit = fitTemperature(scores, targets);
    assert.ok(Math.abs(Math.log(fit.temperature / tau)) < 0.1, `tau ${tau}: fitted ${fit.temperature}`);
    assert.ok(!fit.atBound);
    assert.ok(Math.abs(fit.nll - temperatureNll(scores, targets, fit.temperature)) < 1e-12);
    for (const factor of [0.9, 1.1]) assert.ok(temperatureNll(scores, targets, fit.temperature * factor) > fit.nll);
  }
});

test('separable scores drive the temperature to the bottom of the range, flagged', () => {
  const scores = { rows: 2, cols: 2, data: [1, 0, 0, 1] };
  const fit = fitTemperature(scores, [0, 1], { min: 0.01, max: 100 });
  assert.ok(fit.atBound && fit.temperature < 0.011);
});

test('a calibrated model turns a window scorer into a CharModel, padding short contexts with spaces', async () => {
  const vocab = Vocabulary.study();
  const seen: number[][] = [];
  // Scores favour the symbol after the last context character.
  const scorer = async (windows: CodeWindows): Promise<ScoreMatrix> => {
    const data = new Float64Array(windows.count * vocab.size);
    for (let i = 0; i < windows.count; i++) {
      const row = Array.from(windows.codes.subarray(i * windows.context, (i + 1) * windows.context));
      seen.push(row);
      data[i * vocab.size + ((row[row.length - 1] + 1) % vocab.size)] = 1;
    }
    return { rows: windows.count, cols: vocab.size, data };
  };
  const model = new CalibratedModel(vocab, 4, scorer, 0.5);
  const p = await model.nextDistribution(vocab.encode('ab'));
  assert.deepEqual(seen[0], [0, 0, 1, 2]);
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.equal(p.indexOf(Math.max(...p)), 3);
  await assert.rejects(
    model.logProbs({ codes: new Int32Array(3), count: 1, context: 3 }),
    /windows have 3 characters, the model reads 4/,
  );
});

test('bad scores and targets are errors', () => {
  assert.throws(
    () => fitTemperature({ rows: 1, cols: 2, data: [0, NaN] }, [0]),
    /score NaN at row 0, column 1 is not finite/,
  );
  assert.throws(() => fitTemperature({ rows: 1, cols: 2, data: [0, 1] }, [2]), /target 2 at row 0/);
  assert.throws(() => fitTemperature({ rows: 2, cols: 2, data: [0, 1] }, [0, 1]), /rows \* cols values/);
  assert.throws(() => fitTemperature({ rows: 1, cols: 2, data: [0, 1] }, [0, 1]), /2 targets for 1 rows/);
  assert.throws(
    () => fitTemperature({ rows: 1, cols: 2, data: [0, 1] }, [0], { maximum: 5 } as never),
    /unknown option "maximum"/,
  );
});
