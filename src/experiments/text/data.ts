// The data of the text experiment: which windows train, validate and test the models, which text the n-gram counts,
// and which prompts are continued. Two protocols:
//
// 'correct': the text is cut into contiguous blocks assigned to train / validation / test (splitByBlocks), so no
// held-out window overlaps a training one. The training windows are drawn at random positions across the whole train
// split (trainSampling 'random', the default; a larger draw with the same seed contains a smaller one), or are every
// window (stride 1) of `pieces` contiguous stretches of training text ('stretches'). Validation and test windows are
// drawn at random from their splits; prompts are test-split text with its true continuation.
//
// 'study': the study's sampling (docs/study-protocol.md section B): lines of at least 64 characters, first 64 kept, drawn at
// random into fit / validation / test; one window per line (its first w characters, then the next one), unknown
// non-ASCII characters as all-zero rows. Prompts are test lines' first w characters; their reference is the rest of
// the full line.
//
// Two n-grams are trained: one on the whole train split (`trainText`: what a user of an n-gram would do), and one on
// exactly the training windows' text (`trainPieces` through ngramSpans): every stretch the kernel models' windows were
// cut from, without its first w - (order - 1) characters, so that each of its full-order events is a kernel training
// window's last order - 1 characters and target, and nothing else it counts lies outside the kernel models' text.

import { OptionError } from '../../core/errors';
import { deriveSeed } from '../../core/seed';
import { Rng } from '../../random';
import { Vocabulary, ZERO_ROW } from '../../text/vocab';
import {
  makeWindows,
  randomSplit,
  sampleWindows,
  splitByBlocks,
  type Span,
  type TextSplits,
  type Windows,
} from '../../text/windows';
import type { TextExperimentConfig } from './experiment';

export interface Prompt {
  /** The w characters the models continue. */
  codes: Int32Array;
  /** The text that really follows (matched-length BLEU uses its start; the study's method its first 28). */
  reference: Int32Array;
  /** Position of the first reference character in the encoded corpus (-1 for study lines). */
  position: number;
}

export interface TextData {
  vocab: Vocabulary;
  /** The encoded corpus (study mode: the selected lines, concatenated). */
  codes: Int32Array;
  train: Windows;
  validation: Windows;
  test: Windows;
  /** The stretches of `codes` the training windows were cut from (one per window with random sampling). */
  trainPieces: Span[];
  /** All training text: the train split ('correct'), the fit lines ('study'). */
  trainText: Span[];
  prompts: Prompt[];
  summary: TextDataSummary;
  /** Adjustments made to the requested sizes, in words. */
  notes: string[];
}

export interface TextDataSummary {
  protocol: 'correct' | 'study';
  corpusCharacters: number;
  /** Characters encoded as <UNK>, and (study protocol) as all-zero rows. */
  unknownCharacters: number;
  zeroRowCharacters: number;
  /** Correct protocol: the block split of the corpus. */
  splits?: TextSplits;
  /** Study protocol: lines available and used per part. */
  lines?: { available: number; fit: number; validation: number; test: number };
  trainWindows: number;
  validationWindows: number;
  testWindows: number;
  prompts: number;
}

/** The experiment's sizes, sampling, split and seed (documented on TextExperimentConfig), and the prompts' references. */
export type DataOptions = Pick<
  TextExperimentConfig,
  'context' | 'trainWindows' | 'trainSampling' | 'trainPieces' | 'validationWindows' | 'testWindows' | 'prompts'
> &
  Pick<TextExperimentConfig, 'split' | 'seed'> & {
    /** Characters each prompt's reference must hold. */
    referenceLength: number;
  };

/** The stretches the n-gram counts: each training piece without its first context - (order - 1) characters. */
export function ngramSpans(pieces: readonly Span[], context: number, order: number): Span[] {
  const skip = Math.max(0, context - (order - 1));
  return pieces.map((p) => ({ start: Math.min(p.end, p.start + skip), end: p.end }));
}

export function prepareCorrectData(text: string, o: DataOptions): TextData {
  const vocab = Vocabulary.study();
  const codes = vocab.encode(text);
  const w = o.context;
  if (codes.length <= w)
    throw new OptionError(
      `text experiment: the context of ${w} characters is longer than the corpus (${codes.length} characters)`,
    );
  const splits = splitByBlocks(codes.length, { fractions: o.split.fractions, blocks: o.split.blocks, seed: o.seed });
  const { train, pieces } = trainingWindows(codes, splits.train, o);
  const validation = drawWindows(
    codes,
    splits.validation,
    w,
    o.validationWindows,
    'validation',
    deriveSeed(o.seed, 'validation windows'),
  );
  const test = drawWindows(codes, splits.test, w, o.testWindows, 'test', deriveSeed(o.seed, 'test windows'));
  const prompts = choosePrompts(
    codes,
    splits.test,
    w,
    o.referenceLength,
    o.prompts,
    new Rng(deriveSeed(o.seed, 'prompts')),
  );
  return textData(
    { vocab, codes, train, validation, test, trainPieces: pieces, trainText: splits.train, prompts },
    {
      protocol: 'correct',
      corpusCharacters: codes.length,
      unknownCharacters: count(codes, vocab.unkIndex),
      zeroRowCharacters: 0,
      splits,
    },
    [],
  );
}

