/** One measurement of bench/large.bench.ts, run in its own process: `RESULT {json}` on stdout. */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { eigenProCompare, type EigenProConfig } from './eigenpro-compare';
import { mnistAllImages } from '../src/experiments/feature-learning/mnist-all';
import { DEFAULT_TEXT_CONFIG } from '../src/experiments/text/experiment';
import { prepareCorrectData, type TextData } from '../src/experiments/text/data';
import { KneserNeyModel } from '../src/ngram/kneser-ney';
import { chooseRfmSolver } from '../src/rfm/nystrom-setup';
import { loadCorpus } from '../src/text/corpus';
import { evaluateNextCharacter } from '../src/text/evaluate';
import { KernelCharModel, type KernelCharEvent, type TextMetric } from '../src/text/kernel-char-model';

export interface ChildConfig {
  task: 'text' | 'mnist' | 'ngram';
  n: number;
  solver: 'exact' | 'nystrom';
  iterations: number;
  centres?: number;
  sampling?: 'uniform' | 'leverage';
  /** The Nystrom solve: 'direct' or Falkon's 'cg' (default: the cost model's choice), CG's tolerance and cap. */
  method?: 'direct' | 'cg';
  tolerance?: number;
  maxIterations?: number;
  diagonal?: boolean;
  /** Ties the diagonal's weights in groups of this many features (the vocabulary: one weight per position). */
  groupSize?: number;
  normalization?: 'none' | 'trace';
  agopSampleSize?: number;
  /** lambda (default 1e-3). */
  ridge?: number;
  /** Only price the exact solver (and show its refusal where it does not fit); fit nothing. */
  priceOnly?: boolean;
}

export interface ChildResult {
  ok: boolean;
  error?: string;
  seconds: number;
  peakGiB: number;
  accuracy?: number;
  bitsPerCharacter?: number;
  detail?: string;
  load: string;
}

const TEXT_BANDWIDTH = 5;

function peakGiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 ** 2 : 0;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

async function textData(n: number): Promise<TextData> {
  const c = DEFAULT_TEXT_CONFIG;
  return prepareCorrectData(await loadCorpus(c.corpus), { ...c, trainWindows: n, referenceLength: c.generationLength });
}

/** The text models' metric for the child's RFM options (T = 0: the Laplace model, whatever the metric). */
function textMetric(config: ChildConfig): TextMetric {
  if (config.diagonal && config.groupSize !== undefined) return 'position';
  return config.diagonal ? 'diagonal' : 'full';
}

function nystromOptions(config: ChildConfig) {
  const { centres, sampling, method, tolerance, maxIterations } = config;
  return { centres, sampling, method, tolerance, maxIterations };
}

/** The text model itself (KernelCharModel: its RFM, one-hot scoring and softmax layer), scored on the test windows. */
async function textRun(config: ChildConfig): Promise<Omit<ChildResult, 'load' | 'peakGiB'>> {
  const data = await textData(config.n);
  const started = performance.now();
  const onEvent = (e: KernelCharEvent) => {
    if (e.type === 'rfm' && e.event.type === 'iteration')
      console.error(
        `    t = ${e.event.record.iteration}: ${e.event.record.seconds.toFixed(1)} s, validation accuracy ${e.event.record.validation?.accuracy?.toFixed(4)} (load ${load()})`,
      );
  };
  const model = await KernelCharModel.fit(data.vocab, data.train, data.validation, {
    bandwidth: TEXT_BANDWIDTH,
    ridge: config.ridge,
    iterations: config.iterations,
    metric: textMetric(config),
    normalization: config.normalization ?? 'none',
    agopSampleSize: config.agopSampleSize,
    solver: config.solver,
    nystrom: config.centres === undefined ? undefined : nystromOptions(config),
    // This bench measures the solver's own predictor (the text model's default for the 'position' metric is the
    // back-off kernel's exact trie fit under the learned M: docs/text-rfm.md section 7).
    finalKernel: 'laplace',
    onEvent,
  });
  const seconds = (performance.now() - started) / 1000;
  const r = await evaluateNextCharacter(model, data.test);
  const d = model.details;
  const s = d.solver;
  const steps = (d.rfm?.profile ?? [])
    .slice(0, 4)
    .map((p) => `${p.step} ${p.seconds.toFixed(1)} s`)
    .join(', ');
  const kept = d.rfm
    ? `; kept t = ${d.rfm.bestIteration}; ${d.rfm.history.map((h) => h.seconds.toFixed(1)).join('+')} s`
    : '';
  const cg = d.rfm?.history.map((h) => h.cgIterations ?? '').join(',');
  const method = s.solver === 'nystrom' ? `m = ${s.nystrom!.centres} ${s.nystrom!.sampling} ${s.nystrom!.method}` : '';
  const detail = `${s.solver === 'nystrom' ? method : (d.rfm?.form ?? 'exact')}${kept}${cg && /\d/.test(cg) ? `; CG iterations ${cg}` : ''}; ${steps}`;
  return { ok: true, seconds, accuracy: r.accuracy, bitsPerCharacter: r.bitsPerCharacter, detail };
}

