// Character vocabularies: symbol <-> integer code.
//
// Codes index a one-hot vector. Code -1 (ZERO_ROW) is the study's "all-zero row": in its seed-compatible mode, newlines
// and non-ASCII characters outside the vocabulary were encoded as no symbol at all rather than as <UNK>.

import { DataError, OptionError } from '../core/errors';
import { checkOptions } from '../core/options';

export const UNK = '<UNK>';
export const ZERO_ROW = -1;

/**
 * What happens to a character that is not in the vocabulary.
 * - 'unk': it becomes <UNK> (our default).
 * - 'study': printable ASCII becomes <UNK>; anything else (newline, other controls, non-ASCII) becomes ZERO_ROW, as the
 *   study's code did.
 */
export type UnknownPolicy = 'unk' | 'study';

export interface VocabularyOptions {
  /** Lowercase characters before looking them up. */
  lowercase?: boolean;
  unknown?: UnknownPolicy;
}

export interface DecodeOptions {
  /** Text for <UNK>; one character by default so that decoded length equals code count. */
  unknown?: string;
  /** Text for ZERO_ROW codes. */
  zero?: string;
}

/** The study's 50 symbols: space, a-z, 0-9, twelve punctuation marks (the apostrophe is U+2019), <UNK>. */
export const STUDY_SYMBOLS: readonly string[] = Object.freeze([
  ' ',
  ...'abcdefghijklmnopqrstuvwxyz',
  ...'0123456789',
  ...'.,!?\u2019:;-_&()',
  UNK,
]);

const VOCABULARY_OPTION_KEYS = new Set(['lowercase', 'unknown']);

export class Vocabulary {
  readonly symbols: readonly string[];
  readonly size: number;
  /** Code of <UNK>, or -1 when the vocabulary has none (then every character must be known). */
  readonly unkIndex: number;
  readonly lowercase: boolean;
  readonly unknown: UnknownPolicy;
  private readonly index = new Map<string, number>();

  constructor(symbols: readonly string[], options: VocabularyOptions = {}) {
    checkOptions('Vocabulary', options, VOCABULARY_OPTION_KEYS);
    this.lowercase = options.lowercase ?? false;
    this.unknown = options.unknown ?? 'unk';
    if (this.unknown !== 'unk' && this.unknown !== 'study') {
      throw new OptionError(`Vocabulary: unknown must be 'unk' or 'study', got ${JSON.stringify(this.unknown)}`);
    }
    if (symbols.length === 0) throw new OptionError('Vocabulary: no symbols');
    symbols.forEach((symbol, code) => {
      if (symbol !== UNK && Array.from(symbol).length !== 1) {
        throw new OptionError(`Vocabulary: symbol ${code} (${JSON.stringify(symbol)}) must be one character or ${UNK}`);
      }
      if (this.index.has(symbol)) throw new OptionError(`Vocabulary: symbol ${JSON.stringify(symbol)} appears twice`);
      if (this.lowercase && symbol !== UNK && symbol.toLowerCase() !== symbol) {
        throw new OptionError(
          `Vocabulary: symbol ${JSON.stringify(symbol)} can never match in a lowercasing vocabulary`,
        );
      }
      this.index.set(symbol, code);
    });
    this.symbols = Object.freeze(symbols.slice());
    this.size = symbols.length;
    this.unkIndex = this.index.get(UNK) ?? -1;
  }

  /** The study's 50-symbol vocabulary, lowercasing. Pass { unknown: 'study' } for its zero rows. */
  static study(options: VocabularyOptions = {}): Vocabulary {
    return new Vocabulary(STUDY_SYMBOLS, { lowercase: true, ...options });
  }

  /** The characters of `text` seen at least `minCount` times (most frequent first, at most `maxSize - 1`), plus <UNK>. */
  static fromText(text: string, options: VocabularyOptions & { minCount?: number; maxSize?: number } = {}): Vocabulary {
    const { minCount = 1, maxSize = Infinity, ...vocabOptions } = options;
    if (!(minCount >= 1)) throw new OptionError(`Vocabulary.fromText: minCount must be >= 1, got ${minCount}`);
    if (!(maxSize >= 2)) throw new OptionError(`Vocabulary.fromText: maxSize must be >= 2, got ${maxSize}`);
    const counts = new Map<string, number>();
    for (const raw of text) {
      const ch = vocabOptions.lowercase ? lowerChar(raw) : raw;
      counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    const symbols = [...counts]
      .filter(([ch, count]) => count >= minCount && Array.from(ch).length === 1)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, maxSize - 1)
      .map(([ch]) => ch);
    return new Vocabulary([...symbols, UNK], vocabOptions);
  }

  /** Code of one symbol (exact lookup, no lowercasing), or -1. */
  indexOf(symbol: string): number {
    return this.index.get(symbol) ?? -1;
  }

  /** Code of one character (one code point). */
  encodeChar(ch: string): number {
    const code = this.index.get(this.lowercase ? lowerChar(ch) : ch);
    if (code !== undefined) return code;
    if (this.unknown === 'study' && !isPrintableAscii(ch)) return ZERO_ROW;
    if (this.unkIndex < 0) {
      throw new DataError(
        `Vocabulary: character ${JSON.stringify(ch)} (U+${codePointHex(ch)}) is not in the vocabulary and there is no ${UNK}`,
      );
    }
    return this.unkIndex;
  }

  /** One code per code point of `text`. */
  encode(text: string): Int32Array {
    const chars = Array.from(text);
    const codes = new Int32Array(chars.length);
    for (let i = 0; i < chars.length; i++) codes[i] = this.encodeChar(chars[i]);
    return codes;
  }

  decode(codes: ArrayLike<number>, options: DecodeOptions = {}): string {
    const unknown = options.unknown ?? '\uFFFD';
    const zero = options.zero ?? '\uFFFD';
    let out = '';
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i];
      if (code === ZERO_ROW) out += zero;
      else if (code === this.unkIndex) out += unknown;
      else if (Number.isInteger(code) && code >= 0 && code < this.size) out += this.symbols[code];
      else throw new DataError(`Vocabulary.decode: code ${code} at position ${i} is outside [0, ${this.size})`);
    }
    return out;
  }
}

function lowerChar(ch: string): string {
  const lower = ch.toLowerCase();
  // A few characters lowercase to two code points (U+0130); keep them as they are rather than change the length.
  return Array.from(lower).length === 1 ? lower : ch;
}

function isPrintableAscii(ch: string): boolean {
  const code = ch.codePointAt(0) ?? 0;
  return code >= 0x20 && code <= 0x7e;
}

function codePointHex(ch: string): string {
  return (ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
}
