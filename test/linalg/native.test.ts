import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/linalg/backend';
import { jsBackend } from '../../src/linalg/backends/js';
import { Matrix } from '../../src/linalg/matrix';
import { availableBackends, backendInfo } from '../../src/linalg/registry';
import { assertClose, randomMatrix, rng, sumTol } from './helpers';

/** What only the native backend promises: Promises that leave the main thread free, threads, concurrent calls, guards. */

async function nativeBackend(): Promise<Backend | undefined> {
  return (await availableBackends()).find((b) => b.name === 'native');
}

describe('native backend', async () => {
  const native = await nativeBackend();
  const info = await backendInfo();
  const status = info.backends.find((b) => b.name === 'native');
  const skip = native ? false : `native unavailable: ${status?.detail}`;

  it('reports the library and its threads', { skip }, () => {
    assert.ok(status?.available);
    assert.match(status!.detail, /^OpenBLAS \S+.*, \d+ threads$/);
    assert.deepEqual([...native!.dtypes].sort(), ['float32', 'float64']);
  });

  it('runs heavy calls off the main thread', { skip }, async () => {
    const rand = rng(31);
    const a = randomMatrix(900, 900, 'float64', rand);
    let ticks = 0;
    let done = false;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    const pending = native!.gemm(a, a).then(() => (done = true));
    assert.equal(done, false, 'returns before the product is computed');
    await pending;
    const elapsed = performance.now() - started;
    clearInterval(timer);
    // The event loop kept turning while the worker computed (1.5 GFLOP: tens of ms on any machine with OpenBLAS).
    assert.ok(ticks >= 2 || elapsed < 5, `only ${ticks} timer ticks in ${elapsed.toFixed(1)} ms`);
  });

  it('small calls resolve as Promises too', { skip }, async () => {
    const p = native!.gemm(Matrix.from([[2]]), Matrix.from([[3]]));
    assert.ok(p instanceof Promise);
    assert.equal((await p).get(0, 0), 6);
  });

  it('setThreads / getThreads drive OpenBLAS', { skip }, async () => {
    const before = native!.getThreads();
    try {
      native!.setThreads(1);
      assert.equal(native!.getThreads(), 1);
      assert.throws(() => native!.setThreads(0), /positive integer/);
      assert.throws(() => native!.setThreads(1.5), /positive integer/);
    } finally {
      native!.setThreads(before);
    }
    assert.equal(native!.getThreads(), before);
  });

  it(
    'concurrent calls on several libuv threads give the sequential results (1 and 2 OpenBLAS threads each)',
    { skip },
    async () => {
      const before = native!.getThreads();
      try {
        for (const threads of [1, 2]) {
          native!.setThreads(threads);
          const rand = rng(32 + threads);
          for (const dtype of ['float32', 'float64'] as const) {
            const inputs = Array.from({ length: 4 }, () => [
              randomMatrix(300, 200, dtype, rand),
              randomMatrix(200, 250, dtype, rand),
            ]);
            const grams = await Promise.all(inputs.map(([a]) => native!.syrk(a)));
            for (const g of grams) for (let i = 0; i < g.rows; i++) g.data[i * g.rows + i] += 300; // SPD
            const [products, factors] = await Promise.all([
              Promise.all(inputs.map(([a, b]) => native!.gemm(a, b))),
              Promise.all(grams.map((g) => native!.cholesky(g))),
            ]);
            for (let i = 0; i < inputs.length; i++) {
              const [a, b] = inputs[i];
              const what = `${dtype} threads=${threads} call ${i}`;
              assertClose(products[i], await native!.gemm(a, b), 0, `${what} concurrent gemm`);
              assertClose(factors[i], await native!.cholesky(grams[i]), 0, `${what} concurrent cholesky`);
            }
          }
        }
      } finally {
        native!.setThreads(before);
      }
    },
  );

  it('distanceKernel split over threads (from 2^20 entries) equals js', { skip }, async () => {
    const before = native!.getThreads();
    try {
      native!.setThreads(2);
      for (const dtype of ['float32', 'float64'] as const) {
        const rand = rng(34);
        const x = randomMatrix(1100, 6, dtype, rand);
        const z = randomMatrix(1000, 6, dtype, rand);
        z.data.set(x.data.subarray(0, 600)); // exact zero distances too
        const gram = await jsBackend.gemm(x, z, { transB: true });
        const o = { bandwidth: 0.8, exponent: 1, zeroTol: 1e-6, weights: true };
        const want = await jsBackend.distanceKernel(
          gram,
          jsBackend.rowSquaredNorms(x),
          jsBackend.rowSquaredNorms(z),
          o,
        );
        const got = await native!.distanceKernel(gram, jsBackend.rowSquaredNorms(x), jsBackend.rowSquaredNorms(z), o);
        const tol = dtype === 'float32' ? 4e-7 : 1e-14;
        assertClose(got.kernel, want.kernel, tol, `${dtype} kernel`);
        const w = got.weights!.data;
        const ww = want.weights!.data;
        for (let i = 0; i < w.length; i++) {
          if (!(Math.abs(w[i] - ww[i]) <= 4 * tol * Math.max(1, Math.abs(ww[i]))))
            assert.fail(`${dtype} weights entry ${i}: ${w[i]} vs ${ww[i]}`);
        }
      }
    } finally {
      native!.setThreads(before);
    }
  });

  it('syrk at a size with many tiles mirrors exactly', { skip }, async () => {
    const a = randomMatrix(301, 40, 'float64', rng(33));
    const c = await native!.syrk(a);
    for (let i = 0; i < 301; i++) for (let j = 0; j < i; j++) assert.equal(c.get(j, i), c.get(i, j));
    assertClose(c, await jsBackend.gemm(a, a, { transB: true }), sumTol('float64', 40, 1), 'syrk vs gemm');
  });

  it('the addon guards its memory on a direct call', { skip }, async () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const addon = require(
      process.env.RFM_NATIVE_ADDON || join(__dirname, '..', '..', 'native', 'build', 'Release', 'rfm_native.node'),
    );
    assert.throws(
      () => addon.gemm(new Float64Array(3), new Float64Array(4), new Float64Array(4), 2, 2, 2, false, false, 1, 0),
      RangeError,
    );
    assert.throws(
      () => addon.gemm(new Float64Array(4), new Float32Array(4), new Float64Array(4), 2, 2, 2, false, false, 1, 0),
      /mix float32 and float64/,
    );
    assert.throws(() => addon.potrf(new Int32Array(4), 2), TypeError);
    assert.throws(() => addon.trsm(new Float32Array(4), new Float32Array(4), 2, -1, false), RangeError);
  });
});
