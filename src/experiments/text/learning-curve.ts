import { OptionError } from '../../core/errors';
import { throwIfAborted, yieldToEventLoop } from '../../core/async';
import { RunControl, checkRunControl } from '../common/run';
import { evaluateNextCharacter } from '../../text/evaluate';
import { loadCorpus } from '../../text/corpus';
import {
  STUDY_REFERENCE_LENGTH,
  fitKernelModel,
  fitNgram,
  textConfig,
  type TextExperimentConfig,
  type TextExperimentResult,
} from './experiment';
import { ngramSpans, prepareCorrectData, type TextData } from './data';
import { curvePointWork, type WorkSizes } from './work';
import { KernelCharModel, type KernelCharFitDetails } from '../../text/kernel-char-model';

/**
 * The learning curve of the text study: next-character accuracy and bits per character on the same test windows
 * against the number of training windows, for the n-gram on the kernel models' text, the Laplace model and the RFM,
 * and, when the RFM's back-off fit sees the whole train split (rfmFinalWindows 'split'), the n-gram on the whole train
 * split, the comparison that is fair to it (the same at every size).
 * The training windows of a size are the first of one seeded random draw, so each size's set contains the smaller
 * ones; validation and test windows are the same at every size ('correct' protocol, random windows). The kernel
 * models use the config's solver: sizes beyond what the exact solver can fit in time take `solver: 'nystrom'`.
 */

export type CurveModel = 'ngram' | 'ngramWindows' | 'laplace' | 'rfm';
/** Every model a curve can hold, in the order the figures list them. */
export const CURVE_MODELS: readonly CurveModel[] = ['ngram', 'ngramWindows', 'laplace', 'rfm'];

/** The models of a curve under this config: the whole-split n-gram only when the RFM's back-off fit sees it too. */
export function curveModels(c: TextExperimentConfig): CurveModel[] {
  return CURVE_MODELS.filter((m) => m !== 'ngram' || (c.rfmFinalKernel === 'backoff' && c.rfmFinalWindows === 'split'));
}

export interface LearningCurvePoint {
  trainWindows: number;
  model: CurveModel;
  accuracy: number;
  bitsPerCharacter: number;
  /** The RFM's kept iteration (0: the plain kernel). */
  keptIteration?: number;
  /** The windows the RFM's back-off fit saw (its training windows, or every window of the train split). */
  backoffWindows?: number;
  /** The kernel models' solver, and the Nystrom centres m (absent for the n-gram). */
  solver?: 'exact' | 'nystrom';
  centres?: number;
  /** Fit seconds of this model at this size. */
  seconds: number;
}

export interface LearningCurveProgress {
  trainWindows: number;
  model: CurveModel;
  message: string;
  /** Share of the curve's expected work done (work.ts). */
  fraction: number;
}

export interface LearningCurve {
  sizes: number[];
  points: LearningCurvePoint[];
  config: TextExperimentConfig;
}

