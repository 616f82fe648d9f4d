import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  flag,
  formatValue,
  group,
  int,
  ints,
  list,
  num,
  nums,
  oneOf,
  parameters,
  text,
} from '../../src/notebook/parameters';
import { OptionError } from '../../src/core/errors';
import { scalingConfig } from '../../src/experiments/scaling/experiment';
import { sampleWiseConfig } from '../../src/experiments/double-descent/sample-wise';
import { modelWiseConfig } from '../../src/experiments/double-descent/model-wise';
import { ridgeSweepConfig } from '../../src/experiments/double-descent/ridge';
import { mnistFeatureConfig, scalingFeatureConfig } from '../../src/experiments/feature-learning/experiment';
import { mnistAllConfig } from '../../src/experiments/feature-learning/mnist-all';
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

type Untyped = (values: object) => unknown;

test("groups: each experiment's own validator runs in the cell, and a bad value fails there naming it", () => {
  const bad = [
    {
      name: 'a negative ridge',
      run: () => parameters({ ridge: group({ ridges: nums([1e-3, -1]) }, { check: ridgeSweepConfig }) }),
      message: /^ridge: ridgeSweep: ridges\[1\] must be a positive number, got -1$/,
    },
    {
      name: 'a string where a number belongs',
      run: () =>
        parameters({ sampleWise: group({ dim: int('30' as unknown as number) }, { check: sampleWiseConfig }) }),
      message: /^sampleWise\.dim = "30": must be an integer, not the string "30"$/,
    },
    {
      name: 'an unknown key',
      // Where the spec has no known key the compiler rejects it already (a weak type); this is the run-time check.
      run: () => parameters({ sampleWise: group({ ridgez: nums([0]) }, { check: sampleWiseConfig as Untyped }) }),
      message: /^sampleWise: sampleWiseSweep: unknown option "ridgez"/,
    },
    {
      name: 'an unknown key in a nested group',
      run: () =>
        parameters({ modelWise: group({ rfm: group({ depth: int(3) }) }, { check: modelWiseConfig as Untyped }) }),
      message: /^modelWise: modelWiseSweep: rfm: unknown option "depth"/,
    },
    {
      name: 'a negative ridge in a nested group',
      run: () => parameters({ scaling: group({ kernel: group({ ridge: num(-1) }) }, { check: scalingFeatureConfig }) }),
      message: /^scaling: scalingFeatureLearning\.kernel\.ridge must be >= 0, got -1$/,
    },
    {
      name: 'a negative ridge for every MNIST image',
      run: () => parameters({ mnistAll: group({ ridge: num(-1) }, { check: mnistAllConfig }) }),
      message: /^mnistAll: mnistAllImages: ridge must be >= 0, got -1$/,
    },
    {
      name: 'a repeated digit',
      run: () => parameters({ mnist: group({ tasks: list([[1, 1]]) }, { check: mnistFeatureConfig }) }),
      message: /^mnist: mnistFeatureLearning\.tasks\[0\]: digits repeat: 1, 1$/,
    },
  ];
  for (const { name, run, message } of bad) {
    assert.throws(
      () => printed(run),
      (e: Error) => {
        assert.ok(e instanceof OptionError, name);
        assert.match(e.message, message, name);
        assert.ok(!e.message.includes('\n'), `${name}: one line`);
        return true;
      },
    );
  }
  // The run rejects the same value with the same message: one validation path.
  assert.throws(() => ridgeSweepConfig({ ridges: [1e-3, -1] }), /^OptionError: ridgeSweep: ridges\[1\] must be a/m);
});

test('groups print the effective configuration nested, defaults marked, and return what the validator returned', () => {
  let config: { sampleWise: ReturnType<typeof sampleWiseConfig> } | undefined;
  const out = printed(() => {
    config = parameters(
      {
        sampleWise: group(
          { samples: ints([40, 10, 20], { note: 'n' }), ridges: nums([0, 0.1]), trials: int(2) },
          { check: sampleWiseConfig, note: 'test error against n' },
        ),
      },
      { title: 'double descent' },
    );
  });
  assert.deepEqual(config?.sampleWise, sampleWiseConfig({ samples: [40, 10, 20], ridges: [0, 0.1], trials: 2 }));
  assert.deepEqual(config?.sampleWise.samples, [10, 20, 40], 'sorted by the validator');
  assert.match(out, /^double descent:\n {2}sampleWise: {3}\(test error against n\)\n/);
  assert.match(out, /\n {4}samples +\= \[10, 20, 40\] {3}\(n\)\n/);
  assert.match(out, /\n {2}· dim +\= 30\n/);
  assert.match(out, /\(· = the default, not set in this cell\)$/);
});
