import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/linalg/backend';
import { jsBackend } from '../../src/linalg/backends/js';
import { addColumnSquares } from '../../src/linalg/elementwise';
import { DType, Matrix, epsOf } from '../../src/linalg/matrix';
import { availableBackends } from '../../src/linalg/registry';
import { assertClose, label, maxAbs, randomLower, randomMatrix, randomSPD, rng, sumTol } from './helpers';

/**
 * Every available backend against the js reference, in each dtype it supports, on random and edge shapes
 * (1 x 1, tall, wide, one right-hand side, and sizes large enough for the native addon's threaded path).
 */

// [rows of op(A), inner, cols of op(B)]
const GEMM_SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [37, 3, 4], // tall
  [3, 41, 2], // wide inner
  [4, 2, 53], // wide
  [29, 17, 1], // one column
  [70, 60, 50], // above the native synchronous threshold with one BLAS thread (with two, calls up to ~1.5e8 flops run synchronously)
  [5, 0, 3], // empty inner dimension: beta C only
];

async function check(fn: (backend: Backend, dtype: DType) => Promise<void>): Promise<void> {
  for (const backend of await availableBackends()) {
    for (const dtype of backend.dtypes) await fn(backend, dtype);
  }
}

describe('backends agree with the js reference', () => {
  it('lists js and reports its dtypes', async () => {
    const backends = await availableBackends();
    assert.ok(backends.some((b) => b.name === 'js'));
    for (const b of backends) assert.ok(b.dtypes.length > 0, `${b.name} has dtypes`);
  });

  it('gemm (transposes, alpha, beta, out)', async () => {
    await check(async (backend, dtype) => {
      const rand = rng(11);
      for (const [m, k, n] of GEMM_SHAPES) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const a = randomMatrix(transA ? k : m, transA ? m : k, dtype, rand);
            const b = randomMatrix(transB ? n : k, transB ? k : n, dtype, rand);
            const what = `${label(backend, dtype)} gemm ${m}x${k}x${n} transA=${transA} transB=${transB}`;
            const expected = await jsBackend.gemm(a, b, { transA, transB });
            const got = await backend.gemm(a, b, { transA, transB });
            assertClose(got, expected, sumTol(dtype, k, 1), what);
            // alpha, beta and an output written in place
            const c0 = randomMatrix(m, n, dtype, rand);
            const want = await jsBackend.gemm(a, b, { transA, transB, alpha: -0.5, beta: 2, out: c0.clone() });
            const out = c0.clone();
            const res = await backend.gemm(a, b, { transA, transB, alpha: -0.5, beta: 2, out });
            assert.equal(res, out, `${what}: returns out`);
            assertClose(out, want, sumTol(dtype, k + 2, 2), `${what} alpha beta`);
          }
        }
      }
    });
  });

  it('gemm with beta = 0 ignores what out held (NaN included)', async () => {
    await check(async (backend, dtype) => {
      const rand = rng(12);
      for (const [m, k, n] of [
        [3, 4, 5],
        [80, 70, 60],
      ]) {
        const a = randomMatrix(m, k, dtype, rand);
        const b = randomMatrix(k, n, dtype, rand);
        const out = new Matrix(m, n, dtype);
        out.data.fill(NaN);
        await backend.gemm(a, b, { out, beta: 0 });
        assertClose(
          out,
          await jsBackend.gemm(a, b),
          sumTol(dtype, k, 1),
          `${label(backend, dtype)} gemm ${m}x${k}x${n} beta 0`,
        );
      }
    });
  });

  it('syrk fills both triangles (trans, alpha, beta, out)', async () => {
    await check(async (backend, dtype) => {
      const rand = rng(13);
      for (const [r, c] of [
        [1, 1],
        [40, 3],
        [3, 40],
        [9, 1],
        [90, 70],
      ]) {
        const a = randomMatrix(r, c, dtype, rand);
        for (const trans of [false, true]) {
          const n = trans ? c : r;
          const k = trans ? r : c;
          const what = `${label(backend, dtype)} syrk ${r}x${c} trans=${trans}`;
          const got = await backend.syrk(a, { trans });
          assertClose(got, await jsBackend.syrk(a, { trans }), sumTol(dtype, k, 1), what);
          for (let i = 0; i < n; i++)
            for (let j = 0; j < i; j++) assert.equal(got.get(i, j), got.get(j, i), `${what}: symmetric at ${i},${j}`);
          const c0 = await jsBackend.syrk(randomMatrix(n, 2, dtype, rand)); // symmetric start for beta
          const want = await jsBackend.syrk(a, { trans, alpha: 0.5, beta: -1, out: c0.clone() });
          const out = c0.clone();
          assert.equal(await backend.syrk(a, { trans, alpha: 0.5, beta: -1, out }), out);
          assertClose(out, want, sumTol(dtype, k + 2, 2), `${what} alpha beta`);
        }
      }
    });
  });

  it('cholesky (copy and in place)', async () => {
    await check(async (backend, dtype) => {
      const rand = rng(14);
      for (const n of [1, 2, 7, 64, 150]) {
        const a = randomSPD(n, dtype, rand);
        const what = `${label(backend, dtype)} cholesky n=${n}`;
        const want = await jsBackend.cholesky(a);
        const before = a.clone();
        const l = await backend.cholesky(a);
        assert.notEqual(l, a, `${what}: copies by default`);
        assertClose(a, before, 0, `${what}: input untouched`);
        assertClose(l, want, 50 * n * epsOf(dtype) * maxAbs(want), what);
        for (let i = 0; i < n; i++)
          for (let j = i + 1; j < n; j++) assert.equal(l.get(i, j), 0, `${what}: upper triangle zero at ${i},${j}`);
        // Only the lower triangle is read: junk above the diagonal changes nothing.
        const junk = a.clone();
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) junk.set(i, j, 3 * rand() - 1);
        assertClose(await backend.cholesky(junk), l, 0, `${what}: upper triangle ignored`);
        const inPlace = await backend.cholesky(a, { inPlace: true });
        assert.equal(inPlace, a, `${what}: inPlace returns the input`);
        assertClose(a, l, 50 * n * epsOf(dtype) * maxAbs(want), `${what} in place`);
      }
    });
  });

  it('triangularSolve (one and many right-hand sides, transpose, in place)', async () => {
    await check(async (backend, dtype) => {
      const rand = rng(15);
      for (const [n, m] of [
        [1, 1],
        [1, 4],
        [6, 1],
        [50, 1],
        [50, 7],
        [120, 60],
        [9, 0],
      ]) {
        const l = randomLower(n, dtype, rand);
        const b = randomMatrix(n, m, dtype, rand);
        for (const transpose of [false, true]) {
          const what = `${label(backend, dtype)} triangularSolve ${n}x${m} transpose=${transpose}`;
          const want = await jsBackend.triangularSolve(l, b, { transpose });
          const before = b.clone();
          const x = await backend.triangularSolve(l, b, { transpose });
          assertClose(b, before, 0, `${what}: B untouched`);
          assertClose(x, want, 20 * n * epsOf(dtype) * Math.max(1, maxAbs(want)), what);
          const inPlace = b.clone();
          assert.equal(
            await backend.triangularSolve(l, inPlace, { transpose, inPlace: true }),
            inPlace,
            `${what}: inPlace returns B`,
          );
          assertClose(inPlace, x, 20 * n * epsOf(dtype) * Math.max(1, maxAbs(want)), `${what} in place`);
        }
      }
    });
  });

  it('distanceKernel (q = 1, 2 and fractional; weights; zero distances; aliasing the Gram matrix)', async () => {
    await check(async (backend, dtype) => {
      const rand = rng(16);
      for (const [ra, rb, d] of [
        [1, 1, 1],
        [30, 4, 5],
        [3, 45, 2],
        [200, 190, 12],
      ]) {
        const x = randomMatrix(ra, d, dtype, rand);
        const z = new Matrix(rb, d, dtype);
        // Share some rows so that exact zero distances (and near-zero cancellation) occur.
        for (let i = 0; i < rb; i++)
          z.data.set(i % 3 === 0 && i < ra ? x.row(i) : randomMatrix(1, d, dtype, rand).data, i * d);
        const gram = await jsBackend.gemm(x, z, { transB: true });
        const pa = jsBackend.rowSquaredNorms(x);
        const pb = jsBackend.rowSquaredNorms(z);
        for (const exponent of [1, 2, 0.7, 1.5]) {
          const o = { bandwidth: 1.3, exponent, zeroTol: 1e-6, weights: true };
          const what = `${label(backend, dtype)} distanceKernel ${ra}x${rb} q=${exponent}`;
          const want = await jsBackend.distanceKernel(gram, pa, pb, o);
          const got = await backend.distanceKernel(gram, pa, pb, o);
          const tol = dtype === 'float32' ? 4e-7 : 1e-14;
          assertClose(got.kernel, want.kernel, tol, `${what} kernel`);
          // weights grow like D^(q-2) near 0: compare relative to their size
          const w = got.weights!.data;
          const ww = want.weights!.data;
          for (let i = 0; i < w.length; i++) {
            assert.ok(
              Math.abs(w[i] - ww[i]) <= tol * Math.max(1, Math.abs(ww[i])) * 4,
              `${what} weights entry ${i}: ${w[i]} vs ${ww[i]}`,
            );
            if (ww[i] === 0) assert.equal(w[i], 0, `${what} weights exact zero at ${i}`);
          }
          const noWeights = await backend.distanceKernel(gram, pa, pb, { bandwidth: 1.3, exponent, zeroTol: 1e-6 });
          assert.equal(noWeights.weights, undefined, `${what}: no weights unless asked`);
          // K written over the Gram matrix itself
          const alias = gram.clone();
          const res = await backend.distanceKernel(alias, pa, pb, { ...o, outKernel: alias });
          assert.equal(res.kernel, alias, `${what}: outKernel returned`);
          assertClose(alias, want.kernel, tol, `${what} aliased`);
        }
      }
    });
  });

  it('gradientCoefficients (all rows or a subset J, centring, several outputs) agrees bit for bit', async () => {
    await check(async (backend, dtype) => {
      const rand = rng(19);
      // n = 120: above the native synchronous threshold, so the worker path runs too.
      for (const [n, c, sub] of [
        [1, 1, false],
        [9, 3, true],
        [120, 2, false],
        [120, 1, true],
      ] as [number, number, boolean][]) {
        const rows = sub ? Int32Array.from({ length: Math.ceil(n / 2) }, (_, r) => (r * 7) % n) : null;
        const m = rows ? rows.length : n;
        const wj = randomMatrix(m, n, dtype, rand);
        const alpha = randomMatrix(n, c, dtype, rand);
        const scores = randomMatrix(m, c, dtype, rand);
        for (const centering of [false, true]) {
          for (let k = 0; k < c; k++) {
            const what = `${label(backend, dtype)} gradientCoefficients ${m}x${n} c=${c} k=${k} centering=${centering}`;
            const o = { rows, output: k, kappa: 0.7, centering };
            const want = await jsBackend.gradientCoefficients(wj, alpha, scores, {
              ...o,
              out: new Matrix(m, n, dtype),
            });
            const out = new Matrix(m, n, dtype);
            assert.equal(
              await backend.gradientCoefficients(wj, alpha, scores, { ...o, out }),
              out,
              `${what}: returns out`,
            );
            assertClose(out, want, 0, what);
          }
        }
      }
      const w = randomMatrix(3, 3, dtype, rand);
      const a = randomMatrix(3, 1, dtype, rand);
      await assert.rejects(
        backend.gradientCoefficients(w, a, a, {
          rows: null,
          output: 1,
          kappa: 1,
          centering: false,
          out: new Matrix(3, 3, dtype),
        }),
        /output must be/,
      );
      await assert.rejects(
        backend.gradientCoefficients(w, a, a, {
          rows: Int32Array.from([0, 5, 1]),
          output: 0,
          kappa: 1,
          centering: false,
          out: new Matrix(3, 3, dtype),
        }),
        /outside/,
      );
    });
  });

  it('addColumnSquares (overwrite and accumulate) agrees bit for bit', async () => {
    await check(async (backend, dtype) => {
      const rand = rng(23);
      for (const [r, c] of [
        [1, 1],
        [50, 3],
        [3, 60],
        [200, 160],
        [0, 4],
      ]) {
        const a = randomMatrix(r, c, dtype, rand);
        const start = randomMatrix(1, c, dtype, rand).data;
        for (const accumulate of [false, true]) {
          const what = `${label(backend, dtype)} addColumnSquares ${r}x${c} accumulate=${accumulate}`;
          const want = start.slice();
          addColumnSquares(a, want, 0.3, accumulate);
          const got = start.slice();
          assert.equal(await backend.addColumnSquares(a, got, 0.3, accumulate), got, `${what}: returns out`);
          assertClose(got, want, 0, what);
        }
      }
      await assert.rejects(
        backend.addColumnSquares(randomMatrix(2, 3, dtype, rand), new Float64Array(2), 1, false),
        /3 columns, output has 2/,
      );
    });
  });

  it('rowSquaredNorms', async () => {
    await check(async (backend, dtype) => {
      const rand = rng(17);
      for (const [r, c] of [
        [1, 1],
        [50, 3],
        [3, 60],
        [4, 0],
      ]) {
        const a = randomMatrix(r, c, dtype, rand);
        const got = backend.rowSquaredNorms(a);
        const want = jsBackend.rowSquaredNorms(a);
        assert.equal(got.constructor, want.constructor, `${label(backend, dtype)} rowSquaredNorms dtype`);
        assertClose(got, want, sumTol(dtype, c, 1), `${label(backend, dtype)} rowSquaredNorms ${r}x${c}`);
      }
    });
  });

  it('threads can be set and read', async () => {
    for (const backend of await availableBackends()) {
      const before = backend.getThreads();
      assert.ok(Number.isInteger(before) && before >= 1, `${backend.name} getThreads`);
      backend.setThreads(1);
      assert.ok(backend.getThreads() >= 1);
      if (backend.name === 'native') assert.equal(backend.getThreads(), 1);
      backend.setThreads(before);
      assert.equal(backend.getThreads(), before, `${backend.name} thread count restored`);
    }
  });
});
