import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/linalg/backend';
import { jsBackend } from '../../src/linalg/backends/js';
import {
  DTypeError,
  EmptyMatrixError,
  NonFiniteError,
  NotSPDError,
  OptionError,
  ShapeError,
} from '../../src/core/errors';
import { DType, Matrix } from '../../src/linalg/matrix';
import { availableBackends } from '../../src/linalg/registry';
import { spdSolve } from '../../src/linalg/spd-solve';
import { caught, label, randomMatrix, randomSPD, rng } from './helpers';

/**
 * Bad input gives an error that names the problem, and every backend fails the same way as the js reference
 * (same error class and message; for a non-SPD matrix the same pivot).
 */

type Case = [
  name: string,
  errorClass: new (...args: never[]) => Error,
  pattern: RegExp,
  run: (b: Backend, dtype: DType) => unknown,
];

const rand = rng(21);

function withValue(dtype: DType, value: number): Matrix {
  const a = randomSPD(4, dtype, rand);
  a.set(2, 1, value);
  return a;
}

const CASES: Case[] = [
  [
    'gemm inner dimensions',
    ShapeError,
    /inner dimensions differ: op\(A\) is 3 x 4, op\(B\) is 5 x 2/,
    (b, d) => b.gemm(new Matrix(3, 4, d), new Matrix(5, 2, d)),
  ],
  [
    'gemm out shape',
    ShapeError,
    /out is 2 x 2, the product is 3 x 2/,
    (b, d) => b.gemm(new Matrix(3, 4, d), new Matrix(4, 2, d), { out: new Matrix(2, 2, d) }),
  ],
  [
    'gemm out aliasing',
    ShapeError,
    /must not share memory/,
    (b, d) => {
      const a = new Matrix(3, 3, d);
      return b.gemm(a, new Matrix(3, 3, d), { out: a });
    },
  ],
  [
    'gemm mixed dtypes',
    DTypeError,
    /mix/,
    (b, d) => b.gemm(new Matrix(2, 2, d), new Matrix(2, 2, d === 'float32' ? 'float64' : 'float32')),
  ],
  [
    'gemm unknown option',
    OptionError,
    /unknown option "transpose"/,
    (b, d) => b.gemm(new Matrix(2, 2, d), new Matrix(2, 2, d), { transpose: true } as never),
  ],
  [
    'syrk out shape',
    ShapeError,
    /syrk: out is 3 x 3, the product is 2 x 2/,
    (b, d) => b.syrk(new Matrix(2, 5, d), { out: new Matrix(3, 3, d) }),
  ],
  ['cholesky non-square', ShapeError, /must be square, got 3 x 2/, (b, d) => b.cholesky(new Matrix(3, 2, d))],
  ['cholesky empty', EmptyMatrixError, /cholesky input is empty \(0 x 0\)/, (b, d) => b.cholesky(new Matrix(0, 0, d))],
  ['cholesky NaN', NonFiniteError, /cholesky input contains NaN at index 9/, (b, d) => b.cholesky(withValue(d, NaN))],
  [
    'cholesky Infinity',
    NonFiniteError,
    /cholesky input contains Infinity at index 9/,
    (b, d) => b.cholesky(withValue(d, Infinity)),
  ],
  ['cholesky -Infinity', NonFiniteError, /contains -Infinity/, (b, d) => b.cholesky(withValue(d, -Infinity))],
  [
    'triangularSolve rows',
    ShapeError,
    /factor is 3 x 3 but the right-hand side has 4 rows/,
    (b, d) => b.triangularSolve(Matrix.identity(3, d), new Matrix(4, 1, d)),
  ],
  [
    'triangularSolve empty factor',
    EmptyMatrixError,
    /triangular factor is empty/,
    (b, d) => b.triangularSolve(new Matrix(0, 0, d), new Matrix(0, 1, d)),
  ],
  [
    'spdSolve shape',
    ShapeError,
    /matrix is 3 x 3 but the right-hand side has 2 rows/,
    (b, d) => spdSolve(b, Matrix.identity(3, d), new Matrix(2, 1, d)),
  ],
  [
    'spdSolve NaN right-hand side',
    NonFiniteError,
    /right-hand side contains NaN at row 1, column 0/,
    (b, d) => spdSolve(b, Matrix.identity(3, d), Matrix.column([1, NaN, 2], d)),
  ],
  [
    'spdSolve Infinity in A',
    NonFiniteError,
    /contains Infinity/,
    (b, d) => spdSolve(b, withValue(d, Infinity), Matrix.column([1, 2, 3, 4], d)),
  ],
  [
    'distanceKernel bandwidth',
    OptionError,
    /bandwidth must be a positive number, got 0/,
    (b, d) =>
      b.distanceKernel(
        new Matrix(2, 2, d),
        new (d === 'float32' ? Float32Array : Float64Array)(2),
        new (d === 'float32' ? Float32Array : Float64Array)(2),
        { bandwidth: 0, exponent: 1, zeroTol: 0 },
      ),
  ],
  [
    'distanceKernel exponent',
    OptionError,
    /q must be in \(0, 2\], got 3/,
    (b, d) =>
      b.distanceKernel(
        new Matrix(2, 2, d),
        new (d === 'float32' ? Float32Array : Float64Array)(2),
        new (d === 'float32' ? Float32Array : Float64Array)(2),
        { bandwidth: 1, exponent: 3, zeroTol: 0 },
      ),
  ],
  [
    'distanceKernel norms',
    ShapeError,
    /Gram is 2 x 3 but the norms have 2 and 2 entries/,
    (b, d) =>
      b.distanceKernel(
        new Matrix(2, 3, d),
        new (d === 'float32' ? Float32Array : Float64Array)(2),
        new (d === 'float32' ? Float32Array : Float64Array)(2),
        { bandwidth: 1, exponent: 1, zeroTol: 0 },
      ),
  ],
  [
    'distanceKernel norm dtype',
    DTypeError,
    /norms must have the Gram matrix dtype/,
    (b, d) =>
      b.distanceKernel(
        new Matrix(2, 2, d),
        new (d === 'float32' ? Float64Array : Float32Array)(2),
        new (d === 'float32' ? Float64Array : Float32Array)(2),
        { bandwidth: 1, exponent: 1, zeroTol: 0 },
      ),
  ],
];