/** `sizes`: training windows per point, increasing; the rest of the config as runTextExperiment's ('correct' mode). */
export async function runTextLearningCurve(
  sizes: number[],
  overrides: Partial<TextExperimentConfig> = {},
  control: RunControl<LearningCurveProgress> = {},
): Promise<LearningCurve> {
  const c = textConfig(overrides);
  const { onProgress, signal } = checkRunControl('runTextLearningCurve', control);
  if (c.mode !== 'correct' || c.trainSampling !== 'random')
    throw new OptionError(
      "runTextLearningCurve: needs mode 'correct' with trainSampling 'random' (nested random windows)",
    );
  if (
    !Array.isArray(sizes) ||
    sizes.length === 0 ||
    sizes.some((s, i) => !Number.isInteger(s) || s < 1 || (i > 0 && s <= sizes[i - 1]))
  ) {
    throw new OptionError(
      `runTextLearningCurve: sizes must be increasing positive integers, got ${JSON.stringify(sizes)}`,
    );
  }
  throwIfAborted(signal, 'the text learning curve');
  const text = await loadCorpus(c.corpus);
  const points: LearningCurvePoint[] = [];
  const models = curveModels(c);
  const work = sizes.map((size) => models.map((model) => curvePointWork(curveWorkSizes(c, size), model)));
  const total = work.flat().reduce((a, b) => a + b, 0);
  let done = 0;
  for (const [k, size] of sizes.entries()) {
    const data = prepareCorrectData(text, {
      ...c,
      trainWindows: size,
      referenceLength: Math.max(c.generationLength, STUDY_REFERENCE_LENGTH),
    });
    for (const [j, model] of models.entries()) {
      const point = await curvePoint(model, c, data, signal);
      points.push(point);
      done += work[k][j];
      const kept =
        (point.keptIteration === undefined ? '' : `, kept t = ${point.keptIteration}`) +
        (point.backoffWindows === undefined ? '' : `, back-off fit on ${point.backoffWindows} windows`);
      onProgress?.({
        trainWindows: size,
        model,
        message: `${size} windows, ${model}${point.solver === 'nystrom' ? ` (Nystrom, m = ${point.centres})` : ''}: accuracy ${point.accuracy.toFixed(4)}, ${point.bitsPerCharacter.toFixed(3)} bits/char${kept} (${point.seconds.toFixed(1)} s)`,
        fraction: done / total,
      });
      await yieldToEventLoop(signal, 'the text learning curve');
    }
  }
  return { sizes: sizes.slice(), points, config: c };
}

/** The sizes of one curve point, for its expected work. */
function curveWorkSizes(c: TextExperimentConfig, size: number): WorkSizes {
  return { ...c, vocabulary: 50, trainWindows: size, generationLength: 0 };
}

async function curvePoint(
  model: CurveModel,
  c: TextExperimentConfig,
  data: TextData,
  signal: AbortSignal | undefined,
): Promise<LearningCurvePoint> {
  const t0 = performance.now();
  const fitted =
    model === 'ngram' || model === 'ngramWindows'
      ? fitNgram(data, model === 'ngram' ? data.trainText : ngramSpans(data.trainPieces, c.context, c.ngramOrder), c)
          .model
      : await fitKernelModel(c, data, model === 'rfm', undefined, signal);
  const seconds = (performance.now() - t0) / 1000;
  const r = await evaluateNextCharacter(fitted, data.test);
  const details = fitted instanceof KernelCharModel ? fitted.details : undefined;
  return {
    trainWindows: data.train.count,
    model,
    accuracy: r.accuracy,
    bitsPerCharacter: r.bitsPerCharacter,
    ...(details?.rfm ? { keptIteration: details.rfm.bestIteration } : {}),
    ...(details?.backoff ? { backoffWindows: details.backoff.windowCount } : {}),
    ...(details ? solverOf(details) : {}),
    seconds,
  };
}

function solverOf(details: KernelCharFitDetails): Pick<LearningCurvePoint, 'solver' | 'centres'> {
  const s = details.solver;
  return s.solver === 'nystrom' ? { solver: 'nystrom', centres: s.nystrom!.centres } : { solver: 'exact' };
}

/**
 * The curve's points of a runTextExperiment result (its n-gram on the kernel models' text, Laplace model and RFM):
 * with the same config but for trainWindows, its training windows are the curve's draw at that size.
 */
export function curvePointsOf(result: TextExperimentResult): LearningCurvePoint[] {
  const row = (key: CurveModel) => result.table.find((r) => r.key === key)!;
  const seconds: Record<CurveModel, number> = {
    ngram: result.fits.ngram.seconds,
    ngramWindows: result.fits.ngramWindows.seconds,
    laplace: result.fits.laplace.seconds.total,
    rfm: result.fits.rfm.seconds.total,
  };
  return curveModels(result.config).map((model) => ({
    trainWindows: result.data.trainWindows,
    model,
    accuracy: row(model).accuracy,
    bitsPerCharacter: row(model).bitsPerCharacter,
    ...(model === 'rfm' ? { keptIteration: result.fits.rfm.rfm!.bestIteration } : {}),
    ...(model === 'rfm' && result.fits.rfm.backoff ? { backoffWindows: result.fits.rfm.backoff.windowCount } : {}),
    ...(model === 'ngram' || model === 'ngramWindows' ? {} : solverOf(result.fits[model])),
    seconds: seconds[model],
  }));
}
