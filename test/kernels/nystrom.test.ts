import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CancelledError, MemoryError } from '../../src/core/errors';
import { KernelRegressor } from '../../src/kernels/kernel-regressor';
import { IDENTITY, productKernel } from '../../src/kernels/kernel';
import { NystromMethod, solveNystrom } from '../../src/kernels/nystrom';
import { FeatureKernels } from '../../src/kernels/nystrom-kernels';
import { leverageScores, uniformCentres, weightedCentres } from '../../src/kernels/centres';
import { Matrix } from '../../src/linalg/matrix';
import { backendFor } from '../../src/linalg/registry';
import { DenseFeatures } from '../../src/rfm/features';
import { Rng } from '../../src/random';

/** y = (sin(2 x_1) + x_2 x_3, cos(x_4) - x_5 / 2) + noise: smooth, two outputs. */
function dataset(n: number, seed: number): { x: Matrix; y: Matrix } {
  const rng = new Rng(seed);
  const d = 5;
  const x = new Matrix(n, d);
  const y = new Matrix(n, 2);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < d; p++) x.data[i * d + p] = rng.normal();
    const r = x.row(i);
    y.data[2 * i] = Math.sin(2 * r[0]) + r[1] * r[2] + 0.1 * rng.normal();
    y.data[2 * i + 1] = Math.cos(r[3]) - r[4] / 2 + 0.1 * rng.normal();
  }
  return { x, y };
}

const KERNEL = productKernel('laplace', 3);
const RIDGE = 1e-2;

async function nystromPredict(
  x: Matrix,
  y: Matrix,
  z: Matrix,
  centres: Int32Array,
  method: NystromMethod,
  extra = {},
): Promise<Matrix> {
  const backend = await backendFor('float64');
  const src = await FeatureKernels.create(backend, new DenseFeatures(x), centres, IDENTITY, KERNEL, 512);
  const sol = await solveNystrom(backend, src, y, { ridge: RIDGE, method, blockRows: 512, ...extra });
  const k = (await src.cross(new DenseFeatures(z))).kernel;
  return backend.gemm(k, sol.alpha);
}

function relativeDifference(a: Matrix, b: Matrix): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.data.length; i++) {
    num += (a.data[i] - b.data[i]) ** 2;
    den += b.data[i] ** 2;
  }
  return Math.sqrt(num / den);
}

function mse(a: Matrix, b: Matrix): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += (a.data[i] - b.data[i]) ** 2;
  return s / a.data.length;
}

test('Nystrom with every training point a centre equals the exact solver to 1e-6 (n = 3000), direct and CG', async () => {
  const { x, y } = dataset(3000, 1);
  const test = dataset(500, 2);
  const options = { kernel: 'laplace' as const, bandwidth: 3, ridge: RIDGE };
  const exact = await new KernelRegressor({ ...options, solver: 'exact' }).fit(x, y);
  assert.equal(exact.summary.solver, 'exact');
  const reference = await exact.predict(test.x);
  for (const method of ['direct', 'cg'] as const) {
    // Falkon's preconditioner is exact when C = X (B' H B = I): CG converges in a step or two.
    const model = await new KernelRegressor({
      ...options,
      solver: 'nystrom',
      nystrom: { centres: 3000, method, tolerance: 1e-10 },
    }).fit(x, y);
    assert.equal(model.summary.solver, 'nystrom');
    assert.equal(model.summary.method, method);
    assert.match(model.summary.reason, /requested/);
    const gap = relativeDifference(await model.predict(test.x), reference);
    assert.ok(gap < 1e-6, `${method}: relative difference ${gap}`);
  }
});

test('Nystrom with C = X equals the exact solver for the Gaussian and L1 Laplacian kernels, and with a diagonal M', async () => {
  const { x, y } = dataset(400, 12);
  const test = dataset(100, 13);
  const cases = [
    { kernel: 'gaussian' as const, bandwidth: 4 },
    { kernel: 'l1-laplacian' as const, bandwidth: 6 },
    { kernel: 'laplace' as const, bandwidth: 3, metric: [1, 2, 0.5, 1, 3] },
  ];
  for (const c of cases) {
    const exact = await new KernelRegressor({ ...c, ridge: RIDGE, solver: 'exact' }).fit(x, y);
    const nystrom = await new KernelRegressor({
      ...c,
      ridge: RIDGE,
      solver: 'nystrom',
      nystrom: { centres: 400, method: 'direct' },
    }).fit(x, y);
    const gap = relativeDifference(await nystrom.predict(test.x), await exact.predict(test.x));
    assert.ok(gap < 1e-6, `${c.kernel}: relative difference ${gap}`);
  }
});

test('the memory check refuses an oversize exact fit before any work, in under a second, naming the largest n', async () => {
  const n = 120000;
  const x = new Matrix(n, 2);
  const y = new Float64Array(n);
  const started = performance.now();
  await assert.rejects(new KernelRegressor({ solver: 'exact' }).fit(x, y), (e: Error) => {
    assert.ok(e instanceof MemoryError, `${e.name}: ${e.message}`);
    assert.match(e.message, /exact solve \(n = 120000\)/);
    assert.match(e.message, /largest that fits: n <= [\d,]+ training points/);
    return true;
  });
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds < 1, `refused after ${seconds} s`);
});

