import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Backend } from '../../src/linalg/backend';
import { jsBackend } from '../../src/linalg/backends/js';
import { loadTfjsBackend } from '../../src/linalg/backends/tfjs';
import { BLOCK } from '../../src/linalg/backends/tfjs-cholesky';
import { DTypeError, EmptyMatrixError, NonFiniteError, NotSPDError, ShapeError } from '../../src/core/errors';
import { Matrix, epsOf } from '../../src/linalg/matrix';
import { spdSolve } from '../../src/linalg/spd-solve';
import { Rng } from '../../src/random';
import { backwardError, caught, randomLower } from './helpers';

/**
 * The tfjs backend (wasm here: tfjs-node cannot be installed on these machines, so its path is untested) against the
 * js reference in float32, on edge shapes and on sizes past the Cholesky block size, where the blocked code and the
 * tfjs products actually run.
 */

let tfjs: Backend;
let detail: string;

before(async () => {
  ({ backend: tfjs, detail } = await loadTfjsBackend());
});

function uniform(rows: number, cols: number, rng: Rng): Matrix {
  const m = new Matrix(rows, cols, 'float32');
  for (let i = 0; i < m.data.length; i++) m.data[i] = 2 * rng.next() - 1;
  return m;
}

/** ||got - want||_F / ||want||_F in float64, after checking shape and dtype. */
function relativeError(got: Matrix, want: Matrix, what: string): number {
  assert.deepEqual([got.rows, got.cols, got.dtype], [want.rows, want.cols, want.dtype], `${what}: shape and dtype`);
  let d = 0;
  let w = 0;
  for (let i = 0; i < got.data.length; i++) {
    d += (got.data[i] - want.data[i]) ** 2;
    w += want.data[i] ** 2;
  }
  return w === 0 ? Math.sqrt(d) : Math.sqrt(d / w);
}

function assertNear(got: Matrix, want: Matrix, tol: number, what: string): void {
  const e = relativeError(got, want, what);
  assert.ok(e <= tol, `${what}: relative error ${e.toExponential(2)} > ${tol}`);
}

/** Q diag(lambda) Q' with lambda log-spaced in [1/cond, 1] and Q from a QR of a Gaussian matrix, in float64. */
function spdWithEigenvalues(q: Float64Array, n: number, cond: number): Matrix {
  const a = new Float64Array(n * n);
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < n; c++) row[c] = q[i * n + c] * (n === 1 ? 1 : Math.pow(cond, -c / (n - 1)));
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += row[c] * q[j * n + c];
      a[i * n + j] = s;
      a[j * n + i] = s;
    }
  }
  return new Matrix(n, n, a).astype('float32');
}

