import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix } from '../../src/linalg/matrix';
import { backendFor } from '../../src/linalg/registry';
import { RFM, RFMOptions } from '../../src/rfm/rfm';
import { Rng } from '../../src/random';
import { gaussianMatrix, matrixRelDiff, relDiff, target } from './helpers';

/** The three forms of docs/rfm-math.md section 5 compute the same iterates: float64, 1e-8 relative, every iteration. */

interface Case {
  name: string;
  n: number;
  d: number;
  c: number;
  options: RFMOptions;
  forms: Array<'primal' | 'dual' | 'dual-q'>;
}

const CASES: Case[] = [
  { name: 'd > n, one output', n: 40, d: 60, c: 1, options: {}, forms: ['primal', 'dual', 'dual-q'] },
  { name: 'd < n, three outputs', n: 50, d: 8, c: 3, options: {}, forms: ['primal', 'dual', 'dual-q'] },
  {
    name: 'gaussian kernel',
    n: 40,
    d: 50,
    c: 2,
    options: { kernel: 'gaussian', bandwidth: 8 },
    forms: ['primal', 'dual', 'dual-q'],
  },
  {
    name: 'centred gradients, AGOP subsample',
    n: 40,
    d: 45,
    c: 2,
    options: { centering: true, agopSampleSize: 25, seed: 4 },
    forms: ['primal', 'dual', 'dual-q'],
  },
  { name: 'trace normalisation', n: 36, d: 50, c: 2, options: { normalization: 'trace' }, forms: ['primal', 'dual'] },
];

async function fitForm(c: Case, form: 'primal' | 'dual' | 'dual-q', data: ReturnType<typeof makeData>) {
  const rfm = new RFM({ bandwidth: 5, iterations: 6, form, ...c.options });
  await rfm.fit(data.x, data.y, {
    validation: { X: data.xv, Y: data.yv },
    test: { X: data.xt, Y: data.yt },
    testEveryIteration: true,
  });
  return rfm;
}

function makeData(c: Case) {
  const rng = new Rng(c.n * 1000 + c.d);
  const x = gaussianMatrix(c.n, c.d, rng);
  const xv = gaussianMatrix(15, c.d, rng);
  const xt = gaussianMatrix(20, c.d, rng);
  return { x, y: target(x, c.c), xv, yv: target(xv, c.c), xt, yt: target(xt, c.c) };
}

for (const c of CASES) {
  test(`forms agree over all iterations: ${c.name}`, async () => {
    const data = makeData(c);
    const fits = [];
    for (const form of c.forms) fits.push(await fitForm(c, form, data));
    const ref = fits[0];
    for (const other of fits.slice(1)) {
      assert.equal(other.summary.form, other.form);
      for (let t = 0; t < ref.history.length; t++) {
        for (const set of ['validation', 'test'] as const) {
          const a = ref.history[t][set]!.mse;
          const b = other.history[t][set]!.mse;
          assert.ok(relDiff(a, b) < 1e-8, `${other.form} ${set} MSE at iteration ${t}: ${a} vs ${b}`);
        }
      }
      assert.equal(other.bestIteration, ref.bestIteration);
      const pa = await ref.predict(data.xt);
      const pb = await other.predict(data.xt);
      assert.ok(matrixRelDiff(pb, pa) < 1e-8, `${other.form} predictions differ by ${matrixRelDiff(pb, pa)}`);
      const ma = await ref.featureMatrix();
      const mb = await other.featureMatrix();
      assert.ok(matrixRelDiff(mb, ma) < 1e-8, `${other.form} M differs by ${matrixRelDiff(mb, ma)}`);
    }
  });
}

test('primal gradients per output and through the Hadamard S agree (float64, many outputs)', async () => {
  const rng = new Rng(9);
  const x = gaussianMatrix(30, 5, rng);
  const y = target(x, 12);
  const a = await new RFM({ bandwidth: 5, iterations: 3, form: 'primal' }).fit(x, y);
  const b = await new RFM({ bandwidth: 5, iterations: 3, form: 'primal', dtype: 'float32' }).fit(x, y);
  assert.equal(a.summary.gradients, 'hadamard');
  assert.equal(b.summary.gradients, 'per-output');
  // The float32 run is the per-output path's witness only to float32 precision; compare float64 paths exactly below.
  const c = await new RFM({ bandwidth: 5, iterations: 3, form: 'dual-q' }).fit(x, y);
  assert.ok(matrixRelDiff(await a.featureMatrix(), await c.featureMatrix()) < 1e-8);
  assert.ok(matrixRelDiff(await b.featureMatrix(), await a.featureMatrix()) < 1e-3);
});

