import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  FeatureMatrixComparison,
  MnistFeatureResult,
  MnistTaskResult,
  ScalingFeatureResult,
} from '../../src/experiments/feature-learning/experiment';
import {
  accuracyTable,
  mnistImagesFigure,
  mnistVariantsTable,
  scalingMatricesFigure,
  scalingVariantsTable,
  similarityTable,
} from '../../src/experiments/feature-learning/figures';

const same = { pearson: 0.9, cosine: 0.91, topEigenvectorAngle: 5 };
const comparison: FeatureMatrixComparison = { nfmVsAgop: same, nfmVsRfm: same, agopVsRfm: same };
const matrix = (scale: number) => ({
  rows: 4,
  cols: 4,
  data: Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? scale : -scale / 4)),
});
const network = { hidden: [8], initScale: 0.1, weightDecay: 1e-3, epochs: 1, batchSize: 4, learningRate: 1e-3 };
const kernel = { bandwidth: 1, ridge: 1e-3, iterations: 2 };

const scaling: ScalingFeatureResult = {
  dim: 4,
  target: 'code',
  sizes: { train: 10, validation: 5, test: 5 },
  network,
  kernel,
  tfBackend: 'wasm',
  targetVariance: 25,
  testMse: { network: 1, laplace: 2, rfm: 1.5 },
  rfmIteration: 1,
  rfmTestByIteration: [2, 1.5, 1.6],
  networkLoss: [1],
  matrices: { nfm: matrix(2), agop: matrix(30), rfm: matrix(0.5) },
  leadingTrace: { nfm: 0.8, agop: 0.9, rfm: 0.95 },
  comparison,
  eigenvalueShares: { nfm: [0.5], agop: [0.6], rfm: [0.7] },
  variants: [{ initScale: 1, weightDecay: 0, networkScore: 3, nfmVsAgop: same, nfmVsRfm: same, nfmLeadingTrace: 0.1 }],
  timingsMs: { network: 1, rfm: 1, total: 2 },
};

function task(digits: number[]): MnistTaskResult {
  const pixels = Array.from({ length: 784 }, (_, i) => (i % 28) / 27 - 0.5);
  return {
    digits,
    accuracy: { network: 0.9, laplace: 0.95, rfm: 0.97 },
    rfmIteration: 2,
    rfmTestByIteration: [0.95, 0.96, 0.97],
    comparison,
    diagonals: { nfm: pixels.map(Math.abs), agop: pixels.map(Math.abs), rfm: pixels.map(Math.abs) },
    topEigenvectors: { nfm: pixels, agop: pixels, rfm: pixels },
    eigenvalueShares: { nfm: [0.5], agop: [0.6], rfm: [0.7] },
    timingsMs: { network: 1, rfm: 1 },
  };
}

const mnist: MnistFeatureResult = {
  sizes: { train: 1259, validation: 210, test: 210 },
  network,
  kernel,
  tfBackend: 'wasm',
  tasks: [task([1, 8]), task([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])],
  variants: [{ initScale: 1, weightDecay: 0, networkScore: 0.5, nfmVsAgop: same, nfmVsRfm: same }],
  timingsMs: { total: 1 },
};

test('the three matrices sit side by side on one colour scale, each divided by its largest entry', () => {
  const fig = scalingMatricesFigure(scaling, { block: 3 });
  assert.equal(fig.data.length, 3);
  assert.deepEqual(
    fig.data.map((t) => [t.xaxis, t.yaxis]),
    [
      ['x', 'y'],
      ['x2', 'y2'],
      ['x3', 'y3'],
    ],
  );
  assert.deepEqual(
    fig.data.map((t) => t.showscale),
    [false, false, true],
  );
  for (const trace of fig.data) {
    const z = trace.z as number[][];
    assert.equal(z.length, 3);
    assert.equal(z[0][0], 1);
    assert.equal(z[0][1], -0.25);
  }
  const [a, b, c] = ['xaxis', 'xaxis2', 'xaxis3'].map((k) => (fig.layout[k] as { domain: number[] }).domain);
  assert.ok(a[1] < b[0] && b[1] < c[0] && c[1] <= 1);
  assert.equal((fig.layout.annotations as unknown[]).length, 3);
});

test('MNIST pictures are 28 x 28 images, signed ones on a diverging scale', () => {
  const diagonal = mnistImagesFigure(mnist.tasks[0], 'diagonal');
  const z = diagonal.data[0].z as number[][];
  assert.equal(z.length, 28);
  assert.equal(z[0].length, 28);
  assert.equal(diagonal.data[0].zmin, 0);
  const eigen = mnistImagesFigure(mnist.tasks[1], 'top eigenvector');
  assert.equal(eigen.data[0].zmid, 0);
  assert.match(String((eigen.layout.title as { text: string }).text), /ten classes/);
});

test("the accuracy table puts the study's 0.995 beside 1 vs 8 only", () => {
  const fig = accuracyTable(mnist);
  const cells = fig.data[0].cells as { values: unknown[][] };
  assert.deepEqual(cells.values[0], ['1 vs 8', 'ten classes']);
  assert.deepEqual(cells.values[5], ['0.995', '']);
});

test('similarity and variant tables have a row per pair and per network', () => {
  const sim = similarityTable([
    { label: 'a', comparison },
    { label: 'b', comparison },
  ]);
  assert.equal((sim.data[0].cells as { values: unknown[][] }).values[0].length, 6);
  const sv = scalingVariantsTable(scaling).data[0].cells as { values: unknown[][] };
  assert.deepEqual(sv.values[0], ['0.1', '1']);
  const mv = mnistVariantsTable(mnist).data[0];
  assert.equal((mv.header as { values: string[] }).values.includes('x1..x3 share'), false);
});
