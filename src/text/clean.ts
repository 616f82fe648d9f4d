// Character-level normalisation of extracted or downloaded text. Line structure is left alone (the study's sampling
// depends on the original lines); only characters change.
//
// Policy, in the order cleanText applies it:
// 1. Line ends: CRLF and CR become LF; U+2028 becomes LF, U+2029 a blank line.
// 2. Invisible characters: C0/C1 controls other than tab and newline, bidi marks, soft hyphens, joiners (ZWJ, word
//    joiner, BOM) and private-use code points are removed. Page numbers set in custom-encoded fonts often extract as
//    control or private-use characters, and would otherwise leak digits-that-are-not-digits into the corpus.
//    Zero-width space and zero-width non-joiner (U+200B, U+200C) are different: browsers printing to PDF emit a pair
//    of U+200C as the only separator between words, so a run of them becomes a space when it stands at a word gap
//    and is dropped elsewhere. It stands at a word gap unless it touches whitespace (then the gap is already there),
//    or it sits between two letters whose concatenation is a word the document uses elsewhere.
// 3. Ligatures U+FB00-FB06 (ff, fi, fl, ffi, ffl, long-s t, st) are spelled out.
// 4. Quotes ('study', the default): every single quote and apostrophe form (' ‘ ’ ‚ ‛ ′ ʼ) becomes U+2019, the
//    study's only apostrophe; every double quote form (“ ” „ ‟ ″ « ») becomes ASCII ". 'ascii' maps singles to ' instead;
//    'keep' leaves them.
// 5. Dashes ('hyphen', the default): hyphen, non-breaking hyphen, figure/en/em dash, horizontal bar and minus sign
//    become ASCII '-', the study's only dash; one character stays one character. 'keep' leaves them.
// 6. Spaces: tab, no-break and the other Unicode space characters become an ASCII space (runs are not collapsed).

import { OptionError } from '../core/errors';
import { checkOptions } from '../core/options';
import { WordList } from './word-list';

export type QuotePolicy = 'study' | 'ascii' | 'keep';
export type DashPolicy = 'hyphen' | 'keep';

export interface CleanOptions {
  quotes?: QuotePolicy;
  dashes?: DashPolicy;
  /** Decides zero-width characters between letters; built from the text itself when absent. */
  words?: WordList;
}

const CLEAN_OPTION_KEYS = ['quotes', 'dashes', 'words'];

export function cleanText(text: string, options: CleanOptions = {}): string {
  checkOptions('cleanText', options, CLEAN_OPTION_KEYS);
  const quotes = options.quotes ?? 'study';
  const dashes = options.dashes ?? 'hyphen';
  if (!['study', 'ascii', 'keep'].includes(quotes))
    throw new OptionError(`cleanText: quotes must be 'study', 'ascii' or 'keep', got ${JSON.stringify(quotes)}`);
  if (!['hyphen', 'keep'].includes(dashes))
    throw new OptionError(`cleanText: dashes must be 'hyphen' or 'keep', got ${JSON.stringify(dashes)}`);
  let out = normaliseLineEnds(text);
  out = stripInvisible(out, options.words);
  out = expandLigatures(out);
  out = mapQuotes(out, quotes);
  out = mapDashes(out, dashes);
  return normaliseSpaces(out);
}

export function normaliseLineEnds(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\u2028/g, '\n')
    .replace(/\u2029/g, '\n\n');
}

// Removed outright: controls except \t \n, DEL and C1, Mongolian vowel separator, ZWJ, bidi marks and embeddings,
// word joiner and invisible operators, BOM, private use area. Soft hyphens are removed too, but separately, because a
// PDF's line-end soft hyphen must first tell the line joiner that the word continues.
const ALWAYS_INVISIBLE =
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u180E\u200D-\u200F\u202A-\u202E\u2060-\u206F\uFEFF\uE000-\uF8FF]/g;
const SOFT_HYPHEN = /\u00AD/g;
const GAP_CAPABLE = /[\u200B\u200C]+/g;
const WORD_CHAR = /[\p{L}\p{N}'\u2019]/u;
const WORD_TAIL = /[\p{L}\p{N}'\u2019]*$/u;
const WORD_HEAD = /^[\p{L}\p{N}'\u2019]*/u;

/** Step 2 of the policy above. `words` defaults to the text's own word list (zero-width runs counted as gaps). */
export function stripInvisible(text: string, words?: WordList): string {
  const visible = removeInvisible(text).replace(SOFT_HYPHEN, '');
  return resolveZeroWidth(visible, words ?? wordListIgnoringZeroWidth(visible));
}

/** Removes the characters that never carry text (all of step 2 except soft hyphens and the zero-width gap rule). */
export function removeInvisible(text: string): string {
  return text.replace(ALWAYS_INVISIBLE, '');
}

/** The word list of `text` read with every zero-width space or non-joiner run as a word gap. */
export function wordListIgnoringZeroWidth(text: string): WordList {
  return WordList.fromText(text.replace(GAP_CAPABLE, ' '));
}

/** Zero-width spaces and non-joiners become a space at a word gap and disappear elsewhere (see the policy above). */
export function resolveZeroWidth(text: string, words: WordList): string {
  if (!/[\u200B\u200C]/.test(text)) return text;
  return text.replace(GAP_CAPABLE, (run: string, offset: number, whole: string) => {
    const before = whole[offset - 1];
    const after = whole[offset + run.length];
    if (before === undefined || after === undefined || /\s/.test(before) || /\s/.test(after)) return '';
    if (!WORD_CHAR.test(before) || !WORD_CHAR.test(after)) return ' ';
    const left = (WORD_TAIL.exec(whole.slice(Math.max(0, offset - 64), offset)) ?? [''])[0];
    const right = (WORD_HEAD.exec(whole.slice(offset + run.length, offset + run.length + 64)) ?? [''])[0];
    return words.has(left + right) ? '' : ' ';
  });
}

const LIGATURES: Record<string, string> = {
  '\uFB00': 'ff',
  '\uFB01': 'fi',
  '\uFB02': 'fl',
  '\uFB03': 'ffi',
  '\uFB04': 'ffl',
  '\uFB05': 'st',
  '\uFB06': 'st',
};

export function expandLigatures(text: string): string {
  return text.replace(/[\uFB00-\uFB06]/g, (ch) => LIGATURES[ch]);
}

const SINGLE_QUOTES = /['\u2018\u2019\u201A\u201B\u2032\u02BC]/g;
const DOUBLE_QUOTES = /[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/g;

export function mapQuotes(text: string, policy: QuotePolicy): string {
  if (policy === 'keep') return text;
  return text.replace(SINGLE_QUOTES, policy === 'study' ? '\u2019' : "'").replace(DOUBLE_QUOTES, '"');
}

const DASHES = /[\u2010-\u2015\u2043\u2212\uFE58\uFE63\uFF0D]/g;

export function mapDashes(text: string, policy: DashPolicy): string {
  return policy === 'keep' ? text : text.replace(DASHES, '-');
}

export function normaliseSpaces(text: string): string {
  return text.replace(/[\t\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/g, ' ');
}
