import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flag, formatValue, int, ints, num, oneOf, parameters, text } from '../../src/notebook/parameters';
import { OptionError } from '../../src/core/errors';
import { scalingConfig } from '../../src/experiments/scaling/experiment';
import { progressText } from '../../src/notebook/progress';

function printed(run: () => void): string {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(' '));
  try {
    run();
  } finally {
    console.log = log;
  }
  return lines.join('\n');
}

test('parameters() returns the values and prints them with their notes', () => {
  let values:
    { n: number; bandwidth: number; target: 'code' | 'page'; path: string | null; quick: boolean } | undefined;
  const out = printed(() => {
    values = parameters({
      n: int(800, { min: 10, note: 'training points' }),
      bandwidth: num(10, { above: 0 }),
      target: oneOf('code', ['code', 'page']),
      path: text(null, { nullable: true }),
      quick: flag(false),
    });
  });
  assert.deepEqual(values, { n: 800, bandwidth: 10, target: 'code', path: null, quick: false });
  assert.match(out, /^parameters:\n {2}n {9}= 800 {3}\(training points\)\n {2}bandwidth = 10\n/);
});

test('a wrong value fails in the parameters cell with one line naming it, its value and the rule', () => {
  assert.throws(
    () => parameters({ bandwidth: num(-1, { above: 0, note: 'L' }) }),
    (e: Error) => {
      assert.ok(e instanceof OptionError);
      assert.equal(e.message, 'bandwidth = -1: must be > 0 (L)');
      return true;
    },
  );
  assert.throws(
    () => parameters({ trials: int(2.5, { min: 1 }) }),
    /^OptionError: trials = 2\.5: must be an integer, not 2\.5$/m,
  );
  assert.throws(
    () => parameters({ bandwidth: num('4' as unknown as number) }),
    /bandwidth = "4": must be a finite number, not the string "4"/,
  );
  assert.throws(
    () => parameters({ dims: ints([10, 5], { min: 3, increasing: true }) }),
    /dims = \[10, 5\]: must increase: entry 1 \(5\) follows 10/,
  );
  assert.throws(
    () => parameters({ a: num(-1, { min: 0 }), b: oneOf('x' as string, ['y']) }),
    /2 parameters are wrong:\n {2}a = -1: must be >= 0\n {2}b = "x": must be one of "y", not "x"/,
  );
  assert.throws(() => parameters({ seed: 0 as never }), /seed: declare it with num\(\)/);
});

test("with check, the experiment's own validation runs in the cell and its full configuration is printed", () => {
  let config: ReturnType<typeof scalingConfig> | undefined;
  const out = printed(() => {
    config = parameters(
      { trials: int(2, { min: 1 }), bandwidth: num(2, { above: 0, note: 'L' }) },
      { check: scalingConfig, title: 'scaling test' },
    );
  });
  assert.equal(config?.trials, 2);
  assert.equal(config?.bandwidth, 2);
  assert.match(out, /^scaling test:\n/);
  assert.match(out, / {2}bandwidth +\= 2 {3}\(L\)/);
  assert.match(out, /· samples +\= \d+/, 'defaults are marked');
  assert.throws(
    () => parameters({ trials: int(2), samples: int(10), trainRows: int(20) }, { check: scalingConfig }),
    /need fitRows < trainRows < samples/,
  );
});

test('long lists print shortened', () => {
  assert.equal(formatValue([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), '[1, 2, 3, ..., 9, 10] (10 values)');
});

test('the progress line shows a bar, the percentage, elapsed and estimated time left, and what was just done', () => {
  assert.equal(
    progressText({ done: 17, total: 46, label: 'trial 2, d = 300', sweep: 'scaling test' }, 12),
    'scaling test: [#######.............] 36 % (17/46), 12 s elapsed, ~20 s left · trial 2, d = 300',
  );
  assert.equal(
    progressText({ done: 46, total: 46 }, 75, 'scaling test'),
    'scaling test: [####################] 100 % (46/46), 1 min 15 s elapsed, done',
  );
  assert.equal(progressText({ stage: 'rfm', message: 'iteration 2' }, 3.25), 'rfm: 3.3 s elapsed · iteration 2');
  // The text experiment's records carry the fraction of its expected work.
  assert.equal(
    progressText({ stage: 'rfm', message: 'RFM iteration 1', fraction: 0.25 }, 30, 'text experiment'),
    'text experiment: [#####...............] 25 %, 30 s elapsed, ~1 min 30 s left · rfm: RFM iteration 1',
  );
});