/** The exact solver's estimate at n without fitting (or its refusal, timed). */
async function textPrice(config: ChildConfig): Promise<Omit<ChildResult, 'load' | 'peakGiB'>> {
  const started = performance.now();
  try {
    const cost = {
      n: config.n,
      d: 48 * 50,
      c: 50,
      sample: config.n,
      tracked: 3000,
      iterations: config.iterations,
      dtype: 'float64' as const,
      diagonal: false,
      normalization: 'none' as const,
      gramOnly: false,
      oneHotWidth: 48,
    };
    const choice = chooseRfmSolver(cost, 'auto', 'exact', undefined);
    return {
      ok: true,
      seconds: 0,
      detail: `not run: estimate ${(choice.exact.bytes / 1024 ** 3).toFixed(1)} GiB, ~${choice.exact.seconds.toFixed(0)} s at the nominal rate`,
    };
  } catch (e) {
    return {
      ok: false,
      seconds: 0,
      error: `refused in ${((performance.now() - started) / 1000).toFixed(3)} s: ${(e as Error).message}`,
    };
  }
}

async function ngramRun(): Promise<Omit<ChildResult, 'load' | 'peakGiB'>> {
  const data = await textData(5000);
  const started = performance.now();
  const model = KneserNeyModel.fit(data.vocab, data.codes, {
    order: 5,
    discount: 'estimate',
    spans: data.summary.splits!.train,
  });
  const seconds = (performance.now() - started) / 1000;
  const r = await evaluateNextCharacter(model, data.test);
  const characters = data.summary.splits!.train.reduce((a, s) => a + s.end - s.start, 0);
  return {
    ok: true,
    seconds,
    accuracy: r.accuracy,
    bitsPerCharacter: r.bitsPerCharacter,
    detail: `${characters} training characters`,
  };
}

async function mnistRun(config: ChildConfig): Promise<Omit<ChildResult, 'load' | 'peakGiB'>> {
  const nystrom = config.centres === undefined ? undefined : nystromOptions(config);
  const model = config.iterations === 0 ? 'laplace' : 'rfm';
  const r = await mnistAllImages({
    models: [model],
    solver: config.solver,
    nystrom,
    iterations: config.iterations,
    agopSampleSize: config.agopSampleSize ?? 2000,
  });
  const row = r.rows[0];
  const detail = `${r.fit} fit + ${r.validation} validation / ${r.test} test; ${row.reason}${row.keptIteration === undefined ? '' : `; kept t = ${row.keptIteration}`}`;
  return { ok: true, seconds: row.seconds, accuracy: row.testAccuracy, detail };
}

export async function runChild(config: ChildConfig | (EigenProConfig & { task: 'eigenpro' })): Promise<void> {
  let result: Omit<ChildResult, 'load' | 'peakGiB'>;
  try {
    if (config.task === 'eigenpro') result = { ok: true, ...(await eigenProCompare(config)) };
    else if (config.task === 'ngram') result = await ngramRun();
    else if (config.task === 'mnist') result = await mnistRun(config);
    else result = config.priceOnly ? await textPrice(config) : await textRun(config);
  } catch (e) {
    result = { ok: false, seconds: 0, error: `${(e as Error).name}: ${(e as Error).message}` };
  }
  console.log('RESULT ' + JSON.stringify({ ...result, peakGiB: peakGiB(), load: load() }));
}
