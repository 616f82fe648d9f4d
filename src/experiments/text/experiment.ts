import { OptionError } from '../../core/errors';
import { checkOptions } from '../../core/options';
import { throwIfAborted, yieldToEventLoop } from '../../core/async';
import { StageTimer } from '../../core/timer';
import { deriveSeed } from '../../core/seed';
import { RunControl, checkRunControl } from '../common/run';
import { backendInfo } from '../../linalg/registry';
import { charTokens, sentenceBleu, studyBleu, wordTokens } from '../../metrics/bleu';
import { evaluateNextCharacter, type NextCharacterReport } from '../../text/evaluate';
import { studyPerplexity } from '../../metrics/perplexity';
import { KneserNeyModel } from '../../ngram/kneser-ney';
import type { CharModel } from '../../text/char-model';
import { loadCorpus, type CorpusSource } from '../../text/corpus';
import { generate } from '../../text/generate';
import { distinctNgramRatio } from '../../metrics/repetition';
import {
  DEFAULT_TEXT_BANDWIDTH,
  DEFAULT_LAPLACE_RIDGE,
  DEFAULT_TEXT_RIDGE,
  KernelCharModel,
  STUDY_TEXT_BANDWIDTH,
  type KernelCharEvent,
  type KernelCharFitDetails,
  type KernelCharStage,
  type TextMetric,
} from '../../text/kernel-char-model';
import { makeWindows, type Span, type Windows } from '../../text/windows';
import { WORK_STAGES, experimentWork, stageFraction, type WorkSizes, type WorkStage } from './work';
import {
  checkNystromOptions,
  checkSolverName,
  type NystromOptions,
  type SolverName,
} from '../../kernels/solver-choice';
import {
  STUDY_LINE_COUNTS,
  ngramSpans,
  prepareCorrectData,
  prepareStudyData,
  type TextData,
  type TextDataSummary,
} from './data';

/**
 * The text experiment (docs/study-protocol.md section B), corrected: character n-grams (Kneser-Ney) on the whole train split
 * and on exactly the kernel models' text, a Laplace kernel and an RFM, scored on the same held-out windows by
 * next-character accuracy, perplexity and bits per character (calibrated probabilities), and by BLEU and the share of
 * distinct character 4-grams of their continuations of held-out prompts (BLEU against the true continuation of the
 * same length). Beside it: the study's published numbers, and our
 * models' numbers by the study's method (character BLEU-2 of 16 characters against 28, capped at 0.4724 by the
 * brevity penalty; "perplexity" = 2^entropy of the generated characters' histogram), to show what that method
 * measures.
 */

/** 'ngram': on the whole train split; 'ngramWindows': on the kernel models' training windows' text only. */
export type TextModelKey = 'ngram' | 'ngramWindows' | 'laplace' | 'rfm';
export const TEXT_MODELS: readonly TextModelKey[] = ['ngram', 'ngramWindows', 'laplace', 'rfm'];

