import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/random';
import { fitSoftmaxLayer, softmaxLayerLogProbs } from '../../src/kernels/softmax-layer';
import { fitTemperature } from '../../src/kernels/temperature';

/** Labels drawn from softmax(beta f + gamma log f + b) with known parameters; f in (0, 1) like kernel outputs. */
function synthetic(beta: number, gamma: number, bias: number[], rows: number, seed: number) {
  const rng = new Rng(seed);
  const c = bias.length;
  const data = new Float64Array(rows * c).map(() => 0.02 + 0.9 * rng.next());
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const logits = bias.map((b, k) => beta * data[i * c + k] + gamma * Math.log(data[i * c + k]) + b);
    const max = Math.max(...logits);
    labels[i] = rng.choice(logits.map((z) => Math.exp(z - max)));
  }
  return { scores: { rows, cols: c, data }, labels };
}

test('the softmax layer recovers beta, gamma and the biases, and beats the temperature alone', () => {
  const bias = [1.5, 0, -1, -2];
  const { scores, labels } = synthetic(2, 1, bias, 20000, 1);
  const layer = fitSoftmaxLayer(scores, labels, { l2: 0 });
  assert.ok(Math.abs(layer.beta - 2) < 0.3, `beta ${layer.beta}`);
  assert.ok(Math.abs(layer.gamma - 1) < 0.15, `gamma ${layer.gamma}`);
  // The biases are identified up to a shift.
  const shift = layer.bias[0] - bias[0];
  layer.bias.forEach((b, k) => assert.ok(Math.abs(b - shift - bias[k]) < 0.1, `bias ${k}: ${b - shift} vs ${bias[k]}`));
  assert.ok(layer.nll < layer.temperatureNll - 0.05);
  assert.ok(Math.abs(layer.temperatureNll - fitTemperature(scores, labels).nll) < 1e-12);
  const logp = softmaxLayerLogProbs(layer, scores);
  let nll = 0;
  for (let i = 0; i < scores.rows; i++) {
    let total = 0;
    for (let k = 0; k < 4; k++) total += Math.exp(logp[i * 4 + k]);
    assert.ok(Math.abs(total - 1) < 1e-12);
    nll -= logp[i * 4 + labels[i]];
  }
  assert.ok(Math.abs(nll / scores.rows - layer.nll) < 1e-9);
});

test('without the log term and the biases the layer is the temperature fit', () => {
  const { scores, labels } = synthetic(3, 0, [0, 0, 0], 3000, 2);
  const layer = fitSoftmaxLayer(scores, labels, { bias: false, logScores: false });
  const t = fitTemperature(scores, labels);
  assert.equal(layer.gamma, 0);
  assert.ok(layer.bias.every((b) => b === 0));
  assert.ok(Math.abs(layer.beta - 1 / t.temperature) < 1e-4 * layer.beta);
  assert.ok(layer.nll <= t.nll + 1e-12);
});

test('the softmax layer names bad input', () => {
  const scores = { rows: 2, cols: 2, data: [0.1, 0.9, 0.8, 0.2] };
  assert.throws(() => fitSoftmaxLayer(scores, [0, 1], { floor: 0 }), /floor must be a positive number/);
  assert.throws(() => fitSoftmaxLayer(scores, [0, 1], { l2: -1 }), /l2 must be a number >= 0/);
  assert.throws(() => fitSoftmaxLayer(scores, [0, 1], { ridge: 1 } as never), /unknown option "ridge"/);
  assert.throws(() => fitSoftmaxLayer(scores, [0, -1]), /label -1 at row 1/);
  assert.throws(() => fitSoftmaxLayer(scores, [0, 2]), /target 2 at row 1/);
  const layer = fitSoftmaxLayer(scores, [1, 0]);
  assert.throws(
    () => softmaxLayerLogProbs(layer, { rows: 1, cols: 3, data: [0, 0, 0] }),
    /the layer has 2 classes, the scores 3/,
  );
});
