import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mnistFeatureLearning, scalingFeatureLearning } from '../../src/experiments/feature-learning/experiment';

test("on the scaling target the RFM's M and the network's W1'W1 concentrate on x1..x3", async () => {
  const steps: string[] = [];
  const r = await scalingFeatureLearning(
    { seed: 1, dim: 20, train: 300, validation: 60, test: 60, network: { hidden: [32, 32], epochs: 60 }, variants: [] },
    { onProgress: (p) => steps.push(`${p.done}/${p.total} ${p.step}`) },
  );
  // The top 3 x 3 block carries most of the trace (20 coordinates, so an even spread would give 0.15).
  assert.ok(r.leadingTrace.nfm > 0.5, `W1'W1: ${r.leadingTrace.nfm}`);
  assert.ok(r.leadingTrace.rfm > 0.5, `RFM M: ${r.leadingTrace.rfm}`);
  assert.ok(r.leadingTrace.agop > 0.5, `network AGOP: ${r.leadingTrace.agop}`);
  assert.ok(r.comparison.nfmVsAgop.pearson > 0.5);
  assert.deepEqual(steps, ['1/2 network trained', '2/2 RFM and Laplace kernel fitted']);
  assert.equal(r.matrices.rfm.data.length, 400);
  assert.equal(r.rfmTestByIteration.length, r.kernel.iterations + 1);
  // The results are plain data: they survive JSON unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
});

test('MNIST results hold accuracies and 784-pixel diagonals', async () => {
  const r = await mnistFeatureLearning({
    tasks: [[1, 8]],
    train: 60,
    validation: 20,
    test: 30,
    network: { hidden: [8], epochs: 2 },
    kernel: { iterations: 1 },
    variants: [],
  });
  const [task] = r.tasks;
  assert.deepEqual(task.digits, [1, 8]);
  for (const a of Object.values(task.accuracy)) assert.ok(a >= 0 && a <= 1);
  assert.equal(task.diagonals.rfm.length, 784);
  assert.equal(task.topEigenvectors.nfm.length, 784);
  assert.equal(task.rfmTestByIteration.length, 2);
  assert.deepEqual(r.variants, []);
});

test('configs reject unknown options at every level', async () => {
  await assert.rejects(scalingFeatureLearning({ dims: 10 } as never), /unknown option "dims"/);
  await assert.rejects(
    scalingFeatureLearning({ network: { width: 3 } } as never),
    /scalingFeatureLearning.network: unknown option "width"/,
  );
  await assert.rejects(
    scalingFeatureLearning({ variants: [{ initScale: 1, decay: 0 }] } as never),
    /variants\[0\]: unknown option "decay"/,
  );
  await assert.rejects(
    mnistFeatureLearning({ kernel: { lambda: 1 } } as never),
    /mnistFeatureLearning.kernel: unknown option "lambda"/,
  );
  await assert.rejects(mnistFeatureLearning({ tasks: [[1, 1]] }), /digits repeat/);
});
