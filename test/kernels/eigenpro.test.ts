import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CancelledError, MemoryError, OptionError } from '../../src/core/errors';
import { featureEigenProKernels, solveEigenPro } from '../../src/kernels/eigenpro';
import { eigenProKrrCost } from '../../src/kernels/eigenpro-fit';
import { FeatureKernels } from '../../src/kernels/nystrom-kernels';
import { IDENTITY, productKernel } from '../../src/kernels/kernel';
import { KernelRegressor } from '../../src/kernels/kernel-regressor';
import { exactKrrCost, nystromKrrCost } from '../../src/kernels/nystrom-fit';
import { chooseKernelSolver, eigenProSettings } from '../../src/kernels/solver-choice';
import { Matrix } from '../../src/linalg/matrix';
import { meanSquaredError } from '../../src/metrics/regression';
import { backendFor } from '../../src/linalg/registry';
import { DenseFeatures } from '../../src/rfm/features';
import { Rng } from '../../src/random';

/** n points in d = 4 dimensions, two smooth targets plus noise, and 100 held-out points. */
function problem(n: number, seed = 5) {
  const rng = new Rng(seed);
  const d = 4;
  const x = new Matrix(n, d);
  const y = new Matrix(n, 2);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < d; p++) x.data[i * d + p] = rng.normal();
    y.data[2 * i] = Math.sin(x.data[i * d]) + 0.1 * rng.normal();
    y.data[2 * i + 1] = x.data[i * d + 1] * x.data[i * d + 2];
  }
  const z = new Matrix(100, d);
  for (let i = 0; i < z.data.length; i++) z.data[i] = rng.normal();
  return { x, y, z };
}

const relativeGap = (a: Matrix, b: Matrix) =>
  Math.sqrt(meanSquaredError(a, b) / meanSquaredError(new Matrix(b.rows, b.cols), b));

const common = { kernel: 'laplace' as const, bandwidth: 2, ridge: 1e-3 };

