/**
 * bench/large.bench.ts's `eigenpro` section, one configuration per child process: the same kernel (Laplace, identity
 * metric, ridge 1e-3) solved on the same data by the exact solver, the Nystrom solver (direct, m uniform centres) and
 * EigenPro 2 (src/kernels/eigenpro.ts), scored the same way: test accuracy of argmax K(z, .) alpha.
 *   mnist  through KernelRegressor itself: solver 'exact', 'nystrom' or 'eigenpro' (its options as a user gives them).
 *   text   one-hot windows, which KernelRegressor (dense X) does not take: the same solvers on the windows' one-hot
 *          codes (the kernel blocks the text models use), EigenPro scored after every epoch, the scoring time left out
 *          of its elapsed time.
 */
import { loadavg } from 'node:os';
import { mnistTenClasses, digitCount } from '../src/data/mnist';
import { DEFAULT_TEXT_CONFIG } from '../src/experiments/text/experiment';
import { prepareCorrectData } from '../src/experiments/text/data';
import { featureEigenProKernels, solveEigenPro } from '../src/kernels/eigenpro';
import { IDENTITY } from '../src/kernels/kernel';
import { KernelRegressor } from '../src/kernels/kernel-regressor';
import { uniformCentres } from '../src/kernels/centres';
import { solveNystrom } from '../src/kernels/nystrom';
import { FeatureKernels } from '../src/kernels/nystrom-kernels';
import { eigenProSettings } from '../src/kernels/solver-choice';
import { backendFor } from '../src/linalg/registry';
import { Matrix } from '../src/linalg/matrix';
import { OneHotFeatures } from '../src/rfm/features';
import { Rng } from '../src/random';
import { loadCorpus } from '../src/text/corpus';

export interface EigenProConfig {
  data: 'mnist' | 'text';
  /** Text: training windows (MNIST: all 7,200 fit images). */
  n: number;
  solver: 'exact' | 'nystrom' | 'eigenpro';
  centres?: number;
  epochs?: number;
  q?: number;
  subsample?: number;
}

const RIDGE = 1e-3;

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** MNIST through KernelRegressor: 7,200 fit images (80 % train, 10 % of it held back as the other sections do). */
async function mnistRun(c: EigenProConfig): Promise<{ seconds: number; accuracy: number; detail: string }> {
  let images = 0;
  for (let digit = 0; digit < 10; digit++) images += digitCount(digit);
  const train = Math.round(0.8 * images);
  const fit = train - Math.round(0.1 * train);
  const split = mnistTenClasses({ train, test: images - train, seed: 0 });
  const x = new Matrix(fit, split.train.x.cols, split.train.x.data.slice(0, fit * split.train.x.cols));
  const started = performance.now();
  const model = await new KernelRegressor({
    kernel: 'laplace',
    bandwidth: 10,
    ridge: RIDGE,
    solver: c.solver,
    nystrom: c.solver === 'nystrom' ? { centres: c.centres ?? 2000, method: 'direct' } : undefined,
    eigenpro: c.solver === 'eigenpro' ? { epochs: c.epochs ?? 3, q: c.q, subsample: c.subsample } : undefined,
  }).fit(x, Int32Array.from(split.train.labels.slice(0, fit)));
  const seconds = (performance.now() - started) / 1000;
  const accuracy = await model.score(split.test.x, Int32Array.from(split.test.labels));
  const s = model.summary;
  const e = s.eigenpro;
  const detail = e
    ? `n = ${fit}, ${e.epochs} epochs, s = ${e.subsample}, q = ${e.q}, batch ${e.batch} (critical ${e.criticalBatch})`
    : `n = ${fit}${s.centres === undefined ? '' : `, m = ${s.centres}`}`;
  return { seconds, accuracy, detail };
}

async function textProblem(n: number) {
  const t = DEFAULT_TEXT_CONFIG;
  const data = prepareCorrectData(await loadCorpus(t.corpus), {
    ...t,
    trainWindows: n,
    referenceLength: t.generationLength,
  });
  const v = data.vocab.size;
  const features = (w: { codes: Int32Array; context: number }) =>
    OneHotFeatures.fromCodes({ codes: w.codes, width: w.context, vocabulary: v });
  const y = new Matrix(data.train.targets.length, v);
  for (let i = 0; i < y.rows; i++) y.data[i * v + data.train.targets[i]] = 1;
  return { x: features(data.train), y, test: features(data.test), labels: data.test.targets };
}

type TextProblem = Awaited<ReturnType<typeof textProblem>>;

async function textAccuracy(kernels: FeatureKernels, alpha: Matrix, p: TextProblem): Promise<number> {
  const backend = await backendFor('float64');
  const scores = await backend.gemm((await kernels.cross(p.test)).kernel, alpha);
  const c = scores.cols;
  let right = 0;
  for (let i = 0; i < scores.rows; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (scores.data[i * c + k] > scores.data[i * c + best]) best = k;
    if (best === p.labels[i]) right++;
  }
  return right / scores.rows;
}

/** Text windows: Nystrom (direct), or EigenPro scored after every epoch (one detail entry per epoch). */
async function textRun(c: EigenProConfig): Promise<{ seconds: number; accuracy: number; detail: string }> {
  const p = await textProblem(c.n);
  const backend = await backendFor('float64');
  const n = p.x.rows;
  const kernel = { name: 'laplace' as const, bandwidth: 5, exponent: 1 };
  const started = performance.now();
  if (c.solver !== 'eigenpro') {
    const m = c.solver === 'exact' ? n : Math.min(n, c.centres ?? 2000);
    const kernels = await FeatureKernels.create(backend, p.x, uniformCentres(n, m, new Rng(0)), IDENTITY, kernel, 2048);
    const sol = await solveNystrom(backend, kernels, p.y, { ridge: RIDGE, method: 'direct', blockRows: 2048 });
    const seconds = (performance.now() - started) / 1000;
    return { seconds, accuracy: await textAccuracy(kernels, sol.alpha, p), detail: `n = ${n}, m = ${m}, direct` };
  }
  const src = await featureEigenProKernels(backend, p.x, IDENTITY, kernel, 2048);
  const epochs: string[] = [];
  let scoring = 0;
  let last = { seconds: 0, accuracy: 0 };
  const settings = eigenProSettings(n, { epochs: c.epochs ?? 5, q: c.q, subsample: c.subsample });
  const fit = await solveEigenPro(backend, src, p.y, {
    ...settings,
    ridge: RIDGE,
    seed: 0,
    onEpoch: async (epoch, alpha) => {
      const t0 = performance.now();
      const accuracy = await textAccuracy(src.all, alpha, p);
      scoring += (performance.now() - t0) / 1000;
      last = { seconds: (performance.now() - started) / 1000 - scoring, accuracy };
      epochs.push(`${epoch}: ${accuracy.toFixed(4)} at ${last.seconds.toFixed(1)} s`);
      console.error(`    EigenPro epoch ${epochs[epochs.length - 1]} (load ${load()})`);
    },
  });
  const s = fit.setup;
  const detail = `n = ${n}, s = ${s.subsample.length}, q = ${settings.q}, batch ${s.batch} (critical ${s.criticalBatch}), eta ${s.eta.toPrecision(3)}, setup ${s.seconds.toFixed(1)} s; epochs ${epochs.join(', ')}`;
  return { ...last, detail };
}

/** Runs one configuration. */
export async function eigenProCompare(
  c: EigenProConfig,
): Promise<{ seconds: number; accuracy: number; detail: string }> {
  return c.data === 'mnist' ? mnistRun(c) : textRun(c);
}