export interface TextExperimentConfig {
  /** Default { source: 'moby-dick' }; { path } reads a .txt or .pdf (e.g. the study's 1984). */
  corpus: CorpusSource;
  /**
   * 'correct' (default): block split, contiguous training text shared by all models, every unknown character <UNK>.
   * 'study': the study's line sampling and all-zero rows, and its sizes, bandwidth, T and trigram as defaults.
   */
  mode: 'correct' | 'study';
  /** The only preset: the study's 50 symbols (space, a-z, 0-9, 12 punctuation marks, <UNK>), lowercasing. */
  vocabulary: 'study';
  /** w, characters of context of the kernel models. */
  context: number;
  trainWindows: number;
  /** 'random' (default): windows at random positions across the train split; 'stretches': cut from trainPieces. */
  trainSampling: 'random' | 'stretches';
  /** Contiguous stretches of training text the training windows are cut from ('correct' mode, 'stretches'). */
  trainPieces: number;
  validationWindows: number;
  testWindows: number;
  /** Block split of the corpus ('correct' mode). Default 0.8 / 0.1 / 0.1 in 20 blocks. */
  split: { fractions?: { train: number; validation: number; test: number }; blocks?: number };
  /**
   * n of the n-grams: 5 ('correct'), 3 ('study', its trigram). On Moby-Dick (test windows, 5000 random training
   * windows) the windows-only 5-gram reaches 2.98 bits per character, 7-gram 2.81; on the whole train split 2.19, 2.12.
   */
  ngramOrder: number;
  ngramDiscount: number | 'estimate';
  laplaceBandwidth: number;
  rfmBandwidth: number;
  /** T of the RFM: iterations 0..T are fitted, the best on the validation windows kept (rfmSelection). */
  rfmIterations: number;
  /** The RFM's M: 'position' (default: one weight per context position), 'diagonal' or 'full' (docs/text-rfm.md). */
  rfmMetric: TextMetric;
  rfmNormalization: 'none' | 'trace';
  /** Kernel models' probabilities: 'layer' (temperature, log-score weight, per-symbol bias) or 'temperature'. */
  calibration: 'layer' | 'temperature';
  /** How the RFM's iteration is picked: by validation accuracy (default) or calibrated validation NLL. */
  rfmSelection: 'accuracy' | 'nll';
  /** lambda of the Laplace model (the study's 1e-3). */
  ridge: number;
  /**
   * The kernel models' solver: 'auto' (default: exact unless it would not fit in memory or be too slow), 'exact' or
   * 'nystrom' (m centres; kernels/nystrom.ts), with `nystrom`'s settings (e.g. { centres: 2000 }).
   */
  solver: SolverName;
  nystrom: NystromOptions;
  /** lambda of the RFM: 1 smooths the one-hot targets (docs/text-rfm.md section 6); the study's 1e-3 in 'study' mode. */
  rfmRidge: number;
  /**
   * The kernel the RFM predicts with under its kept M: 'backoff' (default; exp(-||M^(1/2) (x - z)||_inf / L), fitted
   * exactly through a trie, docs/text-rfm.md section 7; needs the 'position' metric) or 'laplace' (its own; 'study').
   */
  rfmFinalKernel: 'backoff' | 'laplace';
  /**
   * L of the back-off kernel: 'auto' (default) is DEFAULT_BACKOFF_BANDWIDTH (10) on the sampled windows,
   * DEFAULT_WHOLE_TEXT_BACKOFF_BANDWIDTH (0.7) on the whole training text.
   */
  rfmBackoffBandwidth: number | 'auto';
  /**
   * The windows the RFM's back-off fit learns from (the RFM learns M on the sampled ones either way): 'split'
   * (default) every window of the training text (Moby-Dick's train split: 966,727; ~10 s and ~2 GB more), as the
   * whole-split n-gram counts all of it, which is then the fair comparison; 'sampled' the trainWindows the RFM learned
   * from, which the like-for-like n-gram is compared with ('study' mode). docs/text-rfm.md section 8.
   */
  rfmFinalWindows: 'split' | 'sampled';
  /**
   * The back-off fit also learns from each training window's last k context characters as targets (each with the
   * characters before it inside those k): 'ngram' (default) is k = ngramOrder - 1 on the sampled windows, the events
   * the like-for-like n-gram counts in the same text, and 0 on the whole split (every character is already a window's
   * target there); 0 fits the windows alone ('study' mode).
   */
  rfmInnerTargets: number | 'ngram';
  /** Held-out prompts continued by every model, greedily and by sampling. */
  prompts: number;
  generationLength: number;
  sampleTemperature: number;
  /** Sampled continuations draw among the k most probable characters (null: all). */
  sampleTopK: number | null;
  seed: number;
}

export type TextStage = 'corpus' | 'windows' | 'ngram' | 'laplace' | 'rfm' | 'evaluation' | 'generation' | 'done';

export interface TextProgress {
  stage: TextStage;
  message: string;
  elapsedSeconds: number;
  /** Share of the expected work done (work.ts: estimated from the sizes; a stage's share is exact once it ran). */
  fraction: number;
}

export const DEFAULT_TEXT_CONFIG: TextExperimentConfig = {
  corpus: { source: 'moby-dick' },
  mode: 'correct',
  vocabulary: 'study',
  context: 48,
  trainWindows: 5000,
  trainSampling: 'random',
  trainPieces: 10,
  validationWindows: 4000,
  testWindows: 2000,
  split: {},
  ngramOrder: 5,
  ngramDiscount: 'estimate',
  laplaceBandwidth: DEFAULT_TEXT_BANDWIDTH,
  rfmBandwidth: DEFAULT_TEXT_BANDWIDTH,
  rfmIterations: 5,
  rfmMetric: 'position',
  rfmNormalization: 'trace',
  calibration: 'layer',
  rfmSelection: 'accuracy',
  ridge: DEFAULT_LAPLACE_RIDGE,
  rfmRidge: DEFAULT_TEXT_RIDGE,
  rfmFinalKernel: 'backoff',
  rfmBackoffBandwidth: 'auto',
  rfmFinalWindows: 'split',
  rfmInnerTargets: 'ngram',
  solver: 'auto',
  nystrom: {},
  prompts: 10,
  generationLength: 64,
  sampleTemperature: 1,
  sampleTopK: 10,
  seed: 0,
};

/**
 * What 'study' mode changes in the defaults: the study's sizes, L = 48, T = 10, ridge 1e-3, trigram and full, unscaled
 * M, predicting with its Laplace kernel from the windows alone.
 */