// With s = n the preconditioner sees the whole kernel, so the iterations must reach the exact solver's
// (K + lambda I)^-1 Y: the tolerance is what 40 epochs reach here (3e-4 measured), with headroom.
test("KernelRegressor's EigenPro solver converges to the exact solve (n = 600, s = n): predictions within 2e-3", async () => {
  const { x, y, z } = problem(600);
  const exact = await new KernelRegressor({ ...common, solver: 'exact' }).fit(x, y);
  const eigenpro = await new KernelRegressor({
    ...common,
    solver: 'eigenpro',
    eigenpro: { epochs: 40, subsample: 600, q: 300 },
    seed: 1,
  }).fit(x, y);
  const gap = relativeGap(await eigenpro.predict(z), await exact.predict(z));
  console.log(`EigenPro (40 epochs) vs exact, relative gap in held-out predictions: ${gap.toExponential(2)}`);
  assert.ok(gap < 2e-3, `EigenPro is ${gap} from the exact solve after 40 epochs`);
  const s = eigenpro.summary;
  assert.equal(s.solver, 'eigenpro');
  assert.match(s.reason, /^requested \(eigenpro: 40 epochs, s = 600, q = 300/);
  assert.equal(s.eigenpro!.epochs, 40);
  assert.equal(s.eigenpro!.subsample, 600);
  assert.ok(s.eigenpro!.batch >= 1 && s.eigenpro!.batch <= 600);
  assert.ok(s.estimate.eigenpro!.bytes > 0 && s.estimate.eigenpro!.seconds > 0);
});

test('EigenPro gets closer to the exact solve epoch by epoch (the solver itself, with onEpoch)', async () => {
  const backend = await backendFor('float64');
  const { x, y, z } = problem(400, 7);
  const target = await (await new KernelRegressor({ ...common, solver: 'exact' }).fit(x, y)).predict(z);
  const kernel = productKernel('laplace', 2);
  const all = Int32Array.from({ length: 400 }, (_, i) => i);
  const kz = (
    await (
      await FeatureKernels.create(backend, new DenseFeatures(x), all, IDENTITY, kernel, 256)
    ).cross(new DenseFeatures(z))
  ).kernel;
  const src = await featureEigenProKernels(backend, new DenseFeatures(x), IDENTITY, kernel, 256);
  const gaps: number[] = [];
  await solveEigenPro(backend, src, y, {
    ...eigenProSettings(400, { epochs: 12, subsample: 400, q: 200 }),
    ridge: 1e-3,
    seed: 3,
    onEpoch: async (_epoch, alpha) => {
      gaps.push(relativeGap(await backend.gemm(kz, alpha), target));
    },
  });
  console.log(`EigenPro vs exact by epoch: ${gaps.map((g) => g.toExponential(1)).join(' ')}`);
  assert.equal(gaps.length, 12);
  assert.ok(gaps[11] < gaps[0] / 10, `no convergence: ${gaps[0]} -> ${gaps[11]}`);
});

test('bad EigenPro options and solver names are OptionErrors that name the problem', async () => {
  const bad: Array<[object, RegExp]> = [
    [{ solver: 'eigenPro' }, /solver must be 'auto', 'exact', 'nystrom' or 'eigenpro', got eigenPro/],
    [{ solver: 'eigenpro', eigenpro: { epochs: 0 } }, /eigenpro.epochs must be a positive integer, got 0/],
    [{ solver: 'eigenpro', eigenpro: { batchSize: 1.5 } }, /eigenpro.batchSize must be a positive integer/],
    [{ solver: 'eigenpro', eigenpro: { subsample: 1 } }, /eigenpro.subsample must be an integer >= 2/],
    [{ solver: 'eigenpro', eigenpro: { q: 50, subsample: 50 } }, /eigenpro.q \(50\) must be below eigenpro.subsample/],
    [{ solver: 'eigenpro', eigenpro: { damping: 1.5 } }, /eigenpro.damping must be in \(0, 1\]/],
    [{ solver: 'eigenpro', eigenpro: { epoch: 3 } }, /unknown option "epoch"/],
  ];
  for (const [options, message] of bad)
    assert.throws(
      () => new KernelRegressor(options),
      (e: Error) => e instanceof OptionError && message.test(e.message),
    );
  // q must be below the subsample, which is at most n: known only at fit time, before any work.
  const { x, y } = problem(40);
  await assert.rejects(
    new KernelRegressor({ ...common, solver: 'eigenpro', eigenpro: { q: 60 } }).fit(x, y),
    (e: Error) => e instanceof OptionError && /q = 60 eigendirections .* there are 40 \(n = 40\)/.test(e.message),
  );
});

test('an EigenPro fit reports progress per batch, saves and loads, and is cancelled by its signal, leaving the previous model', async () => {
  const { x, y, z } = problem(300);
  const model = new KernelRegressor({ ...common, solver: 'eigenpro', eigenpro: { epochs: 2, batchSize: 50 } });
  const seen: string[] = [];
  await model.fit(x, y, {
    onProgress: (p) => {
      if (p.stage === 'eigenpro') seen.push(`${p.epoch}/${p.epochs}:${p.done}/${p.total}`);
    },
  });
  assert.deepEqual(seen.slice(0, 2), ['1/2:1/6', '1/2:2/6']);
  assert.equal(seen[seen.length - 1], '2/2:6/6');
  assert.equal(seen.length, 12);
  const before = await model.predict(z);
  const restored = KernelRegressor.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
  assert.deepEqual(Array.from((await restored.predict(z)).data), Array.from(before.data));
  assert.equal(restored.summary.solver, 'eigenpro');
  assert.deepEqual(restored.getParams().eigenpro, { epochs: 2, batchSize: 50 });
  const controller = new AbortController();
  await assert.rejects(
    model.fit(problem(300, 9).x, y, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.stage === 'eigenpro' && p.done === 2) controller.abort();
      },
    }),
    CancelledError,
  );
  assert.deepEqual(Array.from((await model.predict(z)).data), Array.from(before.data));
});

test("'auto' prices EigenPro and records why it did not pick it; an oversize EigenPro fit is refused at once", async () => {
  const { x, y } = problem(200);
  const auto = await new KernelRegressor({ ...common }).fit(x, y);
  assert.equal(auto.summary.solver, 'exact');
  assert.match(
    auto.summary.reason,
    /eigenpro not chosen \(eigenpro: 5 epochs, s = 200, q = 160.*'auto' never picks it/,
  );
  assert.ok(auto.summary.estimate.eigenpro!.seconds > 0);
  const n = 2_000_000;
  const d = 784;
  const started = performance.now();
  assert.throws(
    () =>
      chooseKernelSolver(
        {
          model: 'KernelRegressor',
          n,
          exact: (k) => exactKrrCost(k, d, 10, 8, false),
          nystrom: nystromKrrCost(n, d, 10, 2048),
          eigenpro: eigenProKrrCost(n, d, 10),
        },
        'eigenpro',
      ),
    (e: Error) => e instanceof MemoryError && /EigenPro solve \(n = 2000000/.test(e.message),
  );
  assert.ok(performance.now() - started < 1000);
});
