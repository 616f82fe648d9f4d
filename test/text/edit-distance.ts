// A test helper (the PDF tests measure extraction against the source text with it); not part of src/.
// Levenshtein distance and character error rate, over code points.
//
// Texts of tens of thousands of characters are compared (extraction against source), so the dynamic programme is
// restricted to a diagonal band that doubles until the distance found fits inside it (Ukkonen): O(n d) instead of
// O(n m) when the texts are close, and still exact.

export function levenshtein(a: string | ArrayLike<number>, b: string | ArrayLike<number>): number {
  const x = toCodes(a);
  const y = toCodes(b);
  const lengthGap = Math.abs(x.length - y.length);
  for (let band = Math.max(8, lengthGap); ; band *= 2) {
    const distance = bandedDistance(x, y, band);
    if (distance <= band || band >= Math.max(x.length, y.length)) return distance;
  }
}

/** Edit distance divided by the reference length (0 for two empty texts). */
export function characterErrorRate(hypothesis: string, reference: string): number {
  const length = Array.from(reference).length;
  const distance = levenshtein(hypothesis, reference);
  return length === 0 ? (distance === 0 ? 0 : Infinity) : distance / length;
}

function toCodes(text: string | ArrayLike<number>): Int32Array {
  if (typeof text !== 'string') return Int32Array.from(text);
  const chars = Array.from(text);
  const out = new Int32Array(chars.length);
  for (let i = 0; i < chars.length; i++) out[i] = chars[i].codePointAt(0) ?? 0;
  return out;
}

/** Exact when the true distance is <= band; otherwise some value > band. */
function bandedDistance(x: Int32Array, y: Int32Array, band: number): number {
  const n = x.length;
  const m = y.length;
  const outside = n + m + 1;
  let previous = new Int32Array(m + 1).fill(outside);
  let current = new Int32Array(m + 1).fill(outside);
  for (let j = 0; j <= Math.min(m, band); j++) previous[j] = j;
  for (let i = 1; i <= n; i++) {
    const lo = Math.max(1, i - band);
    const hi = Math.min(m, i + band);
    current.fill(outside, Math.max(0, lo - 1), Math.min(m, hi + 1) + 1);
    if (i <= band) current[0] = i;
    for (let j = lo; j <= hi; j++) {
      const substitution = previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1);
      const deletion = previous[j] + 1;
      const insertion = current[j - 1] + 1;
      current[j] = Math.min(substitution, deletion, insertion);
    }
    [previous, current] = [current, previous];
  }
  return previous[m];
}