export const STUDY_TEXT_DEFAULTS: Partial<TextExperimentConfig> = {
  trainWindows: STUDY_LINE_COUNTS.fit,
  validationWindows: STUDY_LINE_COUNTS.validation,
  testWindows: STUDY_LINE_COUNTS.test,
  ngramOrder: 3,
  laplaceBandwidth: STUDY_TEXT_BANDWIDTH,
  rfmBandwidth: STUDY_TEXT_BANDWIDTH,
  rfmIterations: 10,
  rfmMetric: 'full',
  rfmNormalization: 'none',
  rfmRidge: 1e-3,
  rfmFinalKernel: 'laplace',
  rfmFinalWindows: 'sampled',
  rfmInnerTargets: 0,
};

/**
 * The study's table (docs/study-protocol.md section B), by its method: character BLEU-2 (16 vs 28 characters) and 2^entropy.
 * Its trigram counted the kernel models' lines only: the 'ngramWindows' row.
 */
export const PUBLISHED_TEXT_RESULTS: Partial<Record<TextModelKey, { bleu: number; perplexity: number }>> = {
  ngramWindows: { bleu: 0.449, perplexity: 15.36 },
  laplace: { bleu: 0.453, perplexity: 9.08 },
  rfm: { bleu: 0.472, perplexity: 11.53 },
};

/** The study's generation and reference lengths, and the cap its brevity penalty puts on every score. */
export const STUDY_HYPOTHESIS_LENGTH = 16;
export const STUDY_REFERENCE_LENGTH = 28;
export const STUDY_BLEU_CAP = Math.exp(1 - STUDY_REFERENCE_LENGTH / STUDY_HYPOTHESIS_LENGTH);

/**
 * Matched-length BLEU: character BLEU-4 and word BLEU-2 (a 64-character continuation holds ~12 words, too few for
 * 4-grams), both with Chen & Cherry's method1 smoothing so that one missing n-gram order does not zero a sentence.
 */
export const CHAR_BLEU = { weights: [0.25, 0.25, 0.25, 0.25], smoothing: 'method1' } as const;
export const WORD_BLEU = { weights: [0.5, 0.5], smoothing: 'method1' } as const;

export interface TextTableRow {
  key: TextModelKey;
  model: string;
  accuracy: number;
  perplexity: number;
  bitsPerCharacter: number;
  /** Matched-length BLEU and distinct character 4-grams of the greedy and the sampled continuations (means). */
  greedy: GenerationScores;
  sampled: GenerationScores;
  /** The study's published numbers for this model (its method, not comparable with the columns before). */
  published?: { bleu: number; perplexity: number };
}

export interface GenerationScores {
  charBleu: number;
  wordBleu: number;
  /** Distinct character 4-grams / all 4-grams of a continuation, averaged over prompts (low = repetitive). */
  distinct4: number;
}

export interface StudyMethodRow {
  key: TextModelKey;
  model: string;
  generation: 'greedy' | 'sampled';
  /** Character BLEU-2 of the first 16 generated characters against the 28 that really follow: mean and best. */
  bleuMean: number;
  bleuBest: number;
  /** 2^entropy of the generated characters' histogram, averaged over prompts (at most 16). */
  perplexityMean: number;
}

export interface TextSample {
  prompt: string;
  reference: string;
  continuations: Record<TextModelKey, { greedy: string; sampled: string }>;
}

export interface NgramFitDetails {
  order: number;
  discount: number | 'estimate';
  discounts: { raw: number[]; continuation: number[] };
  /** The spans counted, and their total length. */
  spans: Span[];
  characters: number;
  seconds: number;
}

export interface TextExperimentResult {
  config: TextExperimentConfig;
  table: TextTableRow[];

  studyMethod: { cap: number; hypothesisLength: number; referenceLength: number; rows: StudyMethodRow[] };
  samples: TextSample[];
  fits: {
    ngram: NgramFitDetails;
    ngramWindows: NgramFitDetails;
    laplace: KernelCharFitDetails;
    rfm: KernelCharFitDetails;
  };
  data: TextDataSummary & { trainPieces: Span[] };
  notes: string[];
  backend: { float64: string; detail: string };
  seconds: Record<Exclude<TextStage, 'done'>, number> & { total: number };
}

const CONFIG_KEYS = Object.keys(DEFAULT_TEXT_CONFIG);

