import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Matrix } from '../../src/linalg/matrix';
import { OptionError, ShapeError } from '../../src/core/errors';
import { RandomFeatureKernel, randomFourierFeatures } from '../../src/features/random-fourier';
import { Rng } from '../../src/random';

function gaussianPoints(n: number, d: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const x = new Matrix(n, d);
  for (let i = 0; i < x.size; i++) x.data[i] = rng.normal() / Math.sqrt(d);
  return x;
}

function exactKernel(
  kernel: RandomFeatureKernel,
  bandwidth: number,
  x: Matrix,
  i: number,
  j: number,
  metric?: Matrix,
): number {
  const d = x.cols;
  const diff = Array.from({ length: d }, (_, k) => x.get(i, k) - x.get(j, k));
  let sq = 0;
  for (let a = 0; a < d; a++)
    for (let b = 0; b < d; b++) sq += diff[a] * (metric ? metric.get(a, b) : a === b ? 1 : 0) * diff[b];
  return kernel === 'laplace' ? Math.exp(-Math.sqrt(sq) / bandwidth) : Math.exp(-sq / bandwidth ** 2);
}

/** The largest |phi(x_i)'phi(x_j) - K(x_i, x_j)| over all pairs i <= j, averaged over a few seeds. */
async function maxPairError(kernel: RandomFeatureKernel, p: number, x: Matrix, metric?: Matrix): Promise<number> {
  const seeds = [1, 2, 3];
  let total = 0;
  for (const seed of seeds) {
    const phi = await randomFourierFeatures({
      kernel,
      bandwidth: 1.5,
      features: p,
      seed,
      inputDim: x.cols,
      metric,
    }).transform(x);
    let worst = 0;
    for (let i = 0; i < x.rows; i++) {
      for (let j = i; j < x.rows; j++) {
        let dot = 0;
        for (let k = 0; k < p; k++) dot += phi.get(i, k) * phi.get(j, k);
        worst = Math.max(worst, Math.abs(dot - exactKernel(kernel, 1.5, x, i, j, metric)));
      }
    }
    total += worst;
  }
  return total / seeds.length;
}

function slope(ps: number[], errors: number[]): number {
  const lx = ps.map(Math.log);
  const ly = errors.map(Math.log);
  const mx = lx.reduce((a, b) => a + b) / lx.length;
  const my = ly.reduce((a, b) => a + b) / ly.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i] - mx) * (ly[i] - my);
    den += (lx[i] - mx) ** 2;
  }
  return num / den;
}

const metric = Matrix.from([
  [2, 0.5, 0, 0],
  [0.5, 1, 0, 0],
  [0, 0, 0.25, 0],
  [0, 0, 0, 0],
]);

for (const [label, kernel, m] of [
  ['laplace', 'laplace', undefined],
  ['gaussian', 'gaussian', undefined],
  ['laplace with a (rank-deficient) metric M', 'laplace', metric],
] as const) {
  test(`${label}: the max kernel error over pairs falls roughly as 1/sqrt(p)`, async () => {
    const x = gaussianPoints(25, 4, 11);
    const ps = [100, 400, 1600, 6400];
    const errors: number[] = [];
    for (const p of ps) errors.push(await maxPairError(kernel, p, x, m));
    const s = slope(ps, errors);
    assert.ok(
      s < -0.35 && s > -0.65,
      `log-log slope ${s.toFixed(3)}, errors ${errors.map((e) => e.toFixed(4)).join(', ')}`,
    );
    assert.ok(errors[3] < 0.06, `max error at p = 6400 is ${errors[3]}`);
  });
}

test('feature j depends only on the seed and j, so smaller samplers are prefixes of larger ones', async () => {
  const x = gaussianPoints(6, 3, 2);
  const small = await randomFourierFeatures({
    kernel: 'laplace',
    bandwidth: 1,
    features: 5,
    seed: 9,
    inputDim: 3,
  }).transform(x);
  const large = await randomFourierFeatures({
    kernel: 'laplace',
    bandwidth: 1,
    features: 20,
    seed: 9,
    inputDim: 3,
  }).transform(x);
  const rescale = Math.sqrt(20 / 5);
  for (let i = 0; i < 6; i++)
    for (let j = 0; j < 5; j++) assert.ok(Math.abs(small.get(i, j) - rescale * large.get(i, j)) < 1e-14);
});

test('rejects bad options and inputs of the wrong width', async () => {
  assert.throws(() => randomFourierFeatures({ kernel: 'laplace', bandwidth: 1, features: 4, seed: 1 }), OptionError);
  assert.throws(
    () =>
      randomFourierFeatures({
        kernel: 'cauchy' as RandomFeatureKernel,
        bandwidth: 1,
        features: 4,
        seed: 1,
        inputDim: 2,
      }),
    OptionError,
  );
  assert.throws(
    () => randomFourierFeatures({ kernel: 'gaussian', bandwidth: 0, features: 4, seed: 1, inputDim: 2 }),
    OptionError,
  );
  assert.throws(
    () =>
      randomFourierFeatures({ kernel: 'gaussian', bandwidth: 1, features: 4, seed: 1, inputDim: 2, sigma: 1 } as never),
    OptionError,
  );
  assert.throws(
    () => randomFourierFeatures({ kernel: 'gaussian', bandwidth: 1, features: 4, seed: 1, inputDim: 3, metric }),
    ShapeError,
  );
  const rff = randomFourierFeatures({ kernel: 'gaussian', bandwidth: 1, features: 4, seed: 1, inputDim: 2 });
  await assert.rejects(rff.transform(Matrix.zeros(3, 5)), ShapeError);
});
