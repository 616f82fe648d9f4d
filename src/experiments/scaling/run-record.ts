import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { DataError } from '../../core/errors';
import type { DType } from '../../linalg/matrix';
import type { BandSummary } from '../common/sweep-summary';
import { PUBLISHED_SCALING, ScalingResult, studyDims } from './experiment';

/**
 * The record of one timed run of the scaling protocol, as `npm run bench:scaling -- --full` writes it to
 * bench/results/scaling-<full|subsample>-<dtype>.json: the figure (mean and 2.5 / 97.5 % bands per d), when, on
 * what load, in which dtype, from which commit, and how long it took. Notebook 01 cites the full run's record so
 * that the time it quotes was measured end to end, not extrapolated.
 */
export interface ScalingRunRecord {
  kind: 'rfm-lab scaling run';
  /** 'full': the study's protocol (100 trials x 200 d, T = 10) run end to end; 'subsample': anything smaller. */
  protocol: 'full' | 'subsample';
  date: string;
  dtype: DType;
  commit: string;
  seconds: number;
  /** os.loadavg() (1, 5, 15 minutes) before and after the run; the machine may be shared. */
  load: { before: number[]; after: number[] };
  machine: { cpus: number; model: string; node: string; backend: string };
  config: {
    trials: number;
    dims: number;
    iterations: number;
    concurrency: number;
    threadsPerTrial: number;
    /** Worker threads the trials ran in (0: the main thread; absent in records written before the option). */
    workers?: number;
    seed: number;
  };
  figure: {
    dims: number[];
    rfm: { mse: BandSummary; normalised: BandSummary };
    baseline: { mse: BandSummary; normalised: BandSummary };
  };
}

export const RESULTS_DIR = join(__dirname, '..', '..', '..', 'bench', 'results');

export function isFullProtocol(r: ScalingResult): boolean {
  const full = studyDims();
  const c = r.config;
  return (
    c.trials === 100 && c.iterations === 10 && c.dims.length === full.length && c.dims.every((d, i) => d === full[i])
  );
}

export function scalingRunRecord(
  r: ScalingResult,
  meta: Pick<ScalingRunRecord, 'date' | 'commit' | 'load' | 'machine'>,
): ScalingRunRecord {
  const c = r.config;
  const band = (k: 'rfm' | 'baseline') => ({ mse: r[k].mse, normalised: r[k].normalised });
  return {
    kind: 'rfm-lab scaling run',
    protocol: isFullProtocol(r) ? 'full' : 'subsample',
    ...meta,
    dtype: c.dtype,
    seconds: r.seconds,
    config: {
      trials: c.trials,
      dims: c.dims.length,
      iterations: c.iterations,
      concurrency: c.concurrency,
      threadsPerTrial: c.threadsPerTrial,
      workers: c.workers,
      seed: c.seed,
    },
    figure: { dims: r.dims, rfm: band('rfm'), baseline: band('baseline') },
  };
}

export function recordFileName(protocol: ScalingRunRecord['protocol'], dtype: DType): string {
  return `scaling-${protocol}-${dtype}.json`;
}

/** The record of the full protocol in `dtype`, if one was written (bench/results/ by default). */
export function readFullRunRecord(dtype: DType, dir = RESULTS_DIR): ScalingRunRecord | undefined {
  const path = join(dir, recordFileName('full', dtype));
  if (!existsSync(path)) return undefined;
  const r = JSON.parse(readFileSync(path, 'utf8')) as ScalingRunRecord;
  if (r.kind !== 'rfm-lab scaling run' || r.protocol !== 'full' || r.dtype !== dtype) {
    throw new DataError(`${path} is not a full-protocol ${dtype} record of the scaling test`);
  }
  return r;
}

/** One sentence for a notebook: how long the measured run took, when, on what load, from which commit. */
export function describeRun(r: ScalingRunRecord): string {
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  return (
    `the full protocol (${r.config.trials} trials x ${r.config.dims} d, T = ${r.config.iterations}, ${r.dtype}) took ` +
    `${(r.seconds / 60).toFixed(1)} min, measured end to end on ${r.date.slice(0, 10)} (commit ${r.commit.slice(0, 10)}, ` +
    `${r.machine.cpus} cores, load average ${load(r.load.before)} before, ${load(r.load.after)} after)`
  );
}

export interface CurveAgreement {
  d: number;
  model: 'rfm' | 'baseline';
  mean: number;
  reference: { mean: number; lo: number; hi: number };
  inside: boolean;
  /** (mean - reference mean) / half the reference band's width: inside the band is about |x| <= 1. */
  bandNormalised: number;
}

/**
 * At the d where the study's figure was read, is the mean of `run` inside the 2.5-97.5 % band of `reference` (the
 * bands the notebook draws)? For checking a float32 run against the float64 run.
 */
export function agreementAtReadOff(run: ScalingRunRecord, reference: ScalingRunRecord): CurveAgreement[] {
  const out: CurveAgreement[] = [];
  for (const model of ['rfm', 'baseline'] as const) {
    for (const d of PUBLISHED_SCALING[model].d) {
      const i = run.figure.dims.indexOf(d);
      const j = reference.figure.dims.indexOf(d);
      if (i < 0 || j < 0) continue;
      const ref = reference.figure[model].mse;
      const mean = run.figure[model].mse.mean[i];
      const band = { mean: ref.mean[j], lo: ref.lo[j], hi: ref.hi[j] };
      const half = (band.hi - band.lo) / 2;
      out.push({
        d,
        model,
        mean,
        reference: band,
        inside: mean >= band.lo && mean <= band.hi,
        bandNormalised: half > 0 ? (mean - band.mean) / half : mean === band.mean ? 0 : Infinity,
      });
    }
  }
  return out;
}
