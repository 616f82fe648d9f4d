// Fixed-length context windows over encoded text, and how to split them without leaking.
//
// Consecutive windows overlap in all but `stride` characters, so a random split of windows puts near-copies of every
// test window into training. Splits are therefore made on the text: it is cut into contiguous blocks, blocks are
// assigned to train / validation / test, and windows are cut inside each split's spans only, never across two.
//
// The study's sampling (seed-compatible mode) is different and kept separate: one window per line of at least 64
// characters (studyLines, lineWindows), drawn at random (randomSplit); lines do not overlap, so that split is fair.

import { Rng } from '../random';
import { DataError, OptionError, ShapeError } from '../core/errors';
import { checkOptions } from '../core/options';
import { ZERO_ROW, type Vocabulary } from './vocab';

/** Integer-coded windows: row i is codes[i * context .. (i + 1) * context). The one-hot form is never stored. */
export interface CodeWindows {
  readonly codes: Int32Array;
  readonly count: number;
  readonly context: number;
}

/** Windows with the character that follows each. */
export interface Windows extends CodeWindows {
  readonly targets: Int32Array;
  /** Position of each target in the encoded source (-1 where there is no single source, e.g. lineWindows). */
  readonly positions: Int32Array;
}

/** A half-open range [start, end) of positions in an encoded text. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface WindowOptions {
  /** Characters of context per window (w). */
  context: number;
  /** Distance between the targets of consecutive windows. Default 1. */
  stride?: number;
  /** Cut windows only inside these spans (a split's); default the whole text. */
  spans?: readonly Span[];
  /** 'skip' (default) drops windows whose target is an all-zero row, which no model can be scored on. */
  zeroTargets?: 'skip' | 'keep';
}

const WINDOW_OPTION_KEYS = ['context', 'stride', 'spans', 'zeroTargets'];

export function makeWindows(codes: Int32Array, options: WindowOptions): Windows {
  checkOptions('makeWindows', options, WINDOW_OPTION_KEYS);
  const { context, stride = 1, zeroTargets = 'skip' } = options;
  if (!Number.isInteger(context) || context < 1)
    throw new OptionError(`makeWindows: context must be a positive integer, got ${context}`);
  if (!Number.isInteger(stride) || stride < 1)
    throw new OptionError(`makeWindows: stride must be a positive integer, got ${stride}`);
  if (zeroTargets !== 'skip' && zeroTargets !== 'keep')
    throw new OptionError(`makeWindows: zeroTargets must be 'skip' or 'keep', got ${JSON.stringify(zeroTargets)}`);
  const spans = options.spans ?? [{ start: 0, end: codes.length }];
  const targets: number[] = [];
  for (const span of spans) {
    if (
      !Number.isInteger(span.start) ||
      !Number.isInteger(span.end) ||
      span.start < 0 ||
      span.end > codes.length ||
      span.start > span.end
    ) {
      throw new ShapeError(
        `makeWindows: span [${span.start}, ${span.end}) is not inside the text [0, ${codes.length})`,
      );
    }
    for (let t = span.start + context; t < span.end; t += stride) {
      if (zeroTargets === 'skip' && codes[t] === ZERO_ROW) continue;
      targets.push(t);
    }
  }
  const count = targets.length;
  const windowCodes = new Int32Array(count * context);
  const targetCodes = new Int32Array(count);
  targets.forEach((t, i) => {
    windowCodes.set(codes.subarray(t - context, t), i * context);
    targetCodes[i] = codes[t];
  });
  return { codes: windowCodes, count, context, targets: targetCodes, positions: Int32Array.from(targets) };
}

export interface TextSplits {
  train: Span[];
  validation: Span[];
  test: Span[];
}

export interface SplitOptions {
  /** Fractions of the text; they must sum to 1. Default 0.8 / 0.1 / 0.1. */
  fractions?: { train: number; validation: number; test: number };
  /** Number of contiguous blocks the text is cut into. Default 20. */
  blocks?: number;
  /** 'shuffled' (default) assigns blocks at random with `seed`; 'sequential' puts train first, then validation, test. */
  order?: 'shuffled' | 'sequential';
  seed?: number;
}