/** The config with defaults filled in (mode first: 'study' changes some defaults), validated. */
export function textConfig(overrides: Partial<TextExperimentConfig> = {}): TextExperimentConfig {
  checkOptions('runTextExperiment', overrides, CONFIG_KEYS);
  const mode = overrides.mode ?? 'correct';
  if (mode !== 'correct' && mode !== 'study')
    throw new OptionError(`runTextExperiment: mode must be 'correct' or 'study', got ${String(mode)}`);
  const c: TextExperimentConfig = {
    ...DEFAULT_TEXT_CONFIG,
    ...(mode === 'study' ? STUDY_TEXT_DEFAULTS : {}),
    ...overrides,
  };
  if (c.vocabulary !== 'study')
    throw new OptionError(
      `runTextExperiment: vocabulary must be 'study' (the study's 50 symbols), got ${String(c.vocabulary)}`,
    );
  const positive = [
    'context',
    'trainWindows',
    'trainPieces',
    'validationWindows',
    'testWindows',
    'ngramOrder',
    'prompts',
    'generationLength',
  ] as const;
  for (const key of positive) {
    if (!Number.isInteger(c[key]) || c[key] < 1)
      throw new OptionError(`runTextExperiment: ${key} must be a positive integer, got ${String(c[key])}`);
  }
  if (!Number.isInteger(c.rfmIterations) || c.rfmIterations < 1)
    throw new OptionError(`runTextExperiment: rfmIterations must be an integer >= 1, got ${String(c.rfmIterations)}`);
  for (const key of ['laplaceBandwidth', 'rfmBandwidth', 'sampleTemperature'] as const) {
    if (!(typeof c[key] === 'number' && c[key] > 0 && Number.isFinite(c[key])))
      throw new OptionError(`runTextExperiment: ${key} must be a positive number, got ${String(c[key])}`);
  }
  for (const key of ['ridge', 'rfmRidge'] as const) {
    if (!(typeof c[key] === 'number' && c[key] >= 0 && Number.isFinite(c[key])))
      throw new OptionError(`runTextExperiment: ${key} must be a number >= 0, got ${String(c[key])}`);
  }
  if (c.rfmNormalization !== 'none' && c.rfmNormalization !== 'trace')
    throw new OptionError(
      `runTextExperiment: rfmNormalization must be 'none' or 'trace', got ${String(c.rfmNormalization)}`,
    );
  if (c.trainSampling !== 'random' && c.trainSampling !== 'stretches')
    throw new OptionError(
      `runTextExperiment: trainSampling must be 'random' or 'stretches', got ${String(c.trainSampling)}`,
    );
  if (!['position', 'diagonal', 'full'].includes(c.rfmMetric))
    throw new OptionError(
      `runTextExperiment: rfmMetric must be 'position', 'diagonal' or 'full', got ${String(c.rfmMetric)}`,
    );
  checkRfmFinalKernel(c);
  if (c.calibration !== 'layer' && c.calibration !== 'temperature')
    throw new OptionError(
      `runTextExperiment: calibration must be 'layer' or 'temperature', got ${String(c.calibration)}`,
    );
  if (c.sampleTopK !== null && !(Number.isInteger(c.sampleTopK) && c.sampleTopK >= 1))
    throw new OptionError(
      `runTextExperiment: sampleTopK must be a positive integer or null, got ${String(c.sampleTopK)}`,
    );
  if (c.rfmSelection !== 'accuracy' && c.rfmSelection !== 'nll')
    throw new OptionError(`runTextExperiment: rfmSelection must be 'accuracy' or 'nll', got ${String(c.rfmSelection)}`);
  if (!Number.isFinite(c.seed))
    throw new OptionError(`runTextExperiment: seed must be a finite number, got ${String(c.seed)}`);
  checkOptions('runTextExperiment: split', c.split, ['fractions', 'blocks']);
  checkSolverName(c.solver, 'runTextExperiment');
  checkNystromOptions(c.nystrom, 'runTextExperiment');
  if (typeof c.corpus !== 'object' || c.corpus === null)
    throw new OptionError(
      "runTextExperiment: corpus must be { source: 'moby-dick' } or { path: 'book.txt' | 'book.pdf' }",
    );
  return c;
}

/**
 * rfmFinalKernel, its bandwidth, windows and inner targets: the back-off kernel needs the 'position' metric; the
 * whole split and inner targets need the back-off kernel.
 */
function checkRfmFinalKernel(c: TextExperimentConfig): void {
  if (c.rfmFinalKernel !== 'backoff' && c.rfmFinalKernel !== 'laplace')
    throw new OptionError(
      `runTextExperiment: rfmFinalKernel must be 'backoff' or 'laplace', got ${String(c.rfmFinalKernel)}`,
    );
  if (c.rfmFinalKernel === 'backoff' && c.rfmMetric !== 'position')
    throw new OptionError(
      `runTextExperiment: rfmFinalKernel 'backoff' needs rfmMetric 'position' (got '${c.rfmMetric}'); set rfmFinalKernel: 'laplace' and rfmFinalWindows: 'sampled'`,
    );
  const L = c.rfmBackoffBandwidth;
  if (L !== 'auto' && !(typeof L === 'number' && L > 0 && Number.isFinite(L)))
    throw new OptionError(
      `runTextExperiment: rfmBackoffBandwidth must be 'auto' or a positive number, got ${String(L)}`,
    );
  if (c.rfmFinalWindows !== 'split' && c.rfmFinalWindows !== 'sampled')
    throw new OptionError(
      `runTextExperiment: rfmFinalWindows must be 'split' or 'sampled', got ${String(c.rfmFinalWindows)}`,
    );
  const k = c.rfmInnerTargets;
  if (k !== 'ngram' && !(Number.isInteger(k) && k >= 0 && k < c.context))
    throw new OptionError(
      `runTextExperiment: rfmInnerTargets must be 'ngram' or an integer in [0, context), got ${String(k)}`,
    );
  if (innerTargets(c) > 0 && c.rfmFinalKernel !== 'backoff')
    throw new OptionError("runTextExperiment: rfmInnerTargets need rfmFinalKernel 'backoff' (set rfmInnerTargets: 0)");
  if (c.rfmFinalWindows === 'split' && c.rfmFinalKernel !== 'backoff')
    throw new OptionError(
      "runTextExperiment: rfmFinalWindows 'split' needs rfmFinalKernel 'backoff' (only its fit can take every window); set rfmFinalWindows: 'sampled'",
    );
}