describe('errors name the problem, the same on every backend', () => {
  for (const [name, errorClass, pattern, run] of CASES) {
    it(name, async () => {
      for (const backend of await availableBackends()) {
        for (const dtype of backend.dtypes) {
          const e = await caught(() => run(backend, dtype));
          assert.ok(e instanceof errorClass, `${label(backend, dtype)} ${name}: got ${e.name}: ${e.message}`);
          assert.match(e.message, pattern, `${label(backend, dtype)} ${name}`);
          const ref = await caught(() => run(jsBackend, dtype));
          assert.equal(e.message, ref.message, `${label(backend, dtype)} ${name}: same message as js`);
        }
      }
    });
  }

  it('a non-SPD matrix gives NotSPDError with the failing pivot', async () => {
    for (const backend of await availableBackends()) {
      for (const dtype of backend.dtypes) {
        const cases: [Matrix, number][] = [
          [
            Matrix.from(
              [
                [1, 2],
                [2, 1],
              ],
              dtype,
            ),
            1,
          ],
          [Matrix.from([[-1]], dtype), 0],
          [
            Matrix.from(
              [
                [0, 0],
                [0, 1],
              ],
              dtype,
            ),
            0,
          ],
        ];
        // A larger one: an SPD matrix with a negative diagonal entry planted at row 70 (after 70 good pivots).
        const big = randomSPD(120, dtype, rng(5));
        big.set(70, 70, -5);
        cases.push([big, 70]);
        for (const [a, pivot] of cases) {
          const what = `${label(backend, dtype)} ${a.rows}x${a.rows}`;
          const e = await caught(() => backend.cholesky(a));
          assert.ok(e instanceof NotSPDError, `${what}: got ${e.name}: ${e.message}`);
          assert.match(e.message, /not symmetric positive definite/, what);
          assert.match(e.message, new RegExp(`${a.rows} x ${a.rows} matrix failed at pivot ${pivot}`), what);
          assert.equal((e as NotSPDError).pivot, pivot, `${what}: pivot`);
          assert.equal((e as NotSPDError).size, a.rows, `${what}: size`);
          const ref = await caught(() => jsBackend.cholesky(a));
          assert.equal((ref as NotSPDError).pivot, pivot, `${what}: js pivot`);
        }
      }
    }
  });

  it('a bad input array is rejected before the work starts (nothing half-written)', async () => {
    for (const backend of await availableBackends()) {
      for (const dtype of backend.dtypes) {
        const a = randomMatrix(3, 4, dtype, rand);
        const out = new Matrix(3, 3, dtype);
        out.data.fill(7);
        await caught(() => backend.gemm(a, randomMatrix(5, 3, dtype, rand), { out }));
        assert.ok(
          out.data.every((v) => v === 7),
          `${label(backend, dtype)}: out untouched`,
        );
      }
    }
  });
});