/** The one builder of TextData for both protocols: the summary's counts are those of the windows and prompts. */
function textData(
  parts: Omit<TextData, 'summary' | 'notes'>,
  summary: Omit<TextDataSummary, 'trainWindows' | 'validationWindows' | 'testWindows' | 'prompts'>,
  notes: string[],
): TextData {
  return {
    ...parts,
    summary: {
      ...summary,
      trainWindows: parts.train.count,
      validationWindows: parts.validation.count,
      testWindows: parts.test.count,
      prompts: parts.prompts.length,
    },
    notes,
  };
}

/** Sizes the study used (fit / validation / test lines), scaled down when a corpus has fewer long lines. */
export const STUDY_LINE_COUNTS = { fit: 1515, validation: 379, test: 1506 };
export const STUDY_LINE_MIN = 64;

/**
 * `sizesGiven`: the caller chose the sizes, so too few lines is an error; with the defaults they are scaled down to
 * the lines the corpus has (Moby-Dick has 2228, the study's 1984 7531), and a note says so.
 */
export function prepareStudyData(text: string, o: DataOptions, sizesGiven: boolean): TextData {
  const vocab = Vocabulary.study({ unknown: 'study' });
  const w = o.context;
  if (w + 1 > STUDY_LINE_MIN)
    throw new OptionError(
      `text experiment (study protocol): the context of ${w} characters does not fit in the study's ${STUDY_LINE_MIN}-character lines`,
    );
  const lines = text.split('\n').filter((line) => Array.from(line).length >= STUDY_LINE_MIN);
  const notes: string[] = [];
  let sizes = [o.trainWindows, o.validationWindows, o.testWindows];
  const wanted = sizes[0] + sizes[1] + sizes[2];
  if (wanted > lines.length) {
    if (sizesGiven) {
      throw new OptionError(
        `text experiment (study protocol): ${wanted} lines requested (train ${sizes[0]}, validation ${sizes[1]}, test ${sizes[2]}) but the corpus has only ${lines.length} lines of at least ${STUDY_LINE_MIN} characters`,
      );
    }
    const scale = lines.length / wanted;
    sizes = sizes.map((s) => Math.max(1, Math.floor(s * scale)));
    notes.push(
      `the corpus has ${lines.length} lines of at least ${STUDY_LINE_MIN} characters, fewer than the study's ${wanted}: sizes scaled by ${scale.toFixed(3)} to ${sizes.join(' / ')}`,
    );
  }
  const [fitLines, validationLines, testLines] = randomSplit(lines, sizes, o.seed);
  // Each part's lines are concatenated into one code array; a window is cut from a line's first w + 1 characters.
  const parts = [fitLines, validationLines, testLines].map((group) => group.map((line) => vocab.encode(line)));
  const total = parts.reduce((a, g) => a + g.reduce((b, l) => b + l.length, 0), 0);
  const codes = new Int32Array(total);
  const lineSpans: Span[][] = [];
  let offset = 0;
  for (const group of parts) {
    const spans: Span[] = [];
    for (const line of group) {
      codes.set(line, offset);
      spans.push({ start: offset, end: offset + line.length });
      offset += line.length;
    }
    lineSpans.push(spans);
  }
  const firstWindow = (spans: Span[]) => spans.map((s) => ({ start: s.start, end: s.start + w + 1 }));
  const trainPieces = firstWindow(lineSpans[0]);
  const train = makeWindows(codes, { context: w, spans: trainPieces });
  const validation = makeWindows(codes, { context: w, spans: firstWindow(lineSpans[1]) });
  const test = makeWindows(codes, { context: w, spans: firstWindow(lineSpans[2]) });
  for (const [name, windows] of [
    ['train', train],
    ['validation', validation],
    ['test', test],
  ] as const) {
    if (windows.count === 0)
      throw new OptionError(
        `text experiment (study protocol): no ${name} windows (every ${name} line's character ${w + 1} is an unknown character)`,
      );
  }
  if (lineSpans[2].length < o.prompts)
    throw new OptionError(
      `text experiment (study protocol): ${o.prompts} prompts requested but there are only ${lineSpans[2].length} test lines`,
    );
  const prompts: Prompt[] = lineSpans[2].slice(0, o.prompts).map((s) => ({
    codes: codes.slice(s.start, s.start + w),
    reference: codes.slice(s.start + w, Math.min(s.end, s.start + w + o.referenceLength)),
    position: -1,
  }));
  const lineCodes = parts.flat();
  return textData(
    { vocab, codes, train, validation, test, trainPieces, trainText: lineSpans[0], prompts },
    {
      protocol: 'study',
      corpusCharacters: Array.from(text).length,
      unknownCharacters: lineCodes.reduce((a, l) => a + count(l, vocab.unkIndex), 0),
      zeroRowCharacters: lineCodes.reduce((a, l) => a + count(l, ZERO_ROW), 0),
      lines: { available: lines.length, fit: sizes[0], validation: sizes[1], test: sizes[2] },
    },
    notes,
  );
}