/**
 * The RFM's inner targets per window: 'ngram' is the like-for-like n-gram's history length, ngramOrder - 1, on the
 * sampled windows; on the whole split every character is already a window's target (with its whole context), and
 * the inner targets' shorter contexts lose a little (docs/text-rfm.md section 8), so 'ngram' is 0 there.
 */
export function innerTargets(c: TextExperimentConfig): number {
  if (c.rfmInnerTargets !== 'ngram') return c.rfmInnerTargets;
  if (c.rfmFinalKernel !== 'backoff' || c.rfmFinalWindows === 'split') return 0;
  return Math.min(c.ngramOrder - 1, c.context - 1);
}

/** Trains the four models on one corpus and reports the table, the study-method numbers and samples. */
export async function runTextExperiment(
  overrides: Partial<TextExperimentConfig> = {},
  control: RunControl<TextProgress> = {},
): Promise<TextExperimentResult> {
  const c = textConfig(overrides);
  const { onProgress, signal } = checkRunControl('runTextExperiment', control);
  throwIfAborted(signal, 'the text experiment');
  const timer = new StageTimer<WorkStage>([...WORK_STAGES]);
  const seconds = timer.seconds as TextExperimentResult['seconds'];
  let work = experimentWork(workSizes(c));
  const progress: Progress = (stage, message, within = 1) =>
    onProgress?.({
      stage,
      message,
      elapsedSeconds: timer.elapsedSeconds(),
      fraction: stage === 'done' ? 1 : stageFraction(work, stage, within),
    });
  const timed: Timed = async (stage, f) => {
    const r = await timer.time(stage, f);
    await yieldToEventLoop(signal, 'the text experiment');
    return r;
  };
  const sizesGiven = ['trainWindows', 'validationWindows', 'testWindows'].some((k) => k in overrides);
  const data = await loadTextData(c, sizesGiven, timed, progress);
  work = experimentWork(workSizes(c, data));
  const { models, fits } = await fitTextModels(c, data, timed, progress, signal);
  const names = modelNames(c, fits.rfm);
  const heldOut = {} as Record<TextModelKey, NextCharacterReport>;
  for (const key of TEXT_MODELS) {
    heldOut[key] = await timed('evaluation', () => evaluateNextCharacter(models[key], data.test));
    progress(
      'evaluation',
      `${names[key]}: accuracy ${heldOut[key].accuracy.toFixed(4)}, ${heldOut[key].bitsPerCharacter.toFixed(3)} bits per character`,
      MODEL_SHARE_DONE[key],
    );
  }
  const generated = await timed('generation', () => generateAll(models, data, c, progress, signal));
  const { scores, studyRows } = scoreGenerations(generated, data, c, names);
  const table: TextTableRow[] = TEXT_MODELS.map((key) => ({
    key,
    model: names[key],
    accuracy: heldOut[key].accuracy,
    perplexity: heldOut[key].perplexity,
    bitsPerCharacter: heldOut[key].bitsPerCharacter,
    greedy: scores[key].greedy,
    sampled: scores[key].sampled,
    ...(PUBLISHED_TEXT_RESULTS[key] ? { published: PUBLISHED_TEXT_RESULTS[key] } : {}),
  }));
  const samples = textSamples(generated, data, c);
  const info = await backendInfo();
  seconds.total = timer.elapsedSeconds();
  progress('done', `finished in ${seconds.total.toFixed(1)} s`);
  return {
    config: c,
    table,
    studyMethod: {
      cap: STUDY_BLEU_CAP,
      hypothesisLength: STUDY_HYPOTHESIS_LENGTH,
      referenceLength: STUDY_REFERENCE_LENGTH,
      rows: studyRows,
    },
    samples,
    fits,
    data: { ...data.summary, trainPieces: data.trainPieces },
    notes: data.notes,
    backend: {
      float64: info.active.float64,
      detail: info.backends.find((b) => b.name === info.active.float64)?.detail ?? '',
    },
    seconds,
  };
}