/** The orthogonal factor of a Gaussian matrix (row-major), by Gram-Schmidt with reorthogonalisation. */
function randomOrthogonal(n: number, rng: Rng): Float64Array {
  const cols: Float64Array[] = [];
  for (let c = 0; c < n; c++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = rng.normal();
    for (let pass = 0; pass < 2; pass++) {
      for (const u of cols) {
        let s = 0;
        for (let i = 0; i < n; i++) s += u[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= s * u[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) v[i] /= norm;
    cols.push(v);
  }
  const q = new Float64Array(n * n);
  for (let c = 0; c < n; c++) for (let i = 0; i < n; i++) q[i * n + c] = cols[c][i];
  return q;
}

/** G G' / k + 0.1 I for a uniform n x k matrix G: large off-diagonal entries, condition number in the hundreds. */
async function gramPlusRidge(n: number, k: number, rng: Rng): Promise<Matrix> {
  const a = await jsBackend.syrk(uniform(n, k, rng).astype('float64'), { alpha: 1 / k });
  for (let i = 0; i < n; i++) a.data[i * n + i] += 0.1;
  return a.astype('float32');
}

describe('tfjs backend', () => {
  it('loads once and says what it runs on', async () => {
    assert.equal(tfjs.name, 'tfjs');
    assert.deepEqual(tfjs.dtypes, ['float32']);
    assert.equal((await loadTfjsBackend()).backend, tfjs, 'one backend per process');
    assert.match(detail, /^tfjs-core 4\.22\.0 on (wasm|tensorflow)/);
    let nodeInstalled = true;
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      nodeInstalled = false;
    }
    if (!nodeInstalled) {
      // Node 20's WebAssembly has SIMD, and tfjs-backend-wasm keeps its threaded build off under Node.
      assert.match(detail, /^tfjs-core 4\.22\.0 on wasm \(tfjs-backend-wasm-simd\.wasm: SIMD, 1 thread\)$/);
      assert.equal(tfjs.getThreads(), 1);
      tfjs.setThreads(2);
      assert.equal(tfjs.getThreads(), 1, 'wasm under Node has one thread whatever is asked');
    }
  });

  it('gemm matches js (edge shapes, transposes, alpha, beta, out)', async () => {
    const rng = new Rng(1);
    // [rows of op(A), inner, cols of op(B)]
    const shapes: [number, number, number][] = [
      [1, 1, 1],
      [300, 7, 5],
      [6, 400, 3],
      [4, 9, 350],
      [120, 80, 1],
      [260, 300, 270],
      [5, 0, 3],
      [0, 4, 2],
    ];
    for (const [m, k, n] of shapes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const what = `gemm ${m}x${k}x${n} transA=${transA} transB=${transB}`;
          const a = uniform(transA ? k : m, transA ? m : k, rng);
          const b = uniform(transB ? n : k, transB ? k : n, rng);
          assertNear(
            await tfjs.gemm(a, b, { transA, transB }),
            await jsBackend.gemm(a, b, { transA, transB }),
            1e-5,
            what,
          );
          const c0 = uniform(m, n, rng);
          const out = c0.clone();
          const res = await tfjs.gemm(a, b, { transA, transB, alpha: -0.5, beta: 2, out });
          assert.equal(res, out, `${what}: returns out`);
          assertNear(
            out,
            await jsBackend.gemm(a, b, { transA, transB, alpha: -0.5, beta: 2, out: c0.clone() }),
            1e-5,
            `${what} alpha beta`,
          );
        }
      }
    }
  });

  it('gemm with beta = 0 ignores NaN in out', async () => {
    const rng = new Rng(2);
    const a = uniform(40, 30, rng);
    const b = uniform(30, 20, rng);
    const out = new Matrix(40, 20, 'float32');
    out.data.fill(NaN);
    await tfjs.gemm(a, b, { out, beta: 0, alpha: 3 });
    assertNear(out, await jsBackend.gemm(a, b, { alpha: 3 }), 1e-5, 'gemm beta 0');
  });

  it('syrk matches js and is exactly symmetric', async () => {
    const rng = new Rng(3);
    for (const [r, c] of [
      [1, 1],
      [300, 4],
      [4, 300],
      [9, 1],
      [280, 260],
      [3, 0],
    ]) {
      const a = uniform(r, c, rng);
      for (const trans of [false, true]) {
        const n = trans ? c : r;
        const what = `syrk ${r}x${c} trans=${trans}`;
        const got = await tfjs.syrk(a, { trans });
        assertNear(got, await jsBackend.syrk(a, { trans }), 1e-5, what);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < i; j++) assert.equal(got.get(i, j), got.get(j, i), `${what}: symmetric at ${i},${j}`);
        const c0 = await jsBackend.syrk(uniform(n, 2, rng));
        const out = c0.clone();
        assert.equal(await tfjs.syrk(a, { trans, alpha: 0.5, beta: -1, out }), out);
        assertNear(
          out,
          await jsBackend.syrk(a, { trans, alpha: 0.5, beta: -1, out: c0.clone() }),
          1e-5,
          `${what} alpha beta`,
        );
      }
    }
  });

  it('cholesky matches js across block boundaries and row strips, reading only the lower triangle', async () => {
    const rng = new Rng(4);
    // 1300: the first trailing updates are taller than one row strip (1024).
    for (const n of [1, 2, BLOCK - 1, BLOCK, BLOCK + 1, 600, 1300]) {
      const what = `cholesky n=${n}`;
      const a = await gramPlusRidge(n, Math.min(n, 64), rng);
      const want = await jsBackend.cholesky(a);
      const untouched = a.clone();
      const l = await tfjs.cholesky(a);
      assert.deepEqual(a.data, untouched.data, `${what}: input untouched`);
      assertNear(l, want, 1e-4, what);
      for (let i = 0; i < n; i++)
        for (let j = i + 1; j < n; j++) assert.equal(l.get(i, j), 0, `${what}: upper triangle zero at ${i},${j}`);
      // Whatever sits above the diagonal is ignored, as in the js reference.
      const lowerOnly = a.clone();
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) lowerOnly.set(i, j, 1e3 * (rng.next() - 0.5));
      assert.equal(await tfjs.cholesky(lowerOnly, { inPlace: true }), lowerOnly, `${what}: in place returns the input`);
      assert.deepEqual(lowerOnly.data, l.data, `${what}: upper triangle of the input ignored`);
    }
  });

  it('triangularSolve matches js (one and many right-hand sides, transpose, in place)', async () => {
    const rng = new Rng(5);
    const rand = (): number => rng.next();
    for (const n of [1, 7, BLOCK + 1, 600]) {
      const l = randomLower(n, 'float32', rand);
      for (const r of [1, 2, 60]) {
        const b = uniform(n, r, rng);
        for (const transpose of [false, true]) {
          const what = `triangularSolve n=${n} rhs=${r} transpose=${transpose}`;
          const untouched = b.clone();
          const x = await tfjs.triangularSolve(l, b, { transpose });
          assert.deepEqual(b.data, untouched.data, `${what}: B untouched`);
          assertNear(x, await jsBackend.triangularSolve(l, b, { transpose }), 1e-5, what);
          const inPlace = b.clone();
          assert.equal(
            await tfjs.triangularSolve(l, inPlace, { transpose, inPlace: true }),
            inPlace,
            `${what}: in place returns B`,
          );
          assert.deepEqual(inPlace.data, x.data, `${what}: in place gives the same X`);
        }
      }
    }
    const empty = await tfjs.triangularSolve(Matrix.identity(3, 'float32'), new Matrix(3, 0, 'float32'));
    assert.deepEqual([empty.rows, empty.cols], [3, 0]);
  });

  it('SPD solves with condition numbers up to 1e6 have backward error below 100 n eps', async () => {
    const rng = new Rng(6);
    for (const n of [1, 8, BLOCK + 44, 600]) {
      const q = randomOrthogonal(n, rng);
      for (const cond of [1, 1e3, 1e6]) {
        const a = spdWithEigenvalues(q, n, cond);
        for (const rhs of [1, 60]) {
          const b = uniform(n, rhs, rng);
          const err = backwardError(a, await spdSolve(tfjs, a, b), b);
          const bound = 100 * n * epsOf('float32');
          assert.ok(
            err < bound,
            `n=${n} cond=${cond} rhs=${rhs}: backward error ${err.toExponential(2)} >= ${bound.toExponential(2)}`,
          );
        }
      }
    }
  });

  it('disposes every tensor it creates', async () => {
    const tf: typeof import('@tensorflow/tfjs-core') = require('@tensorflow/tfjs-core');
    const rng = new Rng(9);
    const before = tf.memory().numTensors;
    const a = await gramPlusRidge(BLOCK + 30, 40, rng);
    const b = uniform(BLOCK + 30, 3, rng);
    await tfjs.gemm(a, b, { transA: true, alpha: 2, beta: 1, out: b.clone() });
    await tfjs.syrk(b, { trans: true });
    await spdSolve(tfjs, a, b);
    assert.equal(tf.memory().numTensors, before);
  });

  it('distanceKernel and rowSquaredNorms equal js exactly (the same JavaScript loop)', async () => {
    const rng = new Rng(7);
    const x = uniform(50, 6, rng);
    const z = uniform(40, 6, rng);
    z.data.set(x.data.subarray(0, 60)); // shared rows: exact zero distances
    const gram = await jsBackend.gemm(x, z, { transB: true });
    const pa = tfjs.rowSquaredNorms(x);
    const pb = tfjs.rowSquaredNorms(z);
    assert.deepEqual(pa, jsBackend.rowSquaredNorms(x));
    assert.ok(pa instanceof Float32Array);
    for (const exponent of [1, 2, 1.5]) {
      const o = { bandwidth: 1.7, exponent, zeroTol: 1e-6, weights: true };
      const got = await tfjs.distanceKernel(gram, pa, pb, o);
      const want = await jsBackend.distanceKernel(gram, pa, pb, o);
      assert.deepEqual(got.kernel.data, want.kernel.data, `q=${exponent} kernel`);
      assert.deepEqual(got.weights!.data, want.weights!.data, `q=${exponent} weights`);
    }
  });

  describe('errors name the problem', () => {
    it('a non-SPD matrix: NotSPDError at the global pivot, also when only a trailing update reveals it', async () => {
      const n = 600;
      const planted = await gramPlusRidge(n, 64, new Rng(8));
      planted.set(400, 400, -5);
      // Identity with a 2 x 2 indefinite minor spanning the first two blocks: pivot BLOCK + 44 fails only once the
      // first block's update has reached it.
      const coupled = Matrix.identity(n, 'float32');
      coupled.set(BLOCK + 44, 10, 2);
      coupled.set(10, BLOCK + 44, 2);
      for (const [a, pivot] of [
        [planted, 400],
        [coupled, BLOCK + 44],
        [Matrix.from([[-1]], 'float32'), 0],
      ] as [Matrix, number][]) {
        const e = await caught(() => tfjs.cholesky(a));
        assert.ok(e instanceof NotSPDError, `got ${e.name}: ${e.message}`);
        assert.match(
          e.message,
          new RegExp(
            `not symmetric positive definite: Cholesky of the ${a.rows} x ${a.rows} matrix failed at pivot ${pivot}`,
          ),
        );
        assert.equal(((await caught(() => jsBackend.cholesky(a))) as NotSPDError).pivot, pivot, 'js agrees');
      }
    });

    it('shape mismatches', async () => {
      const e1 = await caught(() => tfjs.gemm(new Matrix(3, 4, 'float32'), new Matrix(5, 2, 'float32')));
      assert.ok(e1 instanceof ShapeError);
      assert.match(e1.message, /inner dimensions differ: op\(A\) is 3 x 4, op\(B\) is 5 x 2/);
      const e2 = await caught(() => tfjs.triangularSolve(Matrix.identity(3, 'float32'), new Matrix(4, 1, 'float32')));
      assert.ok(e2 instanceof ShapeError);
      assert.match(e2.message, /factor is 3 x 3 but the right-hand side has 4 rows/);
      const e3 = await caught(() => tfjs.cholesky(new Matrix(3, 2, 'float32')));
      assert.ok(e3 instanceof ShapeError);
      assert.match(e3.message, /must be square, got 3 x 2/);
    });

    it('NaN and Infinity', async () => {
      for (const v of [NaN, Infinity, -Infinity]) {
        const a = Matrix.identity(4, 'float32');
        a.set(2, 1, v);
        const e = await caught(() => tfjs.cholesky(a));
        assert.ok(e instanceof NonFiniteError);
        assert.equal(e.message, `cholesky input contains ${v} at index 9`);
      }
      const e = await caught(() =>
        spdSolve(tfjs, Matrix.identity(3, 'float32'), Matrix.column([1, NaN, 2], 'float32')),
      );
      assert.ok(e instanceof NonFiniteError);
      assert.match(e.message, /right-hand side contains NaN at row 1, column 0/);
    });

    it('an empty matrix', async () => {
      const e1 = await caught(() => tfjs.cholesky(new Matrix(0, 0, 'float32')));
      assert.ok(e1 instanceof EmptyMatrixError);
      assert.match(e1.message, /cholesky input is empty \(0 x 0\)/);
      const e2 = await caught(() => tfjs.triangularSolve(new Matrix(0, 0, 'float32'), new Matrix(0, 1, 'float32')));
      assert.ok(e2 instanceof EmptyMatrixError);
      assert.match(e2.message, /triangular factor is empty/);
    });

    it('float64 input: DTypeError saying tfjs is float32 only', async () => {
      const a = Matrix.identity(3, 'float64');
      const calls: [string, () => unknown][] = [
        ['gemm', () => tfjs.gemm(a, a)],
        ['syrk', () => tfjs.syrk(a)],
        ['cholesky', () => tfjs.cholesky(a)],
        ['triangularSolve', () => tfjs.triangularSolve(a, a)],
        [
          'distanceKernel',
          () =>
            tfjs.distanceKernel(a, new Float64Array(3), new Float64Array(3), { bandwidth: 1, exponent: 1, zeroTol: 0 }),
        ],
        ['rowSquaredNorms', () => tfjs.rowSquaredNorms(a)],
      ];
      for (const [name, call] of calls) {
        const e = await caught(call);
        assert.ok(e instanceof DTypeError, `${name}: got ${e.name}`);
        assert.equal(e.message, `${name}: the tfjs backend is float32 only (tfjs has no float64), got float64`);
      }
      // Mixed dtypes fail as in every other backend.
      const mixed = await caught(() => tfjs.gemm(Matrix.identity(2, 'float32'), Matrix.identity(2, 'float64')));
      assert.equal(
        mixed.message,
        (await caught(() => jsBackend.gemm(Matrix.identity(2, 'float32'), Matrix.identity(2, 'float64')))).message,
      );
    });
  });
});
