import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eigenProFit } from '../../bench/eigenpro';
import { IDENTITY, productKernel } from '../../src/kernels/kernel';
import { solveNystrom } from '../../src/kernels/nystrom';
import { FeatureKernels } from '../../src/kernels/nystrom-kernels';
import { Matrix } from '../../src/linalg/matrix';
import { backendFor } from '../../src/linalg/registry';
import { DenseFeatures } from '../../src/rfm/features';
import { Rng } from '../../src/random';

// bench/eigenpro.ts is the benchmark's EigenPro 2 peer (docs/large-n.md): its iteration must converge to the
// interpolating solution K alpha = Y that the direct solve gives (ridge ~0), or the comparison would be unfair to it.
test('EigenPro 2 (the bench peer) converges to the direct solve of K alpha = Y on a small problem', async () => {
  const backend = await backendFor('float64');
  const rng = new Rng(5);
  const n = 600;
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
  const kernel = productKernel('laplace', 2);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const src = await FeatureKernels.create(backend, new DenseFeatures(x), all, IDENTITY, kernel, 256);
  const direct = await solveNystrom(backend, src, y, { ridge: 1e-9, method: 'direct', blockRows: 256 });
  const kz = (await src.cross(new DenseFeatures(z))).kernel;
  const target = await backend.gemm(kz, direct.alpha);
  const gaps: number[] = [];
  await eigenProFit(backend, new DenseFeatures(x), y, IDENTITY, kernel, {
    epochs: 40,
    q: 300,
    subsample: n,
    seed: 1,
    onEpoch: async (_epoch, alpha) => {
      const p = await backend.gemm(kz, alpha);
      let num = 0;
      let den = 0;
      for (let i = 0; i < p.data.length; i++) {
        num += (p.data[i] - target.data[i]) ** 2;
        den += target.data[i] ** 2;
      }
      gaps.push(Math.sqrt(num / den));
    },
  });
  console.log(`EigenPro vs direct, relative gap by epoch: ${gaps.map((g) => g.toExponential(1)).join(' ')}`);
  assert.ok(gaps[gaps.length - 1] < 2e-3, `after 40 epochs still ${gaps[gaps.length - 1]} from the direct solve`);
  assert.ok(gaps[gaps.length - 1] < gaps[0] / 10, `no convergence: ${gaps[0]} -> ${gaps[gaps.length - 1]}`);
});