/** Every prompt with its true continuation and each model's, decoded. */
function textSamples(generated: Generated, data: TextData, c: TextExperimentConfig): TextSample[] {
  const decode = (codes: ArrayLike<number>) => data.vocab.decode(codes);
  return data.prompts.map((prompt, i) => ({
    prompt: decode(prompt.codes),
    reference: decode(prompt.reference.subarray(0, c.generationLength)),
    continuations: Object.fromEntries(
      TEXT_MODELS.map((key) => [
        key,
        {
          greedy: decode(generated[key].greedy[i].subarray(0, c.generationLength)),
          sampled: decode(generated[key].sampled[i].subarray(0, c.generationLength)),
        },
      ]),
    ) as TextSample['continuations'],
  }));
}

type Timed = <T>(stage: Exclude<TextStage, 'done'>, f: () => Promise<T> | T) => Promise<T>;
/** `within`: the share of the stage done (default all of it). */
type Progress = (stage: TextStage, message: string, within?: number) => void;

/** Share of the evaluation and generation stages done after each model (the kernel models do nearly all of it). */
const MODEL_SHARE_DONE: Record<TextModelKey, number> = { ngram: 0.02, ngramWindows: 0.04, laplace: 0.52, rfm: 1 };

/** The sizes the expected work is computed from: the config's, or the data's once it is drawn. */
function workSizes(c: TextExperimentConfig, data?: TextData): WorkSizes {
  return {
    context: c.context,
    vocabulary: data?.vocab.size ?? 50,
    trainWindows: data?.train.count ?? c.trainWindows,
    validationWindows: data?.validation.count ?? c.validationWindows,
    testWindows: data?.test.count ?? c.testWindows,
    prompts: data?.prompts.length ?? c.prompts,
    generationLength: Math.max(c.generationLength, STUDY_HYPOTHESIS_LENGTH),
    rfmIterations: c.rfmIterations,
    solver: c.solver,
    nystrom: c.nystrom,
    ...(data && c.rfmFinalWindows === 'split'
      ? { backoffWindows: data.trainText.reduce((a, s) => a + s.end - s.start, 0) }
      : {}),
  };
}

/** The corpus and the windows, n-gram spans and prompts of the configured protocol. */
export async function loadTextData(
  c: TextExperimentConfig,
  sizesGiven: boolean,
  timed: Timed,
  progress: Progress,
): Promise<TextData> {
  progress('corpus', `loading ${'path' in c.corpus ? c.corpus.path : c.corpus.source}`, 0);
  const text = await timed('corpus', () => loadCorpus(c.corpus));
  const dataOptions = { ...c, referenceLength: Math.max(c.generationLength, STUDY_REFERENCE_LENGTH) };
  const data = await timed('windows', () =>
    c.mode === 'study' ? prepareStudyData(text, dataOptions, sizesGiven) : prepareCorrectData(text, dataOptions),
  );
  progress(
    'windows',
    `${data.train.count} training, ${data.validation.count} validation and ${data.test.count} test windows of ${c.context} characters; ${data.prompts.length} prompts`,
  );
  return data;
}

/** A Kneser-Ney n-gram counting `spans` of the corpus. */
export function fitNgram(
  data: TextData,
  spans: Span[],
  c: TextExperimentConfig,
): { model: KneserNeyModel; details: NgramFitDetails } {
  const t0 = performance.now();
  const model = KneserNeyModel.fit(data.vocab, data.codes, { order: c.ngramOrder, discount: c.ngramDiscount, spans });
  const characters = spans.reduce((a, s) => a + s.end - s.start, 0);
  return {
    model,
    details: {
      order: c.ngramOrder,
      discount: c.ngramDiscount,
      discounts: model.discounts,
      spans,
      characters,
      seconds: (performance.now() - t0) / 1000,
    },
  };
}

/** The Laplace model (M = I) or the RFM of the config on the data's windows. */
export function fitKernelModel(
  c: TextExperimentConfig,
  data: TextData,
  rfm: boolean,
  onEvent?: (e: KernelCharEvent) => void,
  signal?: AbortSignal,
): Promise<KernelCharModel> {
  const common = { ridge: c.ridge, calibration: c.calibration, solver: c.solver, nystrom: c.nystrom, onEvent, signal };
  if (!rfm)
    return KernelCharModel.fit(data.vocab, data.train, data.validation, { ...common, bandwidth: c.laplaceBandwidth });
  return KernelCharModel.fit(data.vocab, data.train, data.validation, {
    ...common,
    ridge: c.rfmRidge,
    bandwidth: c.rfmBandwidth,
    iterations: c.rfmIterations,
    metric: c.rfmMetric,
    normalization: c.rfmNormalization,
    selection: c.rfmSelection,
    seed: c.seed,
    finalKernel: c.rfmFinalKernel,
    ...(c.rfmBackoffBandwidth === 'auto' ? {} : { backoffBandwidth: c.rfmBackoffBandwidth }),
    ...(c.rfmFinalWindows === 'split' ? { backoffWindows: wholeTextWindows(c, data) } : {}),
    innerTargets: innerTargets(c),
  });
}

