import { OptionError } from './errors';

/**
 * A seed for one purpose of a seeded run, derived by hashing (seed, purpose): neighbouring seeds and different
 * purposes give unrelated values, where `seed + 1` for the validation draw would equal the next run's `seed` for the
 * split, so runs 0 and 1 would share streams. The result is a non-negative 32-bit integer (Rng's seed range).
 */
export function deriveSeed(seed: number, purpose: string): number {
  if (!Number.isFinite(seed)) throw new OptionError(`deriveSeed: seed must be a finite number, got ${seed}`);
  // FNV-1a over the purpose's UTF-16 code units, then the seed's low and high 32-bit words, finished by the
  // murmur3 fmix32 avalanche so that a one-bit change anywhere flips about half of the output bits.
  let h = 0x811c9dc5;
  const mix = (v: number): void => {
    h ^= v & 0xffff;
    h = Math.imul(h, 0x01000193);
    h ^= v >>> 16;
    h = Math.imul(h, 0x01000193);
  };
  for (let i = 0; i < purpose.length; i++) mix(purpose.charCodeAt(i));
  const s = Math.floor(seed);
  mix(s | 0);
  mix(Math.floor(s / 0x100000000) | 0);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The studies' published derivation (scaling test, double descent, feature learning): seed * 1_000_003 +
 * trial * 1009 + stream. Kept because the numbers in the notebooks and docs were produced with it; it does not
 * share streams between neighbouring seeds (they are a million apart) as long as stream < 1009 and trial < 991.
 * New code should use deriveSeed.
 */
export function trialSeed(seed: number, trial: number, stream = 0): number {
  return seed * 1_000_003 + trial * 1009 + stream;
}
