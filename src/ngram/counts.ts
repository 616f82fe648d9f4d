// Character n-gram counts: for every context length k < order, each context seen maps to the counts of the
// character that followed it (a dense vector over the vocabulary: character vocabularies are small).
//
// Counting stops at ZERO_ROW codes (the study's unknown characters) and at span boundaries, so that no n-gram joins
// text across a gap or across train / test splits.

import { DataError, MemoryError, OptionError, ShapeError } from '../core/errors';
import { checkAllocation } from '../core/memory';
import * as v8 from 'v8';
import type { Span } from '../text/windows';
import { ZERO_ROW } from '../text/vocab';

export type CountTable = Map<string, Uint32Array>;

/** The key of a context (codes oldest first). */
export function contextKey(codes: ArrayLike<number>, start: number, end: number): string {
  let key = '';
  // In chunks: String.fromCharCode takes its arguments on the stack.
  for (let i = start; i < end; i += 8192) {
    key += String.fromCharCode(...Array.prototype.slice.call(codes, i, Math.min(end, i + 8192)));
  }
  return key;
}

/**
 * An upper bound on what counting n-grams of `order` over `length` characters takes, checked before counting
 * (docs/reliability.md): at most min(length, V^k) distinct contexts of each length k, for the raw and the
 * continuation tables, each a count vector of 4 V bytes plus ~600 bytes of Map entry, key and typed-array objects
 * (measured: ~250 of them on the V8 heap; rss 835 bytes per context at V = 60).
 */
export function estimateNgramMemory(
  length: number,
  vocabSize: number,
  order: number,
): { contexts: number; heapBytes: number; totalBytes: number } {
  let contexts = 0;
  for (let k = 0; k < order; k++) {
    const distinct = Math.min(Math.max(length - k, 0), Math.pow(vocabSize, k));
    contexts += k < order - 1 ? 2 * distinct : distinct;
  }
  return { contexts, heapBytes: 256 * contexts, totalBytes: (4 * vocabSize + 600) * contexts };
}

function checkNgramMemory(length: number, vocabSize: number, order: number): void {
  const largest = (fits: (e: ReturnType<typeof estimateNgramMemory>) => boolean): number => {
    let o = 1;
    while (o < order && fits(estimateNgramMemory(length, vocabSize, o + 1))) o++;
    return o;
  };
  const e = estimateNgramMemory(length, vocabSize, order);
  const what = `n-gram counts of order ${order} over ${length} characters (up to ${e.contexts} contexts)`;
  checkAllocation(e.totalBytes, what, (limit) => `use order <= ${largest((x) => x.totalBytes <= limit)} on this text`);
  const heap = 0.75 * v8.getHeapStatistics().heap_size_limit;
  if (e.heapBytes > heap) {
    throw new MemoryError(
      `${what} need about ${(e.heapBytes / 2 ** 30).toFixed(2)} GiB of JavaScript heap, more than node's limit ` +
        `(${(heap / 0.75 / 2 ** 30).toFixed(2)} GiB; node --max-old-space-size raises it): use order <= ` +
        `${largest((x) => x.heapBytes <= heap)} on this text`,
    );
  }
}

export class NgramCounts {
  /** raw[k]: contexts of length k -> counts of the next character. */
  private readonly raw: CountTable[];
  private readonly continuations: (CountTable | undefined)[];

  private constructor(
    readonly order: number,
    readonly vocabSize: number,
    raw: CountTable[],
  ) {
    this.raw = raw;
    this.continuations = new Array(order);
  }

  static count(codes: Int32Array, vocabSize: number, order: number, spans?: readonly Span[]): NgramCounts {
    if (!Number.isInteger(order) || order < 1)
      throw new OptionError(`n-gram: order must be a positive integer, got ${order}`);
    if (!Number.isInteger(vocabSize) || vocabSize < 1 || vocabSize > 0xffff)
      throw new OptionError(`n-gram: vocabulary size must be in [1, 65535], got ${vocabSize}`);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c !== ZERO_ROW && (c < 0 || c >= vocabSize))
        throw new DataError(`n-gram: code ${c} at position ${i} is outside [0, ${vocabSize})`);
    }
    checkNgramMemory(
      spans ? spans.reduce((a, s) => a + Math.max(0, s.end - s.start), 0) : codes.length,
      vocabSize,
      order,
    );
    const raw: CountTable[] = Array.from({ length: order }, () => new Map());
    // Keys are slices of one string of the whole text: cheaper than building each key code by code.
    const text = contextKey(codes, 0, codes.length);
    for (const span of spans ?? [{ start: 0, end: codes.length }]) {
      if (span.start < 0 || span.end > codes.length || span.start > span.end) {
        throw new ShapeError(`n-gram: span [${span.start}, ${span.end}) is not inside the text [0, ${codes.length})`);
      }
      let runStart = span.start;
      for (let t = span.start; t < span.end; t++) {
        const next = codes[t];
        if (next === ZERO_ROW) {
          runStart = t + 1;
          continue;
        }
        for (let k = 0; k < order && t - k >= runStart; k++) {
          const key = text.slice(t - k, t);
          let counts = raw[k].get(key);
          if (!counts) {
            counts = new Uint32Array(vocabSize);
            raw[k].set(key, counts);
          }
          counts[next]++;
        }
      }
    }
    return new NgramCounts(order, vocabSize, raw);
  }

  /** Counts c(h w) for contexts h of length k. */
  rawTable(k: number): CountTable {
    this.checkLevel(k);
    return this.raw[k];
  }

  /**
   * Kneser-Ney continuation counts for contexts h of length k: N1+(. h w), the number of distinct characters seen
   * before h w. Needs the table of length k + 1, so k < order - 1.
   */
  continuationTable(k: number): CountTable {
    this.checkLevel(k);
    if (k >= this.order - 1) throw new OptionError(`n-gram: no continuation counts for the top context length ${k}`);
    let table = this.continuations[k];
    if (!table) {
      table = new Map();
      for (const [key, counts] of this.raw[k + 1]) {
        const shorter = key.slice(1);
        let cont = table.get(shorter);
        if (!cont) {
          cont = new Uint32Array(this.vocabSize);
          table.set(shorter, cont);
        }
        for (let w = 0; w < counts.length; w++) if (counts[w] > 0) cont[w]++;
      }
      this.continuations[k] = table;
    }
    return table;
  }

  private checkLevel(k: number): void {
    if (!Number.isInteger(k) || k < 0 || k >= this.order)
      throw new OptionError(`n-gram: context length ${k} is outside [0, ${this.order})`);
  }
}

/** The last `max` codes after the last ZERO_ROW (counting never crossed one either). */
export function usableHistory(context: ArrayLike<number>, max: number): ArrayLike<number> {
  let start = Math.max(0, context.length - max);
  for (let i = context.length - 1; i >= start; i--) {
    if (context[i] === ZERO_ROW) {
      start = i + 1;
      break;
    }
  }
  return Array.prototype.slice.call(context, start) as number[];
}
