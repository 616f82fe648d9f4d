/** One measurement of bench/large.bench.ts, run in its own process: `RESULT {json}` on stdout. */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { mnistAllImages } from '../src/experiments/feature-learning/mnist-all';
import { DEFAULT_TEXT_CONFIG } from '../src/experiments/text/experiment';
import { prepareCorrectData, type TextData } from '../src/experiments/text/data';
import { fitTemperature, meanNegativeLogLikelihood } from '../src/kernels/temperature';
import { fitSoftmaxLayer, softmaxLayerLogProbs } from '../src/kernels/softmax-layer';
import { Matrix } from '../src/linalg/matrix';
import { accuracy } from '../src/metrics/classification';
import { KneserNeyModel } from '../src/ngram/kneser-ney';
import { chooseRfmSolver } from '../src/rfm/nystrom-setup';
import { RFM, type RFMEvent } from '../src/rfm/rfm';
import { loadCorpus } from '../src/text/corpus';
import { evaluateNextCharacter } from '../src/text/evaluate';
import type { Windows } from '../src/text/windows';

export interface ChildConfig {
  task: 'text' | 'mnist' | 'ngram';
  n: number;
  solver: 'exact' | 'nystrom';
  iterations: number;
  centres?: number;
  sampling?: 'uniform' | 'leverage';
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
const RIDGE = 1e-3;

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

function oneHot(w: Windows, vocabulary: number) {
  return { oneHot: { codes: w.codes, width: w.context, vocabulary } };
}

/** Scores over the RFM's classes widened to the whole vocabulary (0 for symbols never seen as a target). */
function widen(scores: Matrix, classes: number[], size: number): Matrix {
  const out = new Matrix(scores.rows, size);
  for (let i = 0; i < scores.rows; i++)
    for (let k = 0; k < classes.length; k++) out.data[i * size + classes[k]] = scores.data[i * classes.length + k];
  return out;
}

function rfmFor(config: ChildConfig, bandwidth: number): RFM {
  return new RFM({
    bandwidth,
    ridge: config.ridge ?? RIDGE,
    iterations: config.iterations,
    diagonal: config.diagonal ?? false,
    groupSize: config.groupSize,
    normalization: config.normalization ?? 'none',
    agopSampleSize: config.agopSampleSize,
    solver: config.solver,
    nystrom: config.centres === undefined ? undefined : { centres: config.centres },
    task: 'classification',
  });
}

async function textRun(config: ChildConfig): Promise<Omit<ChildResult, 'load' | 'peakGiB'>> {
  const data = await textData(config.n);
  const size = data.vocab.size;
  const rfm = rfmFor(config, TEXT_BANDWIDTH);
  const started = performance.now();
  const onEvent = (e: RFMEvent) => {
    if (e.type === 'iteration')
      console.error(
        `    t = ${e.record.iteration}: ${e.record.seconds.toFixed(1)} s, validation accuracy ${e.record.validation?.accuracy?.toFixed(4)} (load ${load()})`,
      );
  };
  await rfm.fit(oneHot(data.train, size), data.train.targets, {
    validation: { ...oneHot(data.validation, size), Y: data.validation.targets },
    onEvent,
  });
  const seconds = (performance.now() - started) / 1000;
  const classes = rfm.classes!;
  // Calibrated as the text models are: softmax(f / tau) over the whole vocabulary, tau fitted on validation.
  const validation = widen(await rfm.predict(oneHot(data.validation, size)), classes, size);
  const tau = fitTemperature(validation, data.validation.targets).temperature;
  const test = widen(await rfm.predict(oneHot(data.test, size)), classes, size);
  const nll = meanNegativeLogLikelihood(test, data.test.targets, tau);
  // The text models' own calibration (KernelCharModel's default): the softmax layer fitted on the validation windows.
  const layerLogProbs = softmaxLayerLogProbs(fitSoftmaxLayer(validation, data.validation.targets), test);
  let layerNll = 0;
  for (let i = 0; i < test.rows; i++) layerNll -= layerLogProbs[i * size + data.test.targets[i]] / test.rows;
  const s = rfm.summary;
  const steps = rfm.profile
    .summary()
    .slice(0, 4)
    .map((p) => `${p.step} ${p.seconds.toFixed(1)} s`)
    .join(', ');
  const detail = `${s.solver?.solver === 'nystrom' ? `m = ${s.solver.nystrom!.centres} ${s.solver.nystrom!.method}` : s.form}; kept t = ${s.bestIteration}; bits/char with the softmax layer ${(layerNll / Math.LN2).toFixed(3)} (temperature alone: the column); ${rfm.history.map((h) => h.seconds.toFixed(1)).join('+')} s; ${steps}`;
  return { ok: true, seconds, accuracy: accuracy(test, data.test.targets), bitsPerCharacter: nll / Math.LN2, detail };
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
  const r = evaluateNextCharacter(model, data.test);
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
  const nystrom = config.centres === undefined ? undefined : { centres: config.centres, sampling: config.sampling };
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

export async function runChild(config: ChildConfig): Promise<void> {
  let result: Omit<ChildResult, 'load' | 'peakGiB'>;
  try {
    if (config.task === 'ngram') result = await ngramRun();
    else if (config.task === 'mnist') result = await mnistRun(config);
    else result = config.priceOnly ? await textPrice(config) : await textRun(config);
  } catch (e) {
    result = { ok: false, seconds: 0, error: `${(e as Error).name}: ${(e as Error).message}` };
  }
  console.log('RESULT ' + JSON.stringify({ ...result, peakGiB: peakGiB(), load: load() }));
}
