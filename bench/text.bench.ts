/**
 * The text experiment at full size (`npm run bench:text`): Moby-Dick, 5000 training windows of 48 characters, RFM
 * T = 5. Prints the load average, the backend, the RFM's fit time (its own fit, and the whole model with the
 * calibration) with its per-step profile, peak memory (process RSS sampled every 100 ms, and the kernel's VmHWM, which
 * also catches peaks inside synchronous loops), and the table.
 *   --windows N     training windows (default 5000)
 *   --iterations T  RFM iterations (default 5)
 *   --selection S   how the RFM's iteration is picked: accuracy (default) or nll (calibrated validation NLL)
 *   --rfm-ridge R   the RFM's lambda (default DEFAULT_TEXT_RIDGE = 1; the study's 1e-3 gives 3.227 bits/char)
 *   --validation N  validation windows (default 4000: docs/text-rfm.md section 6)
 *   --final-windows split|sampled  the windows of the RFM's back-off fit (default split: docs/text-rfm.md section 8)
 *   --bandwidths a,b,...  instead: the Laplace model's validation NLL and test bits per character at each L
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import {
  DEFAULT_TEXT_CONFIG,
  runTextExperiment,
  studyMethodCells,
  textTableCells,
} from '../src/experiments/text/experiment';
import { prepareCorrectData } from '../src/experiments/text/data';
import { backendInfo } from '../src/linalg/registry';
import { evaluateNextCharacter } from '../src/text/evaluate';
import { loadCorpus } from '../src/text/corpus';
import { KernelCharModel } from '../src/text/kernel-char-model';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const trainWindows = Number(option('--windows') ?? DEFAULT_TEXT_CONFIG.trainWindows);
const rfmIterations = Number(option('--iterations') ?? DEFAULT_TEXT_CONFIG.rfmIterations);
const rfmSelection = (option('--selection') ?? DEFAULT_TEXT_CONFIG.rfmSelection) as 'accuracy' | 'nll';
const rfmRidge = Number(option('--rfm-ridge') ?? DEFAULT_TEXT_CONFIG.rfmRidge);
const validationWindows = Number(option('--validation') ?? DEFAULT_TEXT_CONFIG.validationWindows);
const rfmFinalWindows = (option('--final-windows') ?? DEFAULT_TEXT_CONFIG.rfmFinalWindows) as 'split' | 'sampled';
const bandwidths = option('--bandwidths');

const GiB = 1024 ** 3;

function vmHwmBytes(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

async function sweepBandwidths(list: number[]): Promise<void> {
  const c = DEFAULT_TEXT_CONFIG;
  const text = await loadCorpus(c.corpus);
  const data = prepareCorrectData(text, { ...c, trainWindows, referenceLength: c.generationLength });
  console.log(
    `Laplace model, ${data.train.count} training windows: L, validation NLL (nats), test accuracy, test bits per character`,
  );
  for (const bandwidth of list) {
    const model = await KernelCharModel.fit(data.vocab, data.train, data.validation, { bandwidth });
    const r = await evaluateNextCharacter(model, data.test);
    console.log(
      `  L = ${bandwidth}: ${model.details.softmax.nll.toFixed(4)}, ${r.accuracy.toFixed(4)}, ${r.bitsPerCharacter.toFixed(4)}`,
    );
  }
}

async function main(): Promise<void> {
  const info = await backendInfo();
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`,
  );
  console.log(
    `backend: float64 ${info.active.float64} (${info.backends.find((b) => b.name === info.active.float64)?.detail}), ${info.threads} threads`,
  );
  if (bandwidths) return sweepBandwidths(bandwidths.split(',').map(Number));
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const started = performance.now();
  const result = await runTextExperiment(
    {
      trainWindows,
      rfmIterations,
      rfmSelection,
      rfmRidge,
      validationWindows,
      rfmFinalWindows,
    },
    { onProgress: (p) => console.log(`[${p.elapsedSeconds.toFixed(1)} s] ${p.stage}: ${p.message}`) },
  );
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const rfm = result.fits.rfm;
  console.log(
    `\nRFM (n = ${rfm.trainWindows}, T = ${rfm.iterations}, form ${rfm.rfm!.form}, gradients ${rfm.rfm!.gradients}, kept t = ${rfm.rfm!.bestIteration} by ${rfm.rfm!.selection}):`,
  );
  console.log(
    `  RFM.fit ${rfm.seconds.rfm.toFixed(1)} s; whole model ${rfm.seconds.total.toFixed(1)} s (${Object.entries(
      rfm.seconds,
    )
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ')})`,
  );
  console.log(
    `  per iteration: ${rfm.rfm!.history.map((h) => `t=${h.iteration} ${h.seconds.toFixed(1)} s${h.validation?.score === undefined ? '' : ` (NLL ${h.validation.score.toFixed(4)})`}`).join(', ')}`,
  );
  console.log(
    `  profile: ${rfm
      .rfm!.profile.filter((s) => s.seconds > 0.05)
      .map((s) => `${s.step} ${s.seconds.toFixed(1)} s${s.flops > 0 ? ` (${s.gflops.toFixed(1)} GFLOPS)` : ''}`)
      .join('; ')}`,
  );
  console.log(
    `Laplace model: ${result.fits.laplace.seconds.total.toFixed(1)} s; experiment ${result.seconds.total.toFixed(1)} s`,
  );
  const hwm = vmHwmBytes();
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`,
  );
  console.log(
    `peak memory: RSS sampled ${(peakRss / GiB).toFixed(2)} GiB, VmHWM ${hwm === null ? 'n/a' : `${(hwm / GiB).toFixed(2)} GiB`}`,
  );
  const table = textTableCells(result);
  console.log('\n' + table.columns.join(' | '));
  for (const row of table.rows) console.log(row.map((v) => (typeof v === 'number' ? v.toPrecision(4) : v)).join(' | '));
  const study = studyMethodCells(result);
  console.log('\n' + study.columns.join(' | '));
  for (const row of study.rows) console.log(row.map((v) => (typeof v === 'number' ? v.toPrecision(4) : v)).join(' | '));
  console.log(
    `\nsample: "${result.samples[0].prompt}" -> RFM "${result.samples[0].continuations.rfm.greedy}" (true: "${result.samples[0].reference}")`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
