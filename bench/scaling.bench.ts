/**
 * `npm run bench:scaling [-- --trials N --dtype float32|float64 --every K --concurrency C]`: times the scaling test (the
 * study's protocol by default: 100 trials, d = 10..2000 step 10, T = 10) on this machine, extrapolates a shorter run
 * to 100 trials (labelled as an extrapolation), compares with the rough arithmetic floor, and prints our curve's values
 * where the published figure was read.
 * `--full` runs the study's whole protocol end to end and writes its record (figure, date, load, dtype, commit, time;
 * run-record.ts) to bench/results/scaling-full-<dtype>.json, which notebook 01 cites; with --trials / --every it runs
 * that subsample instead and writes scaling-subsample-<dtype>.json (to check the command; notebook 01 ignores it).
 * `--out DIR` writes the record elsewhere. When the record of the other dtype exists, the float32 curves are checked
 * against the float64 bands at the d where the study's figure was read; `--compare A.json B.json` runs that check on
 * two records already written. `--workers N` runs the trials in N worker threads (experiment.ts, `workers`; default:
 * one per core, with `--concurrency` defaulting to N; `--workers 0` runs them on the main thread, 4 at once).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { backendInfo } from '../src/linalg/registry';
import {
  RESULTS_DIR,
  ScalingRunRecord,
  agreementAtReadOff,
  recordFileName,
  scalingRunRecord,
} from '../src/experiments/scaling/run-record';
import { PUBLISHED_SCALING, runScalingTest, scalingConfig, studyDims } from '../src/experiments/scaling/experiment';
import { throttledProgress } from '../src/experiments/common/sweep-summary';
import type { DType } from '../src/linalg/matrix';

const fullRun = process.argv.includes('--full');

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src', 'native'], {
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} (with uncommitted changes in src/ or native/)` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** Writes the run's record and, when the other dtype's record exists, checks the curves against its bands. */
function writeRecord(record: ScalingRunRecord, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, recordFileName(record.protocol, record.dtype));
  writeFileSync(path, JSON.stringify(record, null, 1) + '\n');
  console.log(
    `\nrecord written: ${path} (${record.protocol === 'full' ? 'the full protocol, measured' : 'a subsample: not cited by notebook 01'})`,
  );
  const other = join(dir, recordFileName(record.protocol, record.dtype === 'float32' ? 'float64' : 'float32'));
  if (existsSync(other)) compareRecords(record, JSON.parse(readFileSync(other, 'utf8')) as ScalingRunRecord, other);
}

