import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScalingTest } from '../../src/experiments/scaling/experiment';
import {
  agreementAtReadOff,
  describeRun,
  readFullRunRecord,
  recordFileName,
  scalingRunRecord,
} from '../../src/experiments/scaling/run-record';
import { CancelledError, DataError } from '../../src/core/errors';
import { RFM } from '../../src/rfm/rfm';
import { meanSquaredError } from '../../src/metrics/regression';
import { scaledFeatures, scalingTargets, scalingTrialData } from '../../src/experiments/common/scaling-data';
import { trialSeed } from '../../src/core/seed';

// Dimensions on both sides of n = 64 (primal below, dual-q above), two trials, T = 4: a small copy of the protocol.
const small = {
  trials: 2,
  samples: 120,
  trainRows: 96,
  fitRows: 64,
  dims: [10, 40, 100, 300],
  iterations: 4,
  concurrency: 2,
};

test('scaling test: float32 reproduces float64 (same kept iterations, test MSEs within 1e-3) in both forms', async () => {
  const f64 = await runScalingTest({ ...small, dtype: 'float64' });
  const f32 = await runScalingTest({ ...small, dtype: 'float32' });
  assert.deepEqual(new Set(f64.forms), new Set(['primal', 'dual-q']));
  for (let i = 0; i < f64.trials.length; i++) {
    const a = f64.trials[i];
    const b = f32.trials[i];
    assert.equal(b.bestIteration, a.bestIteration, `trial ${a.trial}, d = ${a.d}`);
    assert.ok(Math.abs(b.rfmMse - a.rfmMse) <= 1e-3 * a.rfmMse, `RFM at d = ${a.d}: ${b.rfmMse} vs ${a.rfmMse}`);
    assert.ok(
      Math.abs(b.baselineMse - a.baselineMse) <= 1e-3 * a.baselineMse,
      `Laplace at d = ${a.d}: ${b.baselineMse} vs ${a.baselineMse}`,
    );
  }
});

test('scaling test: both forms give the Laplace kernel and the RFM that a fit on the features gives', async () => {
  // The dual form fits from the nested Grams, scoring the test set after the fit from its Gram rows and norms: the
  // same models as a fit on the scaled features. (A dual-branch test Gram once carried integer-truncated norms.)
  const config = { ...small, trials: 1, dtype: 'float64' as const };
  const run = await runScalingTest(config);
  assert.deepEqual(new Set(run.forms), new Set(['primal', 'dual-q']));
  const data = scalingTrialData({
    seed: trialSeed(0, 0, 0),
    samples: small.samples,
    trainRows: small.trainRows,
    fitRows: small.fitRows,
    maxDim: small.dims[small.dims.length - 1],
    noise: 0,
  });
  for (const r of run.trials) {
    const rfm = new RFM({ kernel: 'laplace', bandwidth: 1, ridge: 1e-3, iterations: small.iterations, seed: 0 });
    const y = (rows: Int32Array) => scalingTargets(data, rows, r.d, 'code');
    await rfm.fit(scaledFeatures(data, data.fit, r.d), y(data.fit), {
      validation: { X: scaledFeatures(data, data.validation, r.d), Y: y(data.validation) },
    });
    const xTest = scaledFeatures(data, data.test, r.d);
    const laplace = meanSquaredError(await rfm.predict(xTest, { baseline: true }), y(data.test));
    const kept = meanSquaredError(await rfm.predict(xTest), y(data.test));
    assert.ok(
      Math.abs(r.baselineMse - laplace) <= 1e-8 * laplace,
      `Laplace at d = ${r.d}: ${r.baselineMse} vs ${laplace}`,
    );
    assert.equal(r.bestIteration, rfm.bestIteration, `kept iteration at d = ${r.d}`);
    assert.ok(Math.abs(r.rfmMse - kept) <= 1e-6 * kept, `RFM at d = ${r.d}: ${r.rfmMse} vs ${kept}`);
  }
});

test('run record: written for a run, read back only as a full-protocol record, compared at the read-off d', async () => {
  const result = await runScalingTest({ ...small, dims: [10, 50, 200, 550], trials: 1, iterations: 1 });
  const meta = {
    date: '2026-12-04T00:00:00Z',
    commit: 'abc',
    load: { before: [1, 1, 1], after: [2, 2, 2] },
    machine: { cpus: 2, model: 'm', node: 'v20', backend: 'native' },
  };
  const record = scalingRunRecord(result, meta);
  assert.equal(record.protocol, 'subsample');
  assert.equal(record.figure.dims.length, 4);
  const dir = mkdtempSync(join(tmpdir(), 'scaling-record-'));
  try {
    assert.equal(readFullRunRecord('float64', dir), undefined);
    // A subsample written under the full record's name is refused, not cited.
    writeFileSync(join(dir, recordFileName('full', 'float64')), JSON.stringify(record));
    assert.throws(() => readFullRunRecord('float64', dir), DataError);
    writeFileSync(join(dir, recordFileName('full', 'float64')), JSON.stringify({ ...record, protocol: 'full' }));
    const back = readFullRunRecord('float64', dir)!;
    assert.match(describeRun(back), /took .* min, measured end to end on 2026-12-04 \(commit abc/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const agreement = agreementAtReadOff(record, record);
  assert.deepEqual(
    agreement.map((a) => `${a.model} ${a.d}`),
    ['rfm 10', 'rfm 50', 'rfm 200', 'rfm 550', 'baseline 10', 'baseline 50'],
  );
  assert.ok(agreement.every((a) => a.inside));
});

test('scaling test: trials in worker threads give the results of the in-thread run', async () => {
  // Two workers with one trial each run their native calls on their own threads; 2 workers x 2 trials use the pool.
  const strip = (r: Awaited<ReturnType<typeof runScalingTest>>) => r.trials.map(({ seconds: _s, ...rest }) => rest);
  const here = await runScalingTest({ ...small, dtype: 'float32' });
  for (const concurrency of [2, 4]) {
    const inWorkers = await runScalingTest({ ...small, dtype: 'float32', workers: 2, concurrency, trials: 3 });
    assert.deepEqual(strip(inWorkers).slice(0, here.trials.length), strip(here));
    assert.equal(inWorkers.config.workers, 2);
  }
  await assert.rejects(runScalingTest({ ...small, workers: -1 }), /workers must be an integer >= 0/);
});

test('scaling test in worker threads: aborting stops every worker with a CancelledError', async () => {
  const c = new AbortController();
  let seen = 0;
  await assert.rejects(
    runScalingTest(
      { ...small, trials: 4, workers: 2, concurrency: 2 },
      {
        signal: c.signal,
        onProgress: () => {
          if (++seen === 2) c.abort();
        },
      },
    ),
    (e: Error) => e instanceof CancelledError,
  );
  assert.ok(seen >= 2 && seen < 4 * small.dims.length, `${seen} fits reported`);
});
