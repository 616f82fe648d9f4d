import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix, assertFinite } from '../../src/linalg/matrix';
import { NonFiniteError } from '../../src/core/errors';
import { scanValues, useNativeScan } from '../../src/linalg/value-scan';
import { kernelProblem } from '../../src/kernels/kernel-checks';
import { DegenerateIteration, engineChecks } from '../../src/rfm/degeneracy';
import { Rng } from '../../src/random';

/** The degeneracy checks give the same answers through the addon's scan as through their JavaScript loops. */

function kernels(dtype: 'float32' | 'float64'): Array<[string, Matrix]> {
  const n = 37;
  const rng = new Rng(5);
  const make = (f: (i: number, j: number) => number): Matrix => {
    const k = new Matrix(n, n, dtype);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) k.data[i * n + j] = i === j ? 1 : f(i, j);
    return k;
  };
  const withAt = (k: Matrix, at: number, v: number): Matrix => {
    const c = k.clone();
    c.data[at] = v;
    return c;
  };
  const learned = make(() => rng.next());
  const ones = make(() => 1 - 1e-13);
  const eye = make(() => 1e-13);
  return [
    ['learned', learned],
    ['all ones', ones],
    ['ones but one entry', withAt(ones, 5 * n + 9, 0.5)],
    ['identity', eye],
    ['identity but the last entry', withAt(eye, n * n - 2, 1e-6)],
    ['exact identity', make(() => 0)],
    ['NaN at the end', withAt(learned, n * n - 1, NaN)],
    ['NaN in an identity', withAt(eye, 3, NaN)],
    ['Infinity on the diagonal', withAt(learned, 4 * n + 4, Infinity)],
    ['-Infinity in all ones', withAt(ones, 2 * n, -Infinity)],
    ['off-diagonal 1e-12 exactly', make(() => 1e-12)],
  ];
}

function agopProblem(values: Float32Array | Float64Array): string | undefined {
  const checks = engineChecks(
    { current: 2 },
    1,
    () => undefined,
    () => undefined,
  );
  try {
    checks.agop(values, 'test');
    return undefined;
  } catch (e) {
    assert.ok(e instanceof DegenerateIteration);
    return e.message.includes('all zero') ? 'all-zero' : 'non-finite';
  }
}

for (const dtype of ['float32', 'float64'] as const) {
  test(`value scan, ${dtype}: kernelProblem and the AGOP check agree with the JavaScript loops`, () => {
    assert.equal(typeof scanValues(new Float64Array(4), 2, 2), 'number', 'the addon is not loaded: nothing compared');
    const zeros = dtype === 'float32' ? new Float32Array(50) : new Float64Array(50);
    const agops: Array<[string, Float32Array | Float64Array]> = [
      ['zeros', zeros],
      ['negative zeros', zeros.map(() => -0)],
      ['one tiny value', zeros.map((_, i) => (i === 49 ? 1e-30 : 0))],
      ['NaN after a value', zeros.map((_, i) => (i === 3 ? 1 : i === 40 ? NaN : 0))],
      ['Infinity first', zeros.map((_, i) => (i === 0 ? Infinity : 0))],
    ];
    const answers = (): unknown[] => [
      ...kernels(dtype).map(([name, k]) => [name, kernelProblem(k)]),
      ...agops.map(([name, v]) => [name, agopProblem(v)]),
    ];
    const native = answers();
    useNativeScan(false);
    try {
      assert.deepEqual(native, answers());
    } finally {
      useNativeScan(true);
    }
    assert.deepEqual(native.slice(0, 5), [
      ['learned', undefined],
      ['all ones', 'all-ones'],
      ['ones but one entry', undefined],
      ['identity', 'identity'],
      ['identity but the last entry', undefined],
    ]);
  });
}

for (const dtype of ['float32', 'float64'] as const) {
  test(`assertFinite, ${dtype}: a large array (scanned in the addon) still names the first non-finite entry`, () => {
    const rows = 200;
    const cols = 100; // 20,000 values: above the size the addon scans
    for (const [at, v] of [
      [rows * cols - 1, NaN],
      [5 * cols + 7, Infinity],
      [0, -Infinity],
    ] as const) {
      for (const native of [true, false]) {
        useNativeScan(native);
        try {
          const m = new Matrix(rows, cols, dtype);
          m.data.fill(0.5);
          assertFinite(m, 'm');
          m.data[at] = v;
          assert.throws(
            () => assertFinite(m, 'm'),
            (e: Error) =>
              e instanceof NonFiniteError &&
              e.message === `m contains ${v} at row ${Math.floor(at / cols)}, column ${at % cols}`,
          );
          assert.throws(() => assertFinite(m.data, 'values'), new RegExp(`values contains ${v} at index ${at}`));
        } finally {
          useNativeScan(true);
        }
      }
    }
  });
}