test('auto picks Nystrom when the exact solver does not fit, says why, reports progress and can be cancelled', async () => {
  const { x, y } = dataset(70000, 14);
  const progress: string[] = [];
  const model = await new KernelRegressor({
    bandwidth: 3,
    ridge: RIDGE,
    nystrom: { centres: 100, blockRows: 10000, method: 'direct' },
  }).fit(x, y, { onProgress: (p) => progress.push(`${p.stage} ${p.done}/${p.total}`) });
  assert.equal(model.summary.solver, 'nystrom');
  assert.match(model.summary.reason, /auto: the exact solver would not fit/);
  assert.deepEqual(
    progress,
    [1, 2, 3, 4, 5, 6, 7].map((b) => `blocks ${b}/7`),
  );
  const before = await model.predict(dataset(5, 15).x);
  const controller = new AbortController();
  const again = model.fit(dataset(70000, 16).x, y, {
    signal: controller.signal,
    onProgress: (p) => p.done === 2 && controller.abort(),
  });
  await assert.rejects(again, (e: Error) => e instanceof CancelledError);
  const after = await model.predict(dataset(5, 15).x);
  assert.deepEqual(after.data, before.data, 'a cancelled fit leaves the previous model');
});

test('CG (Falkon) converges to the direct Nystrom solve, with and without kept blocks', async () => {
  const { x, y } = dataset(2000, 3);
  const test = dataset(300, 4);
  const centres = uniformCentres(2000, 300, new Rng(5));
  const direct = await nystromPredict(x, y, test.x, centres, 'direct');
  const residuals: number[] = [];
  const cg = await nystromPredict(x, y, test.x, centres, 'cg', {
    tolerance: 1e-10,
    onProgress: (p: { stage: string; residual?: number }) => p.stage === 'cg' && residuals.push(p.residual!),
  });
  const kept = await nystromPredict(x, y, test.x, centres, 'cg', { tolerance: 1e-10, keepBlocks: true });
  assert.ok(relativeDifference(cg, direct) < 1e-7, `cg vs direct ${relativeDifference(cg, direct)}`);
  assert.ok(relativeDifference(kept, cg) < 1e-12, `kept blocks change the answer: ${relativeDifference(kept, cg)}`);
  assert.ok(residuals.length > 1 && residuals.length < 100, `CG took ${residuals.length} iterations`);
  assert.ok(residuals[residuals.length - 1] < residuals[0], 'the residual fell');
});

test('the Nystrom test error approaches the exact solver as m grows', async () => {
  const { x, y } = dataset(3000, 6);
  const test = dataset(1000, 7);
  const exactError = mse(
    await (await new KernelRegressor({ kernel: 'laplace', bandwidth: 3, ridge: RIDGE }).fit(x, y)).predict(test.x),
    test.y,
  );
  const gaps: number[] = [];
  for (const m of [50, 200, 800, 3000]) {
    const pred = await nystromPredict(x, y, test.x, uniformCentres(3000, m, new Rng(8)), 'direct');
    gaps.push(mse(pred, test.y) - exactError);
  }
  for (let i = 1; i < gaps.length; i++)
    assert.ok(
      gaps[i] < gaps[i - 1],
      `gap to the exact test MSE ${exactError.toFixed(4)} did not shrink: ${gaps.map((g) => g.toExponential(2)).join(', ')}`,
    );
  assert.ok(Math.abs(gaps[gaps.length - 1]) < 1e-9 * exactError + 1e-12, `m = n: gap ${gaps[gaps.length - 1]}`);
  assert.ok(gaps[0] > 0.05 * exactError, 'm = 50 is visibly worse (the comparison can fail)');
});

test('leverage-score centres: isolated points score higher; the draw is seeded and without repeats', async () => {
  const backend = await backendFor('float64');
  const { x, y } = dataset(1500, 9);
  // An isolated cluster of 30 far-away points with its own targets: uniform sampling often misses it.
  for (let i = 0; i < 30; i++) {
    for (let p = 0; p < 5; p++) x.data[i * 5 + p] = 12 + 0.3 * x.data[i * 5 + p];
    y.data[2 * i] = 3;
  }
  const pilot = await FeatureKernels.create(
    backend,
    new DenseFeatures(x),
    uniformCentres(1500, 100, new Rng(10)),
    IDENTITY,
    KERNEL,
    512,
  );
  const scores = await leverageScores(backend, pilot, RIDGE, 512);
  let far = 0;
  let near = 0;
  for (let i = 0; i < 30; i++) far += scores[i] / 30;
  for (let i = 30; i < 1500; i++) near += scores[i] / 1470;
  assert.ok(far > near, `isolated points have higher leverage (${far} vs ${near})`);
  const a = weightedCentres(scores, 60, new Rng(11));
  const b = weightedCentres(scores, 60, new Rng(11));
  assert.deepEqual(a, b);
  assert.equal(new Set(a).size, 60);
});