/** The training windows and the stretches they were cut from: random windows (one stretch each), or stretches. */
function trainingWindows(codes: Int32Array, spans: Span[], o: DataOptions): { train: Windows; pieces: Span[] } {
  const w = o.context;
  if (o.trainSampling === 'stretches') {
    const pieces = choosePieces(
      spans,
      o.trainWindows,
      o.trainPieces,
      w,
      new Rng(deriveSeed(o.seed, 'training pieces')),
    );
    return { train: makeWindows(codes, { context: w, spans: pieces }), pieces };
  }
  const train = drawWindows(codes, spans, w, o.trainWindows, 'train', deriveSeed(o.seed, 'training windows'));
  const pieces = Array.from(train.positions, (t) => ({ start: t - w, end: t + 1 })).sort((a, b) => a.start - b.start);
  return { train, pieces };
}

/**
 * `pieces` non-overlapping stretches inside the train spans whose stride-1 windows number `windows` in all (the
 * counts differ by at most one), at random places.
 */
function choosePieces(spans: readonly Span[], windows: number, pieces: number, w: number, rng: Rng): Span[] {
  if (pieces > windows)
    throw new OptionError(`text experiment: trainPieces (${pieces}) cannot exceed trainWindows (${windows})`);
  const lengths = Array.from(
    { length: pieces },
    (_, k) => Math.floor(windows / pieces) + (k < windows % pieces ? 1 : 0) + w,
  );
  const room = spans.reduce((a, s) => a + (s.end - s.start), 0);
  const need = lengths.reduce((a, b) => a + b, 0);
  const longest = Math.max(...spans.map((s) => s.end - s.start));
  if (need > room / 2 || lengths[0] > longest) {
    throw new OptionError(
      `text experiment: ${windows} training windows of ${w} characters in ${pieces} pieces need ${need} characters of training text (at most ${lengths[0]} in one piece), ` +
        `but the train split has ${room} characters (longest stretch ${longest}); use fewer windows, more pieces or a longer corpus`,
    );
  }
  const chosen: Span[] = [];
  for (const length of lengths) {
    const candidates = spans.filter((s) => s.end - s.start >= length);
    const starts = candidates.map((s) => s.end - s.start - length + 1);
    let placed = false;
    // The pieces take at most half the split, so a random place is free often enough for this to end quickly.
    for (let attempt = 0; attempt < 10000 && !placed; attempt++) {
      const k = rng.choice(starts);
      const start = candidates[k].start + rng.int(starts[k]);
      const piece = { start, end: start + length };
      if (chosen.every((c) => piece.end <= c.start || piece.start >= c.end)) {
        chosen.push(piece);
        placed = true;
      }
    }
    if (!placed)
      throw new OptionError(
        `text experiment: could not place ${pieces} training pieces of ${length} characters apart in the train split; use fewer windows or more pieces`,
      );
  }
  return chosen.sort((a, b) => a.start - b.start);
}

function drawWindows(
  codes: Int32Array,
  spans: readonly Span[],
  w: number,
  wanted: number,
  name: string,
  seed: number,
): Windows {
  const all = makeWindows(codes, { context: w, spans });
  if (all.count < wanted) {
    throw new OptionError(
      `text experiment: the ${name} split has ${all.count} windows of ${w} characters, fewer than the ${wanted} requested (${name}Windows)`,
    );
  }
  return sampleWindows(all, wanted, seed);
}

function choosePrompts(
  codes: Int32Array,
  spans: readonly Span[],
  w: number,
  referenceLength: number,
  wanted: number,
  rng: Rng,
): Prompt[] {
  // A prompt position t needs [t - w, t + referenceLength) inside one test span.
  const ranges = spans
    .map((s) => ({ first: s.start + w, count: Math.max(0, s.end - referenceLength - (s.start + w) + 1) }))
    .filter((r) => r.count > 0);
  const available = ranges.reduce((a, r) => a + r.count, 0);
  if (available < wanted) {
    throw new OptionError(
      `text experiment: the test split has room for ${available} prompts of ${w} characters followed by ${referenceLength}, fewer than the ${wanted} requested`,
    );
  }
  const positions = new Set<number>();
  while (positions.size < wanted) {
    let k = rng.int(available);
    for (const r of ranges) {
      if (k < r.count) {
        positions.add(r.first + k);
        break;
      }
      k -= r.count;
    }
  }
  return [...positions]
    .sort((a, b) => a - b)
    .map((t) => ({ codes: codes.slice(t - w, t), reference: codes.slice(t, t + referenceLength), position: t }));
}

function count(codes: ArrayLike<number>, code: number): number {
  let c = 0;
  for (let i = 0; i < codes.length; i++) if (codes[i] === code) c++;
  return c;
}