/** Every window of the training text (the train split, or the study's fit lines), for the back-off fit. */
export function wholeTextWindows(c: TextExperimentConfig, data: TextData): Windows {
  return makeWindows(data.codes, { context: c.context, spans: data.trainText });
}

/** Share of a kernel model's fit done after each of its stages (its iterations share the first 0.9). */
const KERNEL_STAGE_SHARE_DONE: Record<KernelCharStage, number> = {
  rfm: 0.9,
  metric: 0.92,
  backoff: 0.95,
  calibration: 1,
};

async function fitTextModels(
  c: TextExperimentConfig,
  data: TextData,
  timed: Timed,
  progress: Progress,
  signal: AbortSignal | undefined,
) {
  const whole = await timed('ngram', () => fitNgram(data, data.trainText, c));
  progress(
    'ngram',
    `Kneser-Ney ${c.ngramOrder}-gram on the ${whole.details.characters} characters of the training text`,
    0.5,
  );
  const windows = await timed('ngram', () => fitNgram(data, ngramSpans(data.trainPieces, c.context, c.ngramOrder), c));
  progress(
    'ngram',
    `Kneser-Ney ${c.ngramOrder}-gram on the kernel models' text (${windows.details.characters} characters)`,
  );
  const kernelEvents = (name: 'Laplace' | 'RFM') => {
    const stage = name === 'RFM' ? 'rfm' : 'laplace';
    let within = 0;
    return (e: KernelCharEvent) => {
      // The Laplace model is the RFM with T = 0: its one iteration is its fit, reported by its stages.
      if (e.type === 'rfm' && e.event.type === 'iteration') {
        if (name === 'Laplace') return;
        const r = e.event.record;
        within = (0.9 * (r.iteration + 1)) / (c.rfmIterations + 1);
        progress(
          'rfm',
          `${name} iteration ${r.iteration}: validation accuracy ${r.validation?.accuracy?.toFixed(4)}, ${r.seconds.toFixed(1)} s`,
          within,
        );
      } else if (e.type === 'stage') {
        within = KERNEL_STAGE_SHARE_DONE[e.stage];
        progress(stage, `${name}: ${e.stage} done (${e.seconds.toFixed(1)} s)`, within);
      } else if (e.type === 'jitter') progress(stage, `${name}: ${e.message}`, within);
    };
  };
  const laplace = await timed('laplace', () => fitKernelModel(c, data, false, kernelEvents('Laplace'), signal));
  const rfm = await timed('rfm', () => fitKernelModel(c, data, true, kernelEvents('RFM'), signal));
  const models: Record<TextModelKey, CharModel> = { ngram: whole.model, ngramWindows: windows.model, laplace, rfm };
  return {
    models,
    fits: { ngram: whole.details, ngramWindows: windows.details, laplace: laplace.details, rfm: rfm.details },
  };
}

/** Row names, short enough for a table cell; the RFM's says which iteration was kept (t = 0 is the plain kernel). */
export function modelNames(c: TextExperimentConfig, rfm: KernelCharFitDetails): Record<TextModelKey, string> {
  const t = rfm.rfm!.bestIteration;
  const kept = t === 0 ? 'kept t=0: M = I, the plain kernel' : `kept t=${t} of 0..${c.rfmIterations}`;
  return {
    ngram: `n-gram (KN, n=${c.ngramOrder}), train split`,
    ngramWindows: `n-gram (KN, n=${c.ngramOrder}), kernel models' text`,
    laplace: `Laplace (L=${c.laplaceBandwidth})`,
    rfm: `RFM (${c.rfmMetric} M, L=${c.rfmBandwidth}; ${kept}${rfm.backoff ? `; ${backoffName(rfm.backoff)}` : ''})`,
  };
}

/** Which text the back-off fit saw, for the RFM's row name. */
function backoffName(b: NonNullable<KernelCharFitDetails['backoff']>): string {
  const text =
    b.windows === 'backoffWindows'
      ? `all ${b.windowCount} windows of the training text`
      : `its ${b.windowCount} training windows${b.innerTargets > 0 ? ` and ${b.innerTargets} inner targets each` : ''}`;
  return `back-off kernel, L=${b.bandwidth}, fitted on ${text}`;
}

