// BLEU (Papineni et al. 2002) as nltk.translate.bleu_score computes it (nltk 3.10), over any tokens: words
// (wordTokens) or characters (charTokens).
//
// - Modified n-gram precision: hypothesis n-gram counts clipped by their largest count in any one reference;
//   denominator max(1, number of hypothesis n-grams).
// - Brevity penalty against the reference length closest to the hypothesis length (the shorter one on ties):
//   1 if c > r, 0 if c = 0, else exp(1 - r / c).
// - Weights: one per order, n = 1..weights.length (default four of 1/4).
// - Smoothing 'none': a zero precision makes the score 0 (nltk returns ~1e-78 from log(float min), with a warning);
//   'method1' (Chen & Cherry 2014): a zero numerator becomes epsilon (0.1).
// - Corpus BLEU sums numerators, denominators, hypothesis lengths and closest reference lengths over sentences
//   before combining (it is not the mean of sentence scores); it is 0 when no unigram matches at all.

import { OptionError, ShapeError } from '../core/errors';
import { checkOptions } from '../core/options';

export type Tokens = readonly string[];

export interface BleuOptions {
  weights?: readonly number[];
  smoothing?: 'none' | 'method1';
  /** Numerator given to zero-match orders by method1. Default 0.1. */
  epsilon?: number;
}

/** Whitespace tokens (what sacrebleu's 'none' tokenizer and a split() give). */
export function wordTokens(text: string): string[] {
  return text.split(/\s+/).filter((t) => t !== '');
}

/** One token per character (code point), spaces included. */
export function charTokens(text: string): string[] {
  return Array.from(text);
}

export function sentenceBleu(references: readonly Tokens[], hypothesis: Tokens, options: BleuOptions = {}): number {
  return corpusBleu([references], [hypothesis], options);
}

export function corpusBleu(
  referencesPerHypothesis: readonly (readonly Tokens[])[],
  hypotheses: readonly Tokens[],
  options: BleuOptions = {},
): number {
  checkOptions('BLEU', options, ['weights', 'smoothing', 'epsilon']);
  const { weights = [0.25, 0.25, 0.25, 0.25], smoothing = 'none', epsilon = 0.1 } = options;
  if (weights.length === 0 || weights.some((w) => !(w >= 0) || !Number.isFinite(w)))
    throw new OptionError(`BLEU: weights must be non-negative numbers, got [${weights.join(', ')}]`);
  if (smoothing !== 'none' && smoothing !== 'method1')
    throw new OptionError(`BLEU: smoothing must be 'none' or 'method1', got ${JSON.stringify(smoothing)}`);
  if (!(epsilon > 0)) throw new OptionError(`BLEU: epsilon must be > 0, got ${epsilon}`);
  if (referencesPerHypothesis.length !== hypotheses.length) {
    throw new ShapeError(`BLEU: ${hypotheses.length} hypotheses but ${referencesPerHypothesis.length} reference sets`);
  }
  const maxOrder = weights.length;
  const numerators = new Array<number>(maxOrder).fill(0);
  const denominators = new Array<number>(maxOrder).fill(0);
  let hypothesisLength = 0;
  let referenceLength = 0;
  hypotheses.forEach((hypothesis, s) => {
    const references = referencesPerHypothesis[s];
    if (
      !Array.isArray(hypothesis) ||
      !Array.isArray(references) ||
      references.length === 0 ||
      !references.every(Array.isArray)
    ) {
      throw new ShapeError(
        `BLEU: sentence ${s} needs a token array and at least one reference token array (use wordTokens or charTokens)`,
      );
    }
    for (let n = 1; n <= maxOrder; n++) {
      const [matched, total] = modifiedPrecision(references, hypothesis, n);
      numerators[n - 1] += matched;
      denominators[n - 1] += total;
    }
    hypothesisLength += hypothesis.length;
    referenceLength += closestReferenceLength(references, hypothesis.length);
  });
  if (numerators[0] === 0) return 0;
  let logSum = 0;
  for (let n = 0; n < maxOrder; n++) {
    let precision = numerators[n] / denominators[n];
    if (numerators[n] === 0) {
      if (smoothing === 'none') return 0;
      precision = epsilon / denominators[n];
    }
    logSum += weights[n] * Math.log(precision);
  }
  return brevityPenalty(referenceLength, hypothesisLength) * Math.exp(logSum);
}

/** exp(1 - r / c) when the hypothesis (c tokens) is shorter than the reference (r), else 1; 0 for an empty one. */
export function brevityPenalty(referenceLength: number, hypothesisLength: number): number {
  if (hypothesisLength > referenceLength) return 1;
  if (hypothesisLength === 0) return 0;
  return Math.exp(1 - referenceLength / hypothesisLength);
}

function closestReferenceLength(references: readonly Tokens[], hypothesisLength: number): number {
  let best = references[0].length;
  for (const ref of references) {
    const d = Math.abs(ref.length - hypothesisLength);
    const bestD = Math.abs(best - hypothesisLength);
    if (d < bestD || (d === bestD && ref.length < best)) best = ref.length;
  }
  return best;
}

function ngramCounts(tokens: Tokens, n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = JSON.stringify(tokens.slice(i, i + n));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function modifiedPrecision(references: readonly Tokens[], hypothesis: Tokens, n: number): [number, number] {
  const counts = ngramCounts(hypothesis, n);
  const maxReferenceCounts = new Map<string, number>();
  for (const reference of references) {
    for (const [gram, count] of ngramCounts(reference, n)) {
      if (counts.has(gram)) maxReferenceCounts.set(gram, Math.max(maxReferenceCounts.get(gram) ?? 0, count));
    }
  }
  let matched = 0;
  let total = 0;
  for (const [gram, count] of counts) {
    matched += Math.min(count, maxReferenceCounts.get(gram) ?? 0);
    total += count;
  }
  return [matched, Math.max(1, total)];
}

/**
 * THE STUDY'S METHOD, not a recommended metric: character-level sentence BLEU-2 (weights 1/2, 1/2, no smoothing) of
 * a generated continuation against a reference of whatever length it has. With the study's 16-character hypotheses
 * and 28-character references the brevity penalty alone caps every score at exp(1 - 28/16) = 0.4724.
 */
export function studyBleu(hypothesis: string, reference: string): number {
  return sentenceBleu([charTokens(reference)], charTokens(hypothesis), { weights: [0.5, 0.5], smoothing: 'none' });
}