const SPLIT_OPTION_KEYS = ['fractions', 'blocks', 'order', 'seed'];

/** Splits positions [0, length) into train / validation / test by contiguous blocks (adjacent blocks of a split merged). */
export function splitByBlocks(length: number, options: SplitOptions = {}): TextSplits {
  checkOptions('splitByBlocks', options, SPLIT_OPTION_KEYS);
  const { fractions = { train: 0.8, validation: 0.1, test: 0.1 }, blocks = 20, order = 'shuffled', seed = 0 } = options;
  checkOptions('splitByBlocks fractions', fractions, ['train', 'validation', 'test']);
  const parts = [fractions.train, fractions.validation, fractions.test];
  if (parts.some((f) => !(f >= 0)) || Math.abs(parts[0] + parts[1] + parts[2] - 1) > 1e-9) {
    throw new OptionError(`splitByBlocks: fractions must be >= 0 and sum to 1, got ${parts.join(' / ')}`);
  }
  if (!Number.isInteger(blocks) || blocks < 1)
    throw new OptionError(`splitByBlocks: blocks must be a positive integer, got ${blocks}`);
  if (!Number.isInteger(length) || length < blocks)
    throw new OptionError(`splitByBlocks: cannot cut ${length} positions into ${blocks} blocks`);
  if (order !== 'shuffled' && order !== 'sequential')
    throw new OptionError(`splitByBlocks: order must be 'shuffled' or 'sequential', got ${JSON.stringify(order)}`);
  // Every split asked for gets at least one block; train takes what is left.
  const validationBlocks = fractions.validation > 0 ? Math.max(1, Math.round(fractions.validation * blocks)) : 0;
  const testBlocks = fractions.test > 0 ? Math.max(1, Math.round(fractions.test * blocks)) : 0;
  const trainBlocks = blocks - validationBlocks - testBlocks;
  if (trainBlocks < (fractions.train > 0 ? 1 : 0) || trainBlocks < 0) {
    throw new OptionError(`splitByBlocks: ${blocks} blocks are too few for fractions ${parts.join(' / ')}`);
  }
  const labels: (keyof TextSplits)[] = [
    ...Array<keyof TextSplits>(trainBlocks).fill('train'),
    ...Array<keyof TextSplits>(validationBlocks).fill('validation'),
    ...Array<keyof TextSplits>(testBlocks).fill('test'),
  ];
  if (order === 'shuffled') new Rng(seed).shuffle(labels);
  const splits: TextSplits = { train: [], validation: [], test: [] };
  for (let b = 0; b < blocks; b++) {
    const start = Math.round((b * length) / blocks);
    const end = Math.round(((b + 1) * length) / blocks);
    const spans = splits[labels[b]];
    const last = spans[spans.length - 1];
    if (last && last.end === start) spans[spans.length - 1] = { start: last.start, end };
    else spans.push({ start, end });
  }
  return splits;
}

/** The rows `indices` of `windows`, in that order. */
export function selectWindows(windows: Windows, indices: ArrayLike<number>): Windows {
  const { context } = windows;
  const codes = new Int32Array(indices.length * context);
  const targets = new Int32Array(indices.length);
  const positions = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= windows.count)
      throw new ShapeError(`selectWindows: index ${i} is outside [0, ${windows.count})`);
    codes.set(windows.codes.subarray(i * context, (i + 1) * context), k * context);
    targets[k] = windows.targets[i];
    positions[k] = windows.positions[i];
  }
  return { codes, count: indices.length, context, targets, positions };
}

/**
 * The windows and, after them, `k` more pairs per window: each of its last k context characters as a target, with the
 * window's characters before it that lie inside those last k as context (the rest ZERO_ROW, unknown). These are the
 * (history, next character) events an order-(k + 1) n-gram counts in each window's last k characters and target, the
 * text the like-for-like n-gram of the text experiment reads (docs/text-rfm.md section 7). A pair whose target is a
 * ZERO_ROW is left out.
 */
