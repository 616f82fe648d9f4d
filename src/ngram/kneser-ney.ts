// Interpolated Kneser-Ney character language model (Chen & Goodman 1998, "interpolated KN" with one discount per
// order).
//
// For the longest context h available (up to order - 1 characters), with raw counts c:
//   P(w | h) = max(c(h w) - D, 0) / c(h) + D N1+(h .) / c(h) * P_lower(w | h')     (h' = h without its oldest char)
// and every lower level uses the same formula on continuation counts N1+(. h' w) (in how many distinct contexts
// h' w was seen) instead of raw counts. The recursion ends in the continuation unigram interpolated with the uniform
// distribution over the vocabulary, so every probability is > 0 and each distribution sums to 1 (as 0 < D <= 1). A
// context never seen hands all its mass to the level below.
//
// Discounts: a number (default 0.75) for every level, or 'estimate': D = n1 / (n1 + 2 n2) per level and kind of
// count (Ney's estimate; n1, n2 = how many n-grams have count 1 and 2), clamped to [0.05, 0.95] (it falls back to
// 0.5 where a level has no count of 1, as in a small vocabulary's unigram continuation counts).

import { checkContextCodes, type CharModel } from '../text/char-model';
import { OptionError } from '../core/errors';
import { checkOptions } from '../core/options';
import type { Vocabulary } from '../text/vocab';
import type { Span } from '../text/windows';
import { contextKey, NgramCounts, usableHistory, type CountTable } from './counts';

export interface KneserNeyOptions {
  /** n: the model reads n - 1 characters of context. */
  order: number;
  discount?: number | 'estimate';
  /** Count only inside these spans (a training split). */
  spans?: readonly Span[];
}

interface Level {
  table: CountTable;
  discount: number;
}

export class KneserNeyModel implements CharModel {
  readonly context: number;
  /** Discounts used, by context length: raw counts (top level) and continuation counts (lower levels). */
  readonly discounts: { raw: number[]; continuation: number[] };
  private readonly rawLevels: Level[];
  private readonly continuationLevels: Level[];

  private constructor(
    readonly vocab: Vocabulary,
    readonly order: number,
    counts: NgramCounts,
    discount: number | 'estimate',
  ) {
    this.context = order - 1;
    this.rawLevels = [];
    this.continuationLevels = [];
    for (let k = 0; k < order; k++) {
      const raw = counts.rawTable(k);
      this.rawLevels.push({ table: raw, discount: discount === 'estimate' ? estimateDiscount(raw) : discount });
      if (k < order - 1) {
        const cont = counts.continuationTable(k);
        this.continuationLevels.push({
          table: cont,
          discount: discount === 'estimate' ? estimateDiscount(cont) : discount,
        });
      }
    }
    this.discounts = {
      raw: this.rawLevels.map((l) => l.discount),
      continuation: this.continuationLevels.map((l) => l.discount),
    };
  }

  static fit(vocab: Vocabulary, codes: Int32Array, options: KneserNeyOptions): KneserNeyModel {
    checkOptions('KneserNeyModel.fit', options, ['order', 'discount', 'spans']);
    const discount = options.discount ?? 0.75;
    if (discount !== 'estimate' && !(typeof discount === 'number' && discount > 0 && discount <= 1)) {
      throw new OptionError(
        `KneserNeyModel: discount must be in (0, 1] or 'estimate', got ${JSON.stringify(discount)}`,
      );
    }
    const counts = NgramCounts.count(codes, vocab.size, options.order, options.spans);
    return new KneserNeyModel(vocab, options.order, counts, discount);
  }

  nextDistribution(context: ArrayLike<number>): Float64Array {
    checkContextCodes(context, this.vocab.size, 'KneserNeyModel');
    const history = usableHistory(context, this.context);
    return this.distribution(history, 0, history.length, true);
  }

  /** P(. | history[start..end)); `top` uses raw counts, lower levels continuation counts. */
  private distribution(history: ArrayLike<number>, start: number, end: number, top: boolean): Float64Array {
    const k = end - start;
    const size = this.vocab.size;
    const level = top ? this.rawLevels[k] : this.continuationLevels[k];
    const counts = level.table.get(contextKey(history, start, end));
    const lower = k === 0 ? new Float64Array(size).fill(1 / size) : this.distribution(history, start + 1, end, false);
    if (!counts) return lower;
    let total = 0;
    let distinct = 0;
    for (let w = 0; w < size; w++) {
      total += counts[w];
      if (counts[w] > 0) distinct++;
    }
    if (total === 0) return lower;
    const d = level.discount;
    const backoff = (d * distinct) / total;
    for (let w = 0; w < size; w++) lower[w] = Math.max(counts[w] - d, 0) / total + backoff * lower[w];
    return lower;
  }
}

function estimateDiscount(table: CountTable): number {
  let n1 = 0;
  let n2 = 0;
  for (const counts of table.values()) {
    for (let w = 0; w < counts.length; w++) {
      if (counts[w] === 1) n1++;
      else if (counts[w] === 2) n2++;
    }
  }
  if (n1 === 0) return 0.5;
  return Math.min(0.95, Math.max(0.05, n1 / (n1 + 2 * n2)));
}
