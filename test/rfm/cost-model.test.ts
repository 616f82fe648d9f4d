import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CostInput, chooseForm, primalGradientCosts } from '../../src/rfm/cost-model';

const base: CostInput = {
  n: 640,
  d: 100,
  c: 1,
  sample: 640,
  tracked: 160,
  iterations: 10,
  dtype: 'float64',
  diagonal: false,
  normalization: 'none',
  gramOnly: false,
};

test('auto: the primal form for d < n, the dual forms for d > n', () => {
  assert.equal(chooseForm({ ...base, d: 100 }, 'auto').form, 'primal');
  assert.equal(chooseForm({ ...base, d: 2000 }, 'auto').form, 'dual-q');
  assert.equal(chooseForm({ ...base, d: 2000, dtype: 'float32' }, 'auto').form, 'dual-q');
  const choice = chooseForm({ ...base, d: 2000 }, 'auto');
  assert.match(choice.reason, /auto: cheapest, dual-q float64/);
  assert.equal(choice.candidates.length, 3);
});

test('auto: with many outputs and d > n the explicit S (c-independent), in float64 even when float32 was asked', () => {
  const text = { ...base, n: 1500, d: 2400, c: 50, tracked: 375 + 500 };
  assert.equal(chooseForm(text, 'auto').form, 'dual');
  const f32 = chooseForm({ ...text, dtype: 'float32' }, 'auto');
  assert.equal(f32.form, 'dual');
  assert.equal(f32.dtype, 'float64');
  assert.match(f32.reason, /explicit S is formed only in float64/);
});

test('float32 never forms the explicit S in float32', () => {
  for (const d of [10, 500, 5000]) {
    for (const c of [1, 5, 100]) {
      const ch = chooseForm({ ...base, d, c, dtype: 'float32' }, 'auto');
      if (ch.form === 'dual') assert.equal(ch.dtype, 'float64');
      else assert.equal(ch.dtype, 'float32');
      if (ch.form === 'primal') assert.equal(ch.gradients, 'per-output');
    }
  }
  assert.throws(() => chooseForm({ ...base, dtype: 'float32' }, 'dual'), /runs only in float64/);
});

test('a diagonal M and max-normalisation force the primal form; trace rules out the Q form; Gram input rules out the primal', () => {
  assert.equal(chooseForm({ ...base, d: 5000, diagonal: true }, 'auto').form, 'primal');
  assert.equal(chooseForm({ ...base, d: 5000, normalization: 'max' }, 'auto').form, 'primal');
  assert.equal(chooseForm({ ...base, d: 5000, normalization: 'trace' }, 'auto').form, 'dual');
  assert.equal(chooseForm({ ...base, d: 5, gramOnly: true }, 'auto').form, 'dual-q');
  assert.throws(() => chooseForm({ ...base, diagonal: true }, 'dual-q'), /diagonal M/);
  assert.throws(() => chooseForm({ ...base, normalization: 'trace' }, 'dual-q'), /trace-normalisation needs C/);
  assert.throws(() => chooseForm({ ...base, gramOnly: true }, 'primal'), /only Gram matrices/);
  assert.throws(
    () => chooseForm({ ...base, gramOnly: true, d: undefined, normalization: 'trace' }, 'dual'),
    /feature count d/,
  );
});

test('the Q form is capped by the memory its per-iteration W matrices need', () => {
  const big = { ...base, n: 20000, d: 50000, iterations: 10 };
  const ch = chooseForm(big, 'auto');
  assert.notEqual(ch.form, 'dual-q');
  assert.match(ch.candidates.find((x) => x.form === 'dual-q')!.excluded!, /GiB/);
});

test('primal gradients: per output for few outputs, through the Hadamard S for many', () => {
  const few = primalGradientCosts(640, 100, 1, 640, false);
  const many = primalGradientCosts(640, 100, 50, 640, false);
  assert.ok(few['per-output'] < few.hadamard);
  assert.ok(many['per-output'] > many.hadamard);
  assert.equal(chooseForm({ ...base, c: 50 }, 'auto').gradients, 'hadamard');
  assert.equal(chooseForm({ ...base, c: 1 }, 'auto').gradients, 'per-output');
});
