import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CancelledError,
  EigenConvergenceError,
  LinAlgError,
  MemoryError,
  NotFittedError,
  NotSPDError,
  OptionError,
  RfmLabError,
  ShapeError,
} from '../../src/core/errors';
import { checkOptions } from '../../src/core/options';
import { throwIfAborted, yieldToEventLoop } from '../../src/core/async';
import { StageTimer } from '../../src/core/timer';
import { deriveSeed, trialSeed } from '../../src/core/seed';
import { checkAllocation } from '../../src/core/memory';
import { nonNegativeInteger, nonNegativeNumber, oneOf, positiveInteger, positiveNumber } from '../../src/core/validate';
import { PdfError } from '../../src/text/pdf';

test('one error family: every class is an RfmLabError with its own name; the linear-algebra ones share LinAlgError', () => {
  const errors = [
    new OptionError('o'),
    new ShapeError('s'),
    new NotFittedError('n'),
    new CancelledError(),
    new NotSPDError(3, 1),
    new EigenConvergenceError(3, 0),
    new PdfError('encrypted', 'p'),
  ];
  for (const e of errors) assert.ok(e instanceof RfmLabError && e instanceof Error, e.name);
  assert.deepEqual(
    errors.map((e) => e.name),
    [
      'OptionError',
      'ShapeError',
      'NotFittedError',
      'CancelledError',
      'NotSPDError',
      'EigenConvergenceError',
      'PdfError',
    ],
  );
  assert.ok(new NotSPDError(3, 1) instanceof LinAlgError && new EigenConvergenceError(3, 0) instanceof LinAlgError);
  assert.ok(!(new OptionError('o') instanceof LinAlgError));
  assert.equal((errors[6] as PdfError).code, 'encrypted');
});

test('checkOptions rejects unknown keys and non-objects, accepts undefined', () => {
  checkOptions('f', undefined, ['a']);
  checkOptions('f', { a: 1 }, new Set(['a', 'b']));
  assert.throws(
    () => checkOptions('f', { c: 1 }, ['a', 'b']),
    (e: Error) => e instanceof OptionError && e.message === 'f: unknown option "c" (allowed: a, b)',
  );
  assert.throws(() => checkOptions('f', 3 as never, ['a']), /f: options must be an object/);
});

test('deriveSeed: deterministic, and neither neighbouring seeds nor purposes share a value', () => {
  assert.equal(deriveSeed(7, 'validation'), deriveSeed(7, 'validation'));
  const seen = new Set<number>();
  for (let seed = 0; seed < 200; seed++) {
    for (const purpose of ['split', 'training pieces', 'validation windows', 'test windows', 'prompts'])
      seen.add(deriveSeed(seed, purpose));
  }
  assert.equal(seen.size, 1000);
  // seed + 1 for one purpose is not seed for another (the mistake deriveSeed replaces).
  assert.notEqual(deriveSeed(0, 'training pieces'), deriveSeed(1, 'split'));
  for (const v of seen) assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 32);
  assert.notEqual(deriveSeed(2 ** 40, 'a'), deriveSeed(0, 'a'), 'the high bits count');
  assert.equal(trialSeed(2, 3, 1), 2 * 1_000_003 + 3 * 1009 + 1);
  assert.throws(() => deriveSeed(NaN, 'a'), OptionError);
});

test('yieldToEventLoop lets timers run and throws CancelledError once the signal is aborted', async () => {
  let ran = false;
  setImmediate(() => (ran = true));
  await yieldToEventLoop();
  assert.ok(ran);
  const controller = new AbortController();
  await yieldToEventLoop(controller.signal);
  controller.abort();
  await assert.rejects(
    yieldToEventLoop(controller.signal, 'the sweep'),
    (e: Error) => e instanceof CancelledError && /the sweep was cancelled/.test(e.message),
  );
  const withReason = new AbortController();
  withReason.abort('user pressed stop');
  assert.throws(() => throwIfAborted(withReason.signal, 'fit'), /fit was cancelled: user pressed stop/);
  throwIfAborted(undefined);
});

test('StageTimer adds the time of synchronous and asynchronous stages, also when they throw', async () => {
  const timer = new StageTimer<'a' | 'b'>(['a', 'b']);
  assert.equal(
    timer.time('a', () => 5),
    5,
  );
  assert.equal(
    await timer.time('b', async () => {
      await new Promise((r) => setTimeout(r, 20));
      return 6;
    }),
    6,
  );
  assert.throws(
    () =>
      timer.time('a', () => {
        throw new Error('x');
      }),
    /x/,
  );
  const s = timer.summary();
  assert.ok(s.b >= 0.015 && s.a >= 0 && s.total >= s.a + s.b, JSON.stringify(s));
});

test('checkAllocation passes small or affordable estimates and names the estimate and the hint otherwise', () => {
  const GiB = 1024 ** 3;
  checkAllocation(100 * 1024 * 1024, 'small', 'h', { free: 0, total: GiB });
  checkAllocation(2 * GiB, 'fits', 'h', { free: 4 * GiB, total: 24 * GiB });
  assert.throws(
    () => checkAllocation(30 * GiB, 'RFM.fit (dual form)', 'use fewer points', { free: 10 * GiB, total: 24 * GiB }),
    (e: Error) =>
      e instanceof MemoryError &&
      /RFM.fit \(dual form\) needs about 30.00 GiB, more than this machine has available \(10.00 GiB free of 24.00 GiB\): use fewer points/.test(
        e.message,
      ),
  );
  assert.throws(() => checkAllocation(3 * GiB, 'x', 'h', { free: 2 * GiB, total: 24 * GiB }), MemoryError);
  assert.throws(() => checkAllocation(30 * GiB, 'x', 'h', { free: 40 * GiB, total: 24 * GiB }), MemoryError);
});

test('scalar option checks return the value or name the option and the value', () => {
  assert.equal(positiveInteger('f: n', 3), 3);
  assert.throws(
    () => positiveInteger('f: n', 2.5),
    (e: Error) => e instanceof OptionError && e.message === 'f: n must be a positive integer, got 2.5',
  );
  // A string is quoted, so that it does not read as the number it spells.
  assert.throws(() => positiveInteger('f: n', '3'), /got "3"$/);
  assert.throws(() => nonNegativeInteger('f: n', -1), /f: n must be an integer >= 0, got -1/);
  assert.equal(positiveNumber('f: x', 0.5), 0.5);
  assert.throws(() => positiveNumber('f: x', Infinity), /f: x must be a positive number, got Infinity/);
  assert.equal(nonNegativeNumber('f: x', 0), 0);
  assert.throws(() => nonNegativeNumber('f: x', NaN), /f: x must be >= 0, got NaN/);
  assert.equal(oneOf('f: mode', 'b', ['a', 'b'] as const), 'b');
  assert.throws(() => oneOf('f: mode', 'c', ['a', 'b']), /f: mode must be one of a, b, got "c"/);
});
