import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureGrid, modelWiseSweep } from '../../src/experiments/double-descent/model-wise';
import { OptionError } from '../../src/core/errors';
import type { SweepProgress } from '../../src/experiments/common/sweep-summary';

test('featureGrid runs from n/10 to 10 n and is dense around n', () => {
  const grid = featureGrid(200);
  assert.equal(grid[0], 20);
  assert.equal(grid[grid.length - 1], 2000);
  for (const p of [160, 180, 190, 200, 210, 220, 250]) assert.ok(grid.includes(p), `grid lacks ${p}`);
  for (let i = 1; i < grid.length; i++) assert.ok(grid[i] > grid[i - 1]);
});

test('a small model-wise sweep peaks within a factor 1.5 of p = n, for each feature map', async () => {
  const events: SweepProgress[] = [];
  const n = 40;
  const result = await modelWiseSweep(
    { dim: 5, train: n, test: 200, trials: 3, seed: 1, kinds: ['laplace', 'gaussian', 'rfm'], rfm: { iterations: 2 } },
    { onProgress: (e) => events.push(e) },
  );
  assert.equal(result.threshold, n);
  assert.equal(result.curves.length, 3);
  for (const c of result.curves) {
    assert.ok(
      c.shape.maxX >= n / 1.5 && c.shape.maxX <= 1.5 * n,
      `${c.name}: largest test error at p = ${c.shape.maxX}`,
    );
    assert.equal(c.trials.length, 3);
    assert.equal(c.mse.mean.length, c.x.length);
    for (let j = 0; j < c.x.length; j++) assert.ok(c.mse.lo[j] <= c.mse.mean[j] && c.mse.mean[j] <= c.mse.hi[j]);
  }
  // Interpolation from p = n on: the training error vanishes to rounding.
  const at = result.config.features.findIndex((p) => p >= 2 * n);
  for (const kind of result.trainMse)
    for (const trial of kind)
      assert.ok(trial[at] < 1e-12, `train MSE ${trial[at]} at p = ${result.config.features[at]}`);
  assert.equal(events.length, 3 * 3 * result.config.features.length);
  assert.equal(events[events.length - 1].done, events[events.length - 1].total);
  // Plain data: a JSON round trip keeps everything.
  assert.deepEqual(JSON.parse(JSON.stringify(result.curves)), result.curves);
});

test('the same seed gives the same sweep', async () => {
  const config = {
    dim: 4,
    train: 12,
    test: 30,
    trials: 2,
    seed: 5,
    kinds: ['laplace' as const],
    features: [6, 12, 24],
  };
  const a = await modelWiseSweep(config);
  const b = await modelWiseSweep(config);
  assert.deepEqual(a.curves, b.curves);
});

test('rejects unknown options and feature maps', async () => {
  await assert.rejects(modelWiseSweep({ samples: 10 } as never), OptionError);
  await assert.rejects(modelWiseSweep({ kinds: ['cauchy' as never] }), OptionError);
  await assert.rejects(modelWiseSweep({ features: [0, 10] }), OptionError);
  await assert.rejects(modelWiseSweep({ rfm: { depth: 3 } as never }), OptionError);
});
