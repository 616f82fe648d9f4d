// Held-out log-loss of a next-character model: mean negative log-likelihood of the true next characters,
// perplexity = exp(mean NLL), bits per character = mean NLL / ln 2 (docs/rfm-math.md section 7).
// A model that gives a true character probability 0 scores an infinite perplexity: that is reported, not hidden.
//
// studyPerplexity is the study's number, which is not a perplexity of any model (see its comment).
// The model-facing wrappers (a CharModel on windows) are text/evaluate.ts: metrics take numbers, not models.

import { ShapeError } from '../core/errors';

export interface HeldOutScore {
  count: number;
  /** Mean negative log-likelihood, in nats. */
  meanNll: number;
  perplexity: number;
  bitsPerCharacter: number;
}

/** Scores row-major log-probabilities (count x vocabSize) against the true targets. */
export function scoreLogProbs(
  logProbs: ArrayLike<number>,
  targets: ArrayLike<number>,
  vocabSize: number,
): HeldOutScore {
  const count = targets.length;
  if (count === 0) throw new ShapeError('perplexity: no held-out characters to score');
  if (logProbs.length !== count * vocabSize)
    throw new ShapeError(
      `perplexity: ${logProbs.length} log-probabilities for ${count} targets x ${vocabSize} symbols`,
    );
  let total = 0;
  for (let i = 0; i < count; i++) {
    const t = targets[i];
    if (!Number.isInteger(t) || t < 0 || t >= vocabSize) {
      throw new ShapeError(
        `perplexity: target ${t} at row ${i} is not a symbol (an all-zero row cannot be scored; make windows with zeroTargets: 'skip')`,
      );
    }
    const lp = logProbs[i * vocabSize + t];
    if (Number.isNaN(lp) || lp > 1e-9)
      throw new ShapeError(`perplexity: log-probability ${lp} at row ${i} is not a log-probability`);
    total -= lp;
  }
  const meanNll = total / count;
  return { count, meanNll, perplexity: Math.exp(meanNll), bitsPerCharacter: meanNll / Math.LN2 };
}

/**
 * THE STUDY'S "PERPLEXITY", not a model perplexity: 2 to the entropy (bits) of the histogram of the generated
 * characters' indices. It measures how varied one generated string is, never looks at the model's probabilities,
 * and is at most the string's length (16 for the study's 16-character generations).
 */
export function studyPerplexity(generated: string | ArrayLike<number>): number {
  const symbols: ArrayLike<unknown> = typeof generated === 'string' ? Array.from(generated) : generated;
  if (symbols.length === 0) throw new ShapeError('studyPerplexity: nothing generated');
  const counts = new Map<unknown, number>();
  for (let i = 0; i < symbols.length; i++) counts.set(symbols[i], (counts.get(symbols[i]) ?? 0) + 1);
  let entropy = 0;
  for (const c of counts.values()) {
    const p = c / symbols.length;
    entropy -= p * Math.log2(p);
  }
  return 2 ** entropy;
}
