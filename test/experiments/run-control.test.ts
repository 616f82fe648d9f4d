import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CancelledError, OptionError } from '../../src/core/errors';
import { modelWiseSweep } from '../../src/experiments/double-descent/model-wise';
import { ridgeSweep } from '../../src/experiments/double-descent/ridge';
import { sampleWiseSweep } from '../../src/experiments/double-descent/sample-wise';
import { scalingFeatureLearning } from '../../src/experiments/feature-learning/experiment';
import { runScalingTest } from '../../src/experiments/scaling/experiment';
import { runTextExperiment } from '../../src/experiments/text/experiment';

/** Every study's run function takes (config, { onProgress, signal }) and stops with a CancelledError when aborted. */

const aborted = (): AbortSignal => {
  const c = new AbortController();
  c.abort();
  return c.signal;
};

const runs: [string, (control: object) => Promise<unknown>][] = [
  ['runScalingTest', (c) => runScalingTest({ trials: 1, dims: [10] }, c)],
  ['modelWiseSweep', (c) => modelWiseSweep({ dim: 3, train: 10, test: 10, trials: 1, features: [5] }, c)],
  ['sampleWiseSweep', (c) => sampleWiseSweep({ dim: 3, samples: [5, 10], test: 10, trials: 1 }, c)],
  ['ridgeSweep', (c) => ridgeSweep({ dim: 3, train: 10, test: 10, ridges: [1], trials: 1 }, c)],
  [
    'scalingFeatureLearning',
    (c) => scalingFeatureLearning({ dim: 5, train: 20, validation: 10, test: 10, variants: [] }, c),
  ],
  ['runTextExperiment', (c) => runTextExperiment({}, c)],
];

test('an aborted signal stops every study before its first step', async () => {
  for (const [name, run] of runs) {
    await assert.rejects(
      run({ signal: aborted() }),
      (e: Error) => e instanceof CancelledError && /cancelled/.test(e.message),
      name,
    );
  }
});

test('a progress callback in place of the control object, or an unknown key, is an OptionError', async () => {
  for (const [name, run] of runs) {
    await assert.rejects(
      run((() => undefined) as never),
      (e: Error) => e instanceof OptionError && /\{ onProgress: callback \}/.test(e.message),
      name,
    );
    await assert.rejects(
      run({ onProgres: () => undefined }),
      (e: Error) => e instanceof OptionError && /unknown option "onProgres"/.test(e.message),
      name,
    );
  }
});

test('aborting during a sweep stops it at the next step', async () => {
  const controller = new AbortController();
  let steps = 0;
  await assert.rejects(
    modelWiseSweep(
      { dim: 3, train: 10, test: 10, trials: 2, features: [2, 5, 10, 20] },
      {
        signal: controller.signal,
        onProgress: () => {
          if (++steps === 2) controller.abort();
        },
      },
    ),
    CancelledError,
  );
  assert.equal(steps, 2);
});