/** The float32 record's means against the float64 record's 2.5-97.5 % bands at the study's read-off d. */
function compareRecords(a: ScalingRunRecord, b: ScalingRunRecord, source: string): void {
  const [f32, f64] = a.dtype === 'float32' ? [a, b] : [b, a];
  if (f32.dtype !== 'float32' || f64.dtype !== 'float64')
    throw new Error('--compare needs a float32 and a float64 record');
  console.log(`float32 means inside the float64 run's 2.5-97.5 % bands at the study's read-off d (${source}):`);
  const rows = agreementAtReadOff(f32, f64);
  for (const r of rows) {
    console.log(
      `  ${r.model.padEnd(8)} d = ${String(r.d).padStart(4)}: float32 ${r.mean.toFixed(4)}, float64 ${r.reference.mean.toFixed(4)} [${r.reference.lo.toFixed(4)}, ${r.reference.hi.toFixed(4)}] ${r.inside ? 'inside' : 'OUTSIDE'}, difference ${r.bandNormalised.toFixed(3)} half-bands`,
    );
  }
  const worst = rows.reduce((m, r) => Math.max(m, Math.abs(r.bandNormalised)), 0);
  console.log(
    `  max |float32 - float64| / half-band: ${rows.length ? worst.toFixed(3) : 'n/a (no read-off d in both)'}; ${rows.every((r) => r.inside) ? 'all inside' : 'NOT all inside'}`,
  );
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

// The arithmetic of one dual-q fit (docs/rfm-math.md; c = 1, n fit points, m validation points, T updates): each update
// is Q = B P (2 n^3), the SYRK (n^3) and the validation's two n x n x m products (4 n^2 m); each of the T + 1 solves is
// a Cholesky (n^3 / 3). The test set is scored once after the fit (a replay up to the kept iteration, not counted), so
// this is a floor: ~1.15e10 flops per fit at n = 640, m = 160, T = 10.
function floorFlopsPerFit(n: number, m: number, updates: number): number {
  return updates * (3 * n ** 3 + 4 * n * n * m) + ((updates + 1) * n ** 3) / 3;
}
const GEMM_FLOPS: Record<DType, number> = { float32: 210e9, float64: 105e9 };

async function main(): Promise<void> {
  const compare = process.argv.indexOf('--compare');
  if (compare >= 0) {
    // --compare A.json B.json: the check above on two records already written, without running anything.
    const [a, b] = [process.argv[compare + 1], process.argv[compare + 2]].map(
      (p) => JSON.parse(readFileSync(p, 'utf8')) as ScalingRunRecord,
    );
    compareRecords(a, b, `${process.argv[compare + 1]} against ${process.argv[compare + 2]}`);
    return;
  }
  const trials = Number(arg('trials', '100'));
  const dtype = arg('dtype', 'float32') as DType;
  // --every K keeps every K-th of the study's 200 dimensions: a uniform subsample, so the extrapolation holds.
  const every = Number(arg('every', '1'));
  const dims = studyDims().filter((_, i) => i % every === every - 1);
  const info = await backendInfo();
  const loadBefore = loadavg();
  console.log(
    `${new Date().toISOString()}, load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}${fullRun ? `, --full: the record goes to ${arg('out', RESULTS_DIR)}` : ''}`,
  );
  console.log(
    `backend: float32 -> ${info.active.float32}, float64 -> ${info.active.float64} (${info.backends.map((b) => `${b.name}: ${b.detail}`).join('; ')})`,
  );
  // By default one worker thread per core, each running one trial at a time with its native calls on its own thread:
  // on 2 cores (subsample, alternated, 2026-12-05, load 5-14) ~10 % less CPU than 4 trials on the main thread, and
  // two always-busy threads instead of a main thread and four pool threads. --workers 0 runs them on the main thread.
  const workers = Number(arg('workers', String(cpus().length)));
  const concurrency = Number(arg('concurrency', String(workers > 0 ? workers : scalingConfig().concurrency)));
  const config = scalingConfig({ trials, dtype, dims, concurrency, workers });
  console.log(
    `scaling test: ${trials} trials x ${dims.length} dimensions, T = ${config.iterations}, ${dtype}, ${config.concurrency} trials at once with ${config.threadsPerTrial} thread(s) each${config.workers > 0 ? `, in ${config.workers} worker threads` : ''}`,
  );
  const result = await runScalingTest(config, { onProgress: throttledProgress((line) => console.log(line), 30000) });
  const fits = trials * dims.length;
  const iterations = fits * (config.iterations + 1);
  const perTrial = result.seconds / trials;
  const full = (perTrial * 100 * studyDims().length) / dims.length;
  const floorPerFit = floorFlopsPerFit(config.fitRows, config.trainRows - config.fitRows, config.iterations);
  const floor = (100 * studyDims().length * floorPerFit) / GEMM_FLOPS[dtype];
  if (fullRun) {
    const machine = {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      backend: `${info.active[dtype]}: ${info.backends.find((b) => b.name === info.active[dtype])?.detail ?? ''}`,
    };
    const record = scalingRunRecord(result, {
      date: new Date().toISOString(),
      commit: commit(),
      load: { before: loadBefore, after: loadavg() },
      machine,
    });
    writeRecord(record, arg('out', RESULTS_DIR));
  }
  console.log(
    `\nseconds: ${result.seconds.toFixed(1)} for ${fits} fits (${((1000 * result.seconds) / iterations).toFixed(2)} ms per RFM iteration, wall time with ${config.concurrency} trials at once)`,
  );
  console.log(
    `full protocol (100 trials x 200 d), ${trials === 100 && dims.length === 200 ? 'measured' : 'extrapolated'}: ${(full / 60).toFixed(1)} min (target: under 30 min float32, under 60 min float64)`,
  );
  console.log(
    `arithmetic floor ~${(floor / 60).toFixed(1)} min (every fit in the dual-q form, ${(floorPerFit / 1e9).toFixed(1)} GFLOP each, at ${GEMM_FLOPS[dtype] / 1e9} GFLOPS): achieved fraction ${(floor / full).toFixed(2)} (above 1 where the primal form at small d cuts the arithmetic)`,
  );
  const formCounts = new Map<string, number>();
  for (const f of result.forms) formCounts.set(f, (formCounts.get(f) ?? 0) + 1);
  console.log(`forms used over d: ${[...formCounts].map(([f, k]) => `${f} ${k}`).join(', ')}`);
  const at = (curve: typeof result.rfm, d: number): string => {
    const j = result.dims.indexOf(d);
    return j < 0
      ? 'n/a'
      : `${curve.mse.mean[j].toFixed(4)} [${curve.mse.lo[j].toFixed(4)}, ${curve.mse.hi[j].toFixed(4)}]`;
  };
  console.log(
    '\n  d     ours: RFM mean [2.5%, 97.5%]          Laplace mean [2.5%, 97.5%]        published RFM / Laplace',
  );
  for (const d of [10, 50, 80, 100, 150, 200, 500, 550, 600, 1000, 2000]) {
    const pr = PUBLISHED_SCALING.rfm.d.indexOf(d);
    const pb = PUBLISHED_SCALING.baseline.d.indexOf(d);
    const pub = `${pr >= 0 ? PUBLISHED_SCALING.rfm.mse[pr] : '-'} / ${pb >= 0 ? PUBLISHED_SCALING.baseline.mse[pb] : '-'}`;
    console.log(
      `${String(d).padStart(5)}  ${at(result.rfm, d).padEnd(38)} ${at(result.baseline, d).padEnd(34)} ${pub}`,
    );
  }
  const min = (c: typeof result.rfm) => {
    let j = 0;
    for (let i = 1; i < c.mse.mean.length; i++) if (c.mse.mean[i] < c.mse.mean[j]) j = i;
    return `${c.mse.mean[j].toFixed(4)} at d = ${result.dims[j]}`;
  };
  console.log(
    `\nRFM: minimum ${min(result.rfm)}, peak ${result.rfm.shape.peakX === null ? 'none' : `${result.rfm.mse.mean[result.rfm.shape.peakIndex].toFixed(4)} at d = ${result.rfm.shape.peakX}`}`,
  );
  console.log(
    `Laplace: minimum ${min(result.baseline)}, peak ${result.baseline.shape.peakX === null ? 'none' : `${result.baseline.mse.mean[result.baseline.shape.peakIndex].toFixed(4)} at d = ${result.baseline.shape.peakX}`}`,
  );
  console.log(
    'published: RFM minimum ~0.014 near d = 80-100, peak ~0.066 near d = 500-600; Laplace minimum ~0.133 near d = 50, peak ~0.166 near d = 150-200',
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
