import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleWiseSweep } from '../../src/experiments/double-descent/sample-wise';
import { ridgeSweep } from '../../src/experiments/double-descent/ridge';
import { curvesFigure } from '../../src/experiments/common/curves-figure';
import { OptionError } from '../../src/core/errors';

test('sample-wise: one curve per model, ridge and noise level; the random-features control peaks at n = p', async () => {
  let events = 0;
  const result = await sampleWiseSweep(
    {
      dim: 5,
      samples: [5, 10, 15, 20, 25, 30, 40, 60],
      test: 100,
      ridges: [0, 0.1],
      labelNoise: [0, 0.5],
      features: 20,
      rfmIterations: 1,
      trials: 2,
      seed: 2,
    },
    { onProgress: () => events++ },
  );
  assert.equal(result.curves.length, 3 * 2 * 2);
  assert.equal(events, 2 * 12 * 8);
  const control = result.curves.find((c) => c.model === 'random-features' && c.ridge === 0 && c.labelNoise === 0.5)!;
  assert.equal(control.shape.maxX, 20);
  for (const c of result.curves) {
    assert.equal(c.trials.length, 2);
    assert.ok(
      c.mse.mean.every((v) => Number.isFinite(v) && v > 0),
      c.name,
    );
  }
  const fig = curvesFigure(
    result.curves.filter((c) => c.labelNoise === 0),
    { title: 't', xTitle: 'n', marker: { x: 20, label: 'n = p' } },
  );
  assert.equal(fig.data.length, 6 * 3);
  await assert.rejects(sampleWiseSweep({ samples: [1, 5] }), OptionError);
  await assert.rejects(sampleWiseSweep({ models: ['mlp' as never] }), OptionError);
  await assert.rejects(sampleWiseSweep({ ridge: 0 } as never), OptionError);
});

test('ridge sweep: one curve per model and noise level over the ridges; a large ridge underfits', async () => {
  const result = await ridgeSweep({
    dim: 5,
    train: 30,
    test: 100,
    ridges: [1e-4, 1e-2, 1, 100],
    labelNoise: [0.5],
    rfmIterations: 1,
    trials: 2,
  });
  assert.deepEqual(
    result.curves.map((c) => c.name),
    ['Laplace kernel, noise 0.5', 'RFM, noise 0.5'],
  );
  for (const c of result.curves) {
    assert.deepEqual(c.x, [1e-4, 1e-2, 1, 100]);
    assert.ok(c.mse.mean[3] > c.mse.mean[0], `${c.name}: ${c.mse.mean}`);
    // At lambda = 100 the predictions shrink towards 0, so the error approaches Var(y).
    assert.ok(c.normalised.mean[3] > 0.5 && c.normalised.mean[3] < 1.2, `${c.name}: ${c.normalised.mean[3]}`);
  }
  await assert.rejects(ridgeSweep({ ridges: [0, 1] }), OptionError);
});
