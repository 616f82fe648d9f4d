import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix } from '../../src/linalg/matrix';
import { symmetrize, useNativeSymmetrize } from '../../src/linalg/elementwise';
import { nativeSymmetrize } from '../../src/linalg/backends/native';
import { Rng } from '../../src/random';

/** The addon's symmetrize gives the same bits as the JavaScript loop (the reference), across tile edges. */
for (const dtype of ['float32', 'float64'] as const) {
  test(`symmetrize, ${dtype}: the addon equals the JavaScript loop bit for bit`, { skip: !nativeSymmetrize() }, () => {
    const rng = new Rng(11);
    try {
      for (const n of [1, 2, 63, 64, 65, 130, 641]) {
        const a = new Matrix(n, n, dtype);
        // Values of many magnitudes and both signs; sizes across the 64-wide tiles.
        for (let i = 0; i < a.data.length; i++)
          a.data[i] = (rng.next() - 0.5) * Math.pow(10, Math.floor(rng.next() * 8));
        const viaAddon = a.clone();
        const viaLoop = a.clone();
        useNativeSymmetrize(true);
        symmetrize(viaAddon);
        useNativeSymmetrize(false);
        symmetrize(viaLoop);
        assert.deepEqual(viaAddon.data, viaLoop.data, `${dtype} n = ${n}`);
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(viaAddon.get(i, j), viaAddon.get(j, i));
        if (n > 1) assert.notDeepEqual(viaAddon.data, a.data, 'the matrix changed');
      }
    } finally {
      useNativeSymmetrize(true);
    }
  });
}
