// How repetitive a generated continuation is: the share of its character n-grams that are distinct. A looping
// continuation ("the sinews and the sinews and ...") repeats its 4-grams and scores low; varied text scores near 1.
// BLEU against one reference cannot see this (a loop of common words matches many reference n-grams), so the text
// table shows both.

/**
 * Distinct character n-grams / all character n-grams of `text` (code points; default n = 4); 1 when the text is
 * shorter than n (nothing repeats).
 */
export function distinctNgramRatio(text: string, n = 4): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`distinctNgramRatio: n must be a positive integer, got ${n}`);
  const chars = Array.from(text);
  const total = chars.length - n + 1;
  if (total <= 0) return 1;
  const seen = new Set<string>();
  for (let i = 0; i < total; i++) seen.add(chars.slice(i, i + n).join(''));
  return seen.size / total;
}
