import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { epsOf } from '../../src/linalg/matrix';
import { availableBackends } from '../../src/linalg/registry';
import { spdSolve } from '../../src/linalg/spd-solve';
import { backwardError, label, randomMatrix, rng, spdWithCondition } from './helpers';

/**
 * SPD solves through each backend's Cholesky + two triangular solves: with condition numbers up to 1e6 the normwise
 * backward error ||A x - b|| / (||A|| ||x|| + ||b||) (infinity norms, worst right-hand side) stays below 100 n eps.
 */
describe('SPD solve backward error', () => {
  for (const cond of [1, 1e3, 1e6]) {
    it(`condition number ${cond}`, async () => {
      for (const backend of await availableBackends()) {
        for (const dtype of backend.dtypes) {
          const rand = rng(100 + Math.log10(cond));
          for (const [n, rhs] of [
            [1, 1],
            [8, 1],
            [64, 3],
            [200, 60],
          ]) {
            const a = spdWithCondition(n, cond, dtype, rand);
            const b = randomMatrix(n, rhs, dtype, rand);
            const what = `${label(backend, dtype)} n=${n} rhs=${rhs} cond=${cond}`;
            const aCopy = a.clone();
            const bCopy = b.clone();
            const x = await spdSolve(backend, a, b);
            assert.deepEqual(Array.from(a.data), Array.from(aCopy.data), `${what}: A untouched`);
            assert.deepEqual(Array.from(b.data), Array.from(bCopy.data), `${what}: b untouched`);
            assert.equal(x.dtype, dtype, `${what}: dtype`);
            const err = backwardError(a, x, b);
            const bound = 100 * n * epsOf(dtype);
            assert.ok(err < bound, `${what}: backward error ${err.toExponential(2)} >= ${bound.toExponential(2)}`);
          }
        }
      }
    });
  }

  it('overwrite reuses the inputs', async () => {
    for (const backend of await availableBackends()) {
      for (const dtype of backend.dtypes) {
        const rand = rng(7);
        const a = spdWithCondition(40, 100, dtype, rand);
        const b = randomMatrix(40, 2, dtype, rand);
        const a0 = a.clone();
        const b0 = b.clone();
        const x = await spdSolve(backend, a, b, { overwrite: true });
        assert.equal(x, b, `${label(backend, dtype)}: the solution is written over b`);
        assert.ok(backwardError(a0, x, b0) < 100 * 40 * epsOf(dtype), `${label(backend, dtype)} backward error`);
      }
    }
  });
});
