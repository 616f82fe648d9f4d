/**
 * bench/large.bench.ts's `eigenpro` section, one configuration per child process: the same kernel (Laplace, identity
 * metric) solved on the same data by the Nystrom solver (direct, m uniform centres; m = n is the exact solution) and
 * by EigenPro 2 (bench/eigenpro.ts), scored the same way: test accuracy of argmax K(z, .) alpha. EigenPro is scored
 * after every epoch; the scoring time is left out of its elapsed time.
 */
import { loadavg } from 'node:os';
import { mnistTenClasses, digitCount } from '../src/data/mnist';
import { DEFAULT_TEXT_CONFIG } from '../src/experiments/text/experiment';
import { prepareCorrectData } from '../src/experiments/text/data';
import { IDENTITY, type ProductKernel } from '../src/kernels/kernel';
import { uniformCentres } from '../src/kernels/centres';
import { solveNystrom } from '../src/kernels/nystrom';
import { FeatureKernels } from '../src/kernels/nystrom-kernels';
import { backendFor } from '../src/linalg/registry';
import { Matrix } from '../src/linalg/matrix';
import { DenseFeatures, OneHotFeatures, type Features } from '../src/rfm/features';
import { Rng } from '../src/random';
import { loadCorpus } from '../src/text/corpus';
import { eigenProFit } from './eigenpro';

export interface EigenProConfig {
  data: 'mnist' | 'text';
  /** Text: training windows (MNIST: all 7,200 fit images). */
  n: number;
  solver: 'nystrom' | 'eigenpro';
  centres?: number;
  epochs?: number;
  q?: number;
  subsample?: number;
}

interface Problem {
  x: Features;
  y: Matrix;
  test: Features;
  labels: Int32Array;
  kernel: ProductKernel;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

function oneHotTargets(labels: ArrayLike<number>, classes: number): Matrix {
  const y = new Matrix(labels.length, classes);
  for (let i = 0; i < labels.length; i++) y.data[i * classes + labels[i]] = 1;
  return y;
}

async function problem(c: EigenProConfig): Promise<Problem> {
  if (c.data === 'mnist') {
    let images = 0;
    for (let digit = 0; digit < 10; digit++) images += digitCount(digit);
    const train = Math.round(0.8 * images);
    const fit = train - Math.round(0.1 * train);
    const split = mnistTenClasses({ train, test: images - train, seed: 0 });
    const x = new Matrix(fit, split.train.x.cols, split.train.x.data.slice(0, fit * split.train.x.cols));
    const labels = Int32Array.from(split.test.labels);
    return {
      x: new DenseFeatures(x),
      y: oneHotTargets(split.train.labels.slice(0, fit), 10),
      test: new DenseFeatures(split.test.x),
      labels,
      kernel: { name: 'laplace', bandwidth: 10, exponent: 1 },
    };
  }
  const t = DEFAULT_TEXT_CONFIG;
  const data = prepareCorrectData(await loadCorpus(t.corpus), {
    ...t,
    trainWindows: c.n,
    referenceLength: t.generationLength,
  });
  const v = data.vocab.size;
  const features = (w: { codes: Int32Array; context: number }) =>
    OneHotFeatures.fromCodes({ codes: w.codes, width: w.context, vocabulary: v });
  return {
    x: features(data.train),
    y: oneHotTargets(data.train.targets, v),
    test: features(data.test),
    labels: data.test.targets,
    kernel: { name: 'laplace', bandwidth: 5, exponent: 1 },
  };
}

async function accuracy(kernels: FeatureKernels, alpha: Matrix, p: Problem): Promise<number> {
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

/** Runs one configuration; returns the result's detail lines (one per EigenPro epoch). */
export async function eigenProCompare(
  c: EigenProConfig,
): Promise<{ seconds: number; accuracy: number; detail: string }> {
  const p = await problem(c);
  const backend = await backendFor('float64');
  const n = p.x.rows;
  if (c.solver === 'nystrom') {
    const started = performance.now();
    const m = Math.min(n, c.centres ?? 2000);
    const kernels = await FeatureKernels.create(
      backend,
      p.x,
      uniformCentres(n, m, new Rng(0)),
      IDENTITY,
      p.kernel,
      2048,
    );
    const sol = await solveNystrom(backend, kernels, p.y, { ridge: 1e-3, method: 'direct', blockRows: 2048 });
    const seconds = (performance.now() - started) / 1000;
    return { seconds, accuracy: await accuracy(kernels, sol.alpha, p), detail: `n = ${n}, m = ${m}, direct` };
  }
  const epochs: string[] = [];
  let scoring = 0;
  let last = { seconds: 0, accuracy: 0 };
  const fit = await eigenProFit(backend, p.x, p.y, IDENTITY, p.kernel, {
    epochs: c.epochs ?? 10,
    q: c.q,
    subsample: c.subsample,
    seed: 0,
    onEpoch: async (epoch, alpha, seconds, kernels) => {
      const t0 = performance.now();
      const acc = await accuracy(kernels, alpha, p);
      last = { seconds: seconds - scoring, accuracy: acc };
      scoring += (performance.now() - t0) / 1000;
      epochs.push(`${epoch}: ${acc.toFixed(4)} at ${last.seconds.toFixed(1)} s`);
      console.error(`    EigenPro epoch ${epochs[epochs.length - 1]} (load ${load()})`);
    },
  });
  const s = fit.setup;
  const detail = `n = ${n}, s = ${s.subsample.length}, batch ${s.batch} (critical ${s.criticalBatch}), eta ${s.eta.toPrecision(3)}, setup ${s.seconds.toFixed(1)} s; epochs ${epochs.join(', ')}`;
  return { ...last, detail };
}
