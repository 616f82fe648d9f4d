import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix } from '../../src/linalg/matrix';
import { Mlp } from '../../src/nn/mlp';
import { trainMlp } from '../../src/nn/train';
import { Rng } from '../../src/random';

function task(seed: number): { x: Matrix; y: Matrix } {
  const rng = new Rng(seed);
  const x = new Matrix(64, 4);
  const y = new Matrix(64, 1);
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 4; j++) x.set(i, j, rng.normal());
    y.data[i] = Math.sin(x.get(i, 0)) + 0.5 * x.get(i, 1);
  }
  return { x, y };
}

async function trainedWeights(initSeed: number, orderSeed: number): Promise<{ weights: number[]; loss: number[] }> {
  const { x, y } = task(1);
  const net = await Mlp.create({ inputDim: 4, hidden: [16, 16], outputDim: 1, seed: initSeed });
  try {
    const history = await trainMlp(net, x, y, {
      epochs: 30,
      batchSize: 16,
      learningRate: 0.01,
      weightDecay: 1e-4,
      seed: orderSeed,
    });
    const layers = await net.layers();
    return { weights: layers.flatMap((l) => [...l.weights.data, ...l.bias]), loss: history.map((h) => h.loss) };
  } finally {
    net.dispose();
  }
}

test('training is repeatable with the same seeds and learns', async () => {
  const a = await trainedWeights(7, 8);
  const b = await trainedWeights(7, 8);
  const c = await trainedWeights(7, 9);
  assert.deepEqual(a.weights, b.weights);
  assert.notDeepEqual(a.weights, c.weights);
  assert.ok(a.loss[a.loss.length - 1] < 0.2 * a.loss[0], `loss went from ${a.loss[0]} to ${a.loss[a.loss.length - 1]}`);
});

test("the neural feature matrix is W1 W1' of the first layer (the paper's W1' W1)", async () => {
  const net = await Mlp.create({ inputDim: 3, hidden: [5], outputDim: 2, seed: 4, initScale: 0.5 });
  try {
    const [first] = await net.layers();
    const nfm = await net.neuralFeatureMatrix();
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let h = 0; h < 5; h++) s += first.weights.get(i, h) * first.weights.get(j, h);
        assert.ok(Math.abs(nfm.get(i, j) - s) < 1e-12);
      }
    }
  } finally {
    net.dispose();
  }
});

test('options are checked', async () => {
  await assert.rejects(Mlp.create({ inputDim: 3, hidden: [], outputDim: 1, seed: 0 }), /at least one hidden layer/);
  await assert.rejects(
    Mlp.create({ inputDim: 3, hidden: [4], outputDim: 1, seed: 0, init: 'he' } as never),
    /unknown option "init"/,
  );
  const net = await Mlp.create({ inputDim: 4, hidden: [4], outputDim: 1, seed: 0 });
  try {
    const { x, y } = task(2);
    await assert.rejects(
      trainMlp(net, x, y, { epochs: 1, batchSize: 8, learningRate: 0.1, seed: 0, momentum: 0.9 } as never),
      /unknown option "momentum"/,
    );
    await assert.rejects(
      trainMlp(net, x, new Matrix(63, 1), { epochs: 1, batchSize: 8, learningRate: 0.1, seed: 0 }),
      /y must be 64 x 1/,
    );
    await assert.rejects(
      trainMlp(net, x, y, { epochs: 1, batchSize: 8, learningRate: -1, seed: 0 }),
      /learningRate must be a positive number/,
    );
  } finally {
    net.dispose();
  }
});
