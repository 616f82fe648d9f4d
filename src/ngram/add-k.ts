// Add-k (Lidstone) smoothed character n-gram model: P(w | h) = (c(h w) + k) / (c(h) + k V) on the longest context
// available (order - 1 characters, fewer at the start of a text). An unseen context gives the uniform distribution.
// Kept as the simple baseline that Kneser-Ney is compared with.

import { checkContextCodes, type CharModel } from '../text/char-model';
import { checkOptions } from '../core';
import type { Vocabulary } from '../text/vocab';
import type { Span } from '../text/windows';
import { contextKey, NgramCounts, usableHistory } from './counts';

export interface AddKOptions {
  order: number;
  /** Pseudo-count added to every character; > 0. Default 1 (Laplace). */
  k?: number;
  spans?: readonly Span[];
}

export class AddKModel implements CharModel {
  readonly context: number;

  private constructor(readonly vocab: Vocabulary, readonly order: number, readonly k: number, private readonly counts: NgramCounts) {
    this.context = order - 1;
  }

  static fit(vocab: Vocabulary, codes: Int32Array, options: AddKOptions): AddKModel {
    checkOptions('AddKModel.fit', options, ['order', 'k', 'spans']);
    const k = options.k ?? 1;
    if (!(typeof k === 'number' && k > 0 && Number.isFinite(k))) throw new Error(`AddKModel: k must be a positive number, got ${k}`);
    return new AddKModel(vocab, options.order, k, NgramCounts.count(codes, vocab.size, options.order, options.spans));
  }

  nextDistribution(context: ArrayLike<number>): Float64Array {
    checkContextCodes(context, this.vocab.size, 'AddKModel');
    const history = usableHistory(context, this.context);
    const size = this.vocab.size;
    const counts = this.counts.rawTable(history.length).get(contextKey(history, 0, history.length));
    const p = new Float64Array(size);
    let total = 0;
    if (counts) for (let w = 0; w < size; w++) total += counts[w];
    const denominator = total + this.k * size;
    for (let w = 0; w < size; w++) p[w] = ((counts ? counts[w] : 0) + this.k) / denominator;
    return p;
  }
}
