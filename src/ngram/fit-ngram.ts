// One entry point for notebooks: a character n-gram model with the smoothing named in the options.

import { checkOptions } from '../core';
import type { Vocabulary } from '../text/vocab';
import type { Span } from '../text/windows';
import { AddKModel } from './add-k';
import { KneserNeyModel } from './kneser-ney';

export type NgramOptions =
  | { smoothing?: 'kneser-ney'; order: number; discount?: number | 'estimate'; spans?: readonly Span[] }
  | { smoothing: 'add-k'; order: number; k?: number; spans?: readonly Span[] };

export function fitNgram(vocab: Vocabulary, codes: Int32Array, options: NgramOptions): KneserNeyModel | AddKModel {
  if (options.smoothing === 'add-k') {
    checkOptions('fitNgram', options, ['smoothing', 'order', 'k', 'spans']);
    return AddKModel.fit(vocab, codes, { order: options.order, k: options.k, spans: options.spans });
  }
  if (options.smoothing !== undefined && options.smoothing !== 'kneser-ney') {
    throw new Error(`fitNgram: smoothing must be 'kneser-ney' or 'add-k', got ${JSON.stringify((options as { smoothing: unknown }).smoothing)}`);
  }
  checkOptions('fitNgram', options, ['smoothing', 'order', 'discount', 'spans']);
  const { order, discount, spans } = options;
  return KneserNeyModel.fit(vocab, codes, { order, discount, spans });
}
