import assert from 'node:assert/strict';
import { test } from 'node:test';
import { productKernel } from '../../src/kernels/kernel';
import { Matrix } from '../../src/linalg/matrix';
import { backendFor } from '../../src/linalg/registry';
import { Engine, EngineSetup } from '../../src/rfm/engine';
import { DenseFeatures, Features, OneHotFeatures } from '../../src/rfm/features';
import { materializeMetric, predictPrimal } from '../../src/rfm/fitted';
import { NystromEngine } from '../../src/rfm/nystrom-engine';
import { PrimalEngine } from '../../src/rfm/primal';
import { Profile } from '../../src/rfm/profile';
import { Rng } from '../../src/random';
import { gaussianMatrix, matrixRelDiff, target } from './helpers';

/**
 * With every training point a centre (C = X, in order) the Nystrom iteration is the exact one: same alpha_t and the
 * same M_t, because the AGOP of the Nystrom predictor is the exact AGOP with the centres in place of the points.
 * Compared: M_t and the predictions (alpha_t itself is ill-determined along K's small eigenvectors: at L = 4 the
 * one-hot windows' kernel values are all ~exp(-1), and the two solvers' alphas differ by ~3e-6 there).
 */

interface Case {
  name: string;
  x: Features;
  y: Matrix;
  diagonal: boolean;
  centering: boolean;
  normalization: 'none' | 'trace';
  sample?: number;
}

async function setupFor(c: Case, seed: number): Promise<EngineSetup> {
  const backend = await backendFor('float64');
  const rng = new Rng(seed);
  const n = c.x.rows;
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  return {
    backend,
    dtype: 'float64',
    kernel: productKernel('laplace', 4),
    ridge: 1e-2,
    y: c.y,
    tracked: [],
    sample: () => (c.sample === undefined ? null : rng.shuffle(perm).slice(0, c.sample).sort()),
    centering: c.centering,
    normalization: c.normalization,
    diagonal: c.diagonal,
    gradients: 'per-output',
    features: c.x.cols,
    profile: new Profile(),
    onJitter: () => undefined,
  };
}

/** Per iteration: the predictions of (M_t, alpha_t) on the training points, and M_t. */
async function run(engine: Engine, x: Features, iterations: number): Promise<Array<{ pred: Matrix; metric: Matrix }>> {
  const out: Array<{ pred: Matrix; metric: Matrix }> = [];
  for (let t = 0; t <= iterations; t++) {
    await engine.solve();
    engine.keepBest(t);
    const state = await engine.best()();
    if (state.kind !== 'primal') throw new Error('a primal state was expected');
    out.push({
      pred: await predictPrimal(state, x, productKernel('laplace', 4)),
      metric: await materializeMetric(state),
    });
    if (t < iterations) await engine.update(t);
  }
  return out;
}

function oneHotCase(n: number, w: number, v: number, rng: Rng): { x: OneHotFeatures; y: Matrix } {
  const codes = Int32Array.from({ length: n * w }, () => rng.int(v));
  const y = new Matrix(n, 3);
  for (let i = 0; i < n; i++) y.data[i * 3 + (codes[i * w] % 3)] = 1;
  return { x: OneHotFeatures.fromCodes({ codes, width: w, vocabulary: v }), y };
}

const rng = new Rng(1);
const dense = gaussianMatrix(120, 6, rng);
const text = oneHotCase(150, 10, 4, rng);
const CASES: Case[] = [
  {
    name: 'dense, full M',
    x: new DenseFeatures(dense),
    y: target(dense, 2),
    diagonal: false,
    centering: false,
    normalization: 'none',
  },
  {
    name: 'dense, diagonal M, trace-normalised, centred, AGOP subsample',
    x: new DenseFeatures(dense),
    y: target(dense, 2),
    diagonal: true,
    centering: true,
    normalization: 'trace',
    sample: 70,
  },
  {
    name: 'one-hot codes, diagonal M, trace-normalised, AGOP subsample',
    x: text.x,
    y: text.y,
    diagonal: true,
    centering: false,
    normalization: 'trace',
    sample: 90,
  },
  { name: 'one-hot codes, full M', x: text.x, y: text.y, diagonal: false, centering: false, normalization: 'none' },
];

for (const c of CASES) {
  test(`Nystrom RFM with C = X reproduces the exact primal iteration: ${c.name}`, async () => {
    const exact = await run(new PrimalEngine(await setupFor(c, 7), c.x), c.x, 3);
    const all = Int32Array.from({ length: c.x.rows }, (_, i) => i);
    const nystrom = await run(
      new NystromEngine(await setupFor(c, 7), c.x, {
        centres: all,
        method: 'direct',
        blockRows: 50,
        keepBlocks: false,
        trainSample: 100,
        seed: 0,
      }),
      c.x,
      3,
    );
    for (let t = 0; t < exact.length; t++) {
      const m = matrixRelDiff(nystrom[t].metric, exact[t].metric);
      const p = matrixRelDiff(nystrom[t].pred, exact[t].pred);
      assert.ok(m < 1e-8, `t = ${t}: M differs by ${m}`);
      assert.ok(p < 1e-8, `t = ${t}: predictions differ by ${p}`);
    }
  });
}

test("one-hot Z diag(w) X' through X's column index equals the dense product (with and without weights, -1 codes)", async () => {
  const r = new Rng(9);
  const make = (n: number) =>
    OneHotFeatures.fromCodes({
      codes: Int32Array.from({ length: n * 4 }, () => r.int(4) - 1),
      width: 4,
      vocabulary: 3,
    });
  const x = make(30);
  const z = make(12);
  const w = Float64Array.from({ length: 12 }, () => r.next());
  const backend = await backendFor('float64');
  for (const weights of [null, w]) {
    const zw = z.dense().clone();
    if (weights) for (let i = 0; i < zw.rows; i++) for (let k = 0; k < 12; k++) zw.data[i * 12 + k] *= weights[k];
    const dense = await backend.gemm(zw, x.dense(), { transB: true });
    assert.ok(matrixRelDiff(x.weightedCrossProducts(z, weights), dense) < 1e-15);
  }
});