test('the Gram hook gives the same fit as X, and predictFromGram the same predictions', async () => {
  const rng = new Rng(21);
  const x = gaussianMatrix(40, 70, rng);
  const y = target(x);
  const xv = gaussianMatrix(12, 70, rng);
  const xt = gaussianMatrix(9, 70, rng);
  const b = await backendFor('float64');
  const g = await b.syrk(x);
  const gv = await b.gemm(xv, x, { transB: true });
  const gt = await b.gemm(xt, x, { transB: true });
  for (const form of ['dual', 'dual-q'] as const) {
    const viaX = await new RFM({ bandwidth: 6, iterations: 4, form }).fit(x, y, {
      validation: { X: xv, Y: target(xv) },
    });
    const viaGram = await new RFM({ bandwidth: 6, iterations: 4 }).fit({ gram: g }, y, {
      validation: { gram: gv.toArray(), norms: Array.from(b.rowSquaredNorms(xv)), Y: target(xv) },
    });
    assert.ok(viaGram.summary.form === 'dual' || viaGram.summary.form === 'dual-q');
    for (let t = 0; t < viaX.history.length; t++)
      assert.ok(relDiff(viaX.history[t].validation!.mse, viaGram.history[t].validation!.mse) < 1e-8);
    const p1 = await viaX.predict(xt);
    const p2 = await viaGram.predictFromGram(gt, b.rowSquaredNorms(xt));
    assert.ok(matrixRelDiff(p2, p1) < 1e-8);
    await assert.rejects(viaGram.predict(xt), /Gram matrices: use predictFromGram/);
    const base = await viaGram.predictFromGram(gt, b.rowSquaredNorms(xt), { baseline: true });
    assert.ok(matrixRelDiff(base, await viaX.predict(xt, { baseline: true })) < 1e-10);
  }
  await assert.rejects(new RFM({ form: 'primal' }).fit({ gram: g }, y), /only Gram matrices were given/);
});

test('the same seed gives the same numbers; another seed another AGOP subsample', async () => {
  const rng = new Rng(2);
  const x = gaussianMatrix(50, 30, rng);
  const y = target(x);
  const xv = gaussianMatrix(10, 30, rng);
  const run = (seed: number, form: 'primal' | 'dual-q') =>
    new RFM({ bandwidth: 5, iterations: 4, agopSampleSize: 20, seed, form }).fit(x, y, {
      validation: { X: xv, Y: target(xv) },
    });
  for (const form of ['primal', 'dual-q'] as const) {
    const a = await run(3, form);
    const b = await run(3, form);
    const c = await run(4, form);
    for (let t = 0; t < a.history.length; t++)
      assert.ok(relDiff(a.history[t].validation!.mse, b.history[t].validation!.mse) <= 1e-12);
    assert.ok(matrixRelDiff(await a.predict(xv), await b.predict(xv)) <= 1e-12);
    assert.notEqual(a.history[2].validation!.mse, c.history[2].validation!.mse);
  }
});

test('a float32 dual-q fit predicts new points with a float64 model of the kept iteration', async () => {
  const rng = new Rng(8);
  const x = gaussianMatrix(60, 90, rng, 0.3);
  const y = target(x);
  const xv = gaussianMatrix(20, 90, rng, 0.3);
  const xt = gaussianMatrix(30, 90, rng, 0.3);
  const f64 = await new RFM({ bandwidth: 2, iterations: 3, form: 'dual-q' }).fit(x, y, {
    validation: { X: xv, Y: target(xv) },
  });
  const f32 = await new RFM({ bandwidth: 2, iterations: 3, form: 'dual-q', dtype: 'float32' }).fit(x, y, {
    validation: { X: xv, Y: target(xv) },
  });
  assert.equal(f32.summary.dtype, 'float32');
  assert.equal(f32.bestIteration, f64.bestIteration);
  const p64 = await f64.predict(xt);
  const p32 = await f32.predict(xt);
  assert.equal(p32.dtype, 'float64');
  assert.ok(matrixRelDiff(p32, p64) < 1e-3, `float32 predictions differ by ${matrixRelDiff(p32, p64)}`);
});

test('predict of the kept iteration reproduces the tracked test metric', async () => {
  const rng = new Rng(13);
  const x = gaussianMatrix(40, 55, rng);
  const xv = gaussianMatrix(10, 55, rng);
  const xt = gaussianMatrix(25, 55, rng);
  for (const form of ['primal', 'dual', 'dual-q'] as const) {
    const rfm = await new RFM({ bandwidth: 5, iterations: 5, form }).fit(x, target(x), {
      validation: { X: xv, Y: target(xv) },
      test: { X: xt, Y: target(xt) },
    });
    const mse = await rfm.mse(xt, target(xt));
    assert.ok(relDiff(mse, rfm.history[rfm.bestIteration].test!.mse) < 1e-9, form);
    const base = await rfm.predict(xt, { baseline: true });
    let s = 0;
    const yt = target(xt);
    for (let i = 0; i < base.data.length; i++) s += (base.data[i] - yt.data[i]) ** 2;
    assert.ok(relDiff(s / base.data.length, rfm.history[0].test!.mse) < 1e-10, `${form} baseline`);
  }
});

test("featureMatrix from the dual form equals X' C X", async () => {
  const rng = new Rng(17);
  const x = gaussianMatrix(20, 30, rng);
  const rfm = await new RFM({ bandwidth: 5, iterations: 2, form: 'dual' }).fit(x, target(x));
  const c = (await rfm.dualCoefficients())!;
  const b = await backendFor('float64');
  const m = await b.gemm(x, await b.gemm(c, x), { transA: true });
  assert.ok(matrixRelDiff(await rfm.featureMatrix(), m) < 1e-12);
  const t0 = await new RFM({ bandwidth: 5, iterations: 0, form: 'dual' }).fit(x, target(x));
  assert.equal(await t0.dualCoefficients(), null);
  assert.deepEqual(await t0.featureMatrix(), Matrix.identity(30));
});
