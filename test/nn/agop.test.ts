import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix } from '../../src/linalg/matrix';
import { networkAgop } from '../../src/nn/agop';
import { Mlp } from '../../src/nn/mlp';
import { matrixTensor } from '../../src/nn/tf';
import { trainMlp } from '../../src/nn/train';
import { Rng } from '../../src/random';

function randomMatrix(rows: number, cols: number, rng: Rng): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal();
  return m;
}

/** The AGOP from tfjs's own autodiff: tf.grad of the sum of output k gives every point's gradient of output k. */
async function autodiffAgop(net: Mlp, x: Matrix): Promise<Matrix> {
  const tf = net.tf;
  const d = x.cols;
  const sum = new Float64Array(d * d);
  const xs = matrixTensor(tf, x);
  for (let k = 0; k < net.outputDim; k++) {
    const gradient = tf.grad((input) => tf.sum(tf.slice(net.forward(input as typeof xs), [0, k], [-1, 1])));
    const g = gradient(xs);
    const values = await g.data();
    g.dispose();
    for (let j = 0; j < x.rows; j++) {
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) sum[a * d + b] += values[j * d + a] * values[j * d + b];
    }
  }
  xs.dispose();
  return new Matrix(
    d,
    d,
    sum.map((v) => v / x.rows),
  );
}

test('the AGOP of a small trained network equals the one from tfjs gradients', async () => {
  const rng = new Rng(3);
  const x = randomMatrix(40, 6, rng);
  const y = new Matrix(40, 3);
  for (let j = 0; j < 40; j++) {
    y.set(j, 0, x.get(j, 0) * x.get(j, 1));
    y.set(j, 1, Math.abs(x.get(j, 2)));
    y.set(j, 2, x.get(j, 3) - x.get(j, 4));
  }
  const net = await Mlp.create({ inputDim: 6, hidden: [9, 7], outputDim: 3, seed: 1 });
  try {
    await trainMlp(net, x, y, { epochs: 20, batchSize: 8, learningRate: 0.01, seed: 2 });
    const probe = randomMatrix(25, 6, rng);
    // batchSize 4 makes the chunked accumulation cross several chunks, one of them partial.
    const ours = await networkAgop(net, probe, { batchSize: 4 });
    const reference = await autodiffAgop(net, probe);
    let scale = 0;
    for (const v of reference.data) scale = Math.max(scale, Math.abs(v));
    assert.ok(scale > 0);
    for (let i = 0; i < ours.data.length; i++) {
      assert.ok(
        Math.abs(ours.data[i] - reference.data[i]) <= 1e-5 * scale,
        `entry ${i}: ${ours.data[i]} vs ${reference.data[i]}`,
      );
    }
  } finally {
    net.dispose();
  }
});

test('networkAgop rejects unknown options and inputs of the wrong width', async () => {
  const net = await Mlp.create({ inputDim: 4, hidden: [5], outputDim: 1, seed: 0 });
  try {
    await assert.rejects(networkAgop(net, new Matrix(3, 4), { batch: 2 } as never), /unknown option "batch"/);
    await assert.rejects(networkAgop(net, new Matrix(3, 5)), /x has 5 columns, the network takes 4/);
  } finally {
    net.dispose();
  }
});