export function withInnerTargets(windows: Windows, k: number): Windows {
  const { context: w, count: n } = windows;
  if (!Number.isInteger(k) || k < 0 || k >= w)
    throw new OptionError(`withInnerTargets: k must be an integer in [0, ${w - 1}], got ${String(k)}`);
  const codes = new Int32Array(n * (k + 1) * w).fill(ZERO_ROW);
  const targets = new Int32Array(n * (k + 1));
  const positions = new Int32Array(n * (k + 1));
  codes.set(windows.codes);
  targets.set(windows.targets);
  positions.set(windows.positions);
  let r = n;
  for (let s = 1; s <= k; s++) {
    for (let i = 0; i < n; i++) {
      const target = windows.codes[i * w + w - s];
      if (target === ZERO_ROW) continue;
      // The pair's context ends just before the target: window positions w - k .. w - s - 1, right-aligned.
      for (let q = w - k; q < w - s; q++) codes[r * w + q + s] = windows.codes[i * w + q];
      targets[r] = target;
      positions[r] = windows.positions[i] < 0 ? -1 : windows.positions[i] - s;
      r++;
    }
  }
  return {
    codes: codes.subarray(0, r * w),
    count: r,
    context: w,
    targets: targets.subarray(0, r),
    positions: positions.subarray(0, r),
  };
}

/** `count` windows drawn without replacement (all of them, shuffled, if there are fewer). */
export function sampleWindows(windows: Windows, count: number, seed: number): Windows {
  const order = new Rng(seed).shuffle(Array.from({ length: windows.count }, (_, i) => i));
  return selectWindows(windows, order.slice(0, Math.min(count, windows.count)));
}

// ---- The study's sampling (seed-compatible mode) -------------------------------------------------------------

/** The study's lines: every line of at least `minLength` characters, cut to its first `keep`. Defaults 64 and 64. */
export function studyLines(text: string, options: { minLength?: number; keep?: number } = {}): string[] {
  checkOptions('studyLines', options, ['minLength', 'keep']);
  const { minLength = 64, keep = 64 } = options;
  if (!(keep >= 1 && keep <= minLength))
    throw new OptionError(`studyLines: keep must be in [1, minLength], got ${keep}`);
  return text
    .split('\n')
    .filter((line) => Array.from(line).length >= minLength)
    .map((line) => Array.from(line).slice(0, keep).join(''));
}

/** One window per line: its first `context` characters, and the next one as target. */
export function lineWindows(lines: readonly string[], vocab: Vocabulary, options: { context: number }): Windows {
  checkOptions('lineWindows', options, ['context']);
  const { context } = options;
  if (!Number.isInteger(context) || context < 1)
    throw new OptionError(`lineWindows: context must be a positive integer, got ${context}`);
  const codes = new Int32Array(lines.length * context);
  const targets = new Int32Array(lines.length);
  lines.forEach((line, i) => {
    const encoded = vocab.encode(line);
    if (encoded.length <= context)
      throw new DataError(`lineWindows: line ${i} has ${encoded.length} characters, needs more than ${context}`);
    codes.set(encoded.subarray(0, context), i * context);
    targets[i] = encoded[context];
  });
  return { codes, count: lines.length, context, targets, positions: new Int32Array(lines.length).fill(-1) };
}

/** Shuffles `items` with `seed` and cuts consecutive groups of the given sizes (the study's fit / validation / test). */
export function randomSplit<T>(items: readonly T[], sizes: readonly number[], seed: number): T[][] {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (sizes.some((s) => !Number.isInteger(s) || s < 0))
    throw new OptionError(`randomSplit: sizes must be non-negative integers, got ${sizes.join(', ')}`);
  if (total > items.length)
    throw new OptionError(`randomSplit: sizes add up to ${total}, but there are only ${items.length} items`);
  const shuffled = new Rng(seed).shuffle(items.slice());
  const groups: T[][] = [];
  let offset = 0;
  for (const size of sizes) {
    groups.push(shuffled.slice(offset, offset + size));
    offset += size;
  }
  return groups;
}