/** Matched-length BLEU and repetition of every continuation, and the study's method on their first 16 characters. */
function scoreGenerations(
  generated: Generated,
  data: TextData,
  c: TextExperimentConfig,
  names: Record<TextModelKey, string>,
) {
  const decode = (codes: ArrayLike<number>) => data.vocab.decode(codes);
  const scores = {} as Record<TextModelKey, { greedy: GenerationScores; sampled: GenerationScores }>;
  const studyRows: StudyMethodRow[] = [];
  const m = data.prompts.length;
  for (const key of TEXT_MODELS) {
    scores[key] = {
      greedy: { charBleu: 0, wordBleu: 0, distinct4: 0 },
      sampled: { charBleu: 0, wordBleu: 0, distinct4: 0 },
    };
    for (const kind of ['greedy', 'sampled'] as const) {
      const study = { bleu: [] as number[], perplexity: [] as number[] };
      const s = scores[key][kind];
      data.prompts.forEach((prompt, i) => {
        const hypothesis = generated[key][kind][i];
        const length = Math.min(c.generationLength, prompt.reference.length);
        const hyp = decode(hypothesis.subarray(0, length));
        const ref = decode(prompt.reference.subarray(0, length));
        s.charBleu += sentenceBleu([charTokens(ref)], charTokens(hyp), CHAR_BLEU) / m;
        s.wordBleu += sentenceBleu([wordTokens(ref)], wordTokens(hyp), WORD_BLEU) / m;
        s.distinct4 += distinctNgramRatio(hyp, 4) / m;
        const short = decode(hypothesis.subarray(0, STUDY_HYPOTHESIS_LENGTH));
        study.bleu.push(studyBleu(short, decode(prompt.reference.subarray(0, STUDY_REFERENCE_LENGTH))));
        study.perplexity.push(studyPerplexity(short));
      });
      studyRows.push({
        key,
        model: names[key],
        generation: kind,
        bleuMean: mean(study.bleu),
        bleuBest: Math.max(...study.bleu),
        perplexityMean: mean(study.perplexity),
      });
    }
  }
  return { scores, studyRows };
}

type Generated = Record<TextModelKey, { greedy: Int32Array[]; sampled: Int32Array[] }>;

/**
 * Greedy and sampled continuations of every prompt by every model, long enough for both the matched-length BLEU
 * and the study's 16 characters (a sampled prefix is itself a sample: generation is sequential).
 */
async function generateAll(
  models: Record<TextModelKey, CharModel>,
  data: TextData,
  c: TextExperimentConfig,
  progress: Progress,
  signal: AbortSignal | undefined,
): Promise<Generated> {
  const length = Math.max(c.generationLength, STUDY_HYPOTHESIS_LENGTH);
  const out = {} as Generated;
  const topK = c.sampleTopK === null ? {} : { topK: c.sampleTopK };
  let before = 0;
  for (const key of TEXT_MODELS) {
    out[key] = { greedy: [], sampled: [] };
    for (let i = 0; i < data.prompts.length; i++) {
      const prompt = data.prompts[i].codes;
      out[key].greedy.push((await generate(models[key], prompt, { length, signal })).codes);
      const seed = deriveSeed(c.seed, `sampled continuation ${i}`);
      const sampleOptions = {
        length,
        mode: 'sample',
        temperature: c.sampleTemperature,
        ...topK,
        seed,
        signal,
      } as const;
      out[key].sampled.push((await generate(models[key], prompt, sampleOptions)).codes);
      const share = before + ((MODEL_SHARE_DONE[key] - before) * (i + 1)) / data.prompts.length;
      progress('generation', `${key}: prompt ${i + 1} of ${data.prompts.length} continued`, share);
    }
    before = MODEL_SHARE_DONE[key];
    progress(
      'generation',
      `${key}: ${data.prompts.length} prompts continued by ${length} characters, greedy and sampled`,
      before,
    );
  }
  return out;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * The table as cells for plot/figures table(): held-out metrics, BLEU and distinct 4-grams of the greedy and sampled
 * continuations, then the study's published numbers beside them (its method; its trigram was the windows-only row).
 */
export function textTableCells(result: TextExperimentResult): { columns: string[]; rows: (string | number)[][] } {
  return {
    columns: [
      'model',
      'accuracy',
      'perplexity',
      'bits / char',
      'greedy: char BLEU-4',
      'greedy: distinct 4-grams',
      'sampled: char BLEU-4',
      'sampled: distinct 4-grams',
      'study (its method): BLEU',
      'study: "perplexity"',
    ],
    rows: result.table.map((r) => [
      r.model,
      r.accuracy,
      r.perplexity,
      r.bitsPerCharacter,
      r.greedy.charBleu,
      r.greedy.distinct4,
      r.sampled.charBleu,
      r.sampled.distinct4,
      r.published?.bleu ?? '',
      r.published?.perplexity ?? '',
    ]),
  };
}

/** Our models by the study's method, as cells for table(), with the brevity-penalty cap in every row. */
export function studyMethodCells(result: TextExperimentResult): { columns: string[]; rows: (string | number)[][] } {
  return {
    columns: [
      'model',
      'generation',
      'BLEU-2 16 vs 28 chars: mean',
      'best of prompts',
      'cap exp(1 - 28/16)',
      '"perplexity" 2^entropy (<= 16)',
    ],
    rows: result.studyMethod.rows.map((r) => [
      r.model,
      r.generation,
      r.bleuMean,
      r.bleuBest,
      result.studyMethod.cap,
      r.perplexityMean,
    ]),
  };
}
