// A document's own vocabulary of words, used to decide layout questions that the text alone cannot: whether a
// line-end hyphen is a real one ("well-known") or a typesetting break ("strik-ing"), whether a drop cap belongs to
// the word beside it, whether a zero-width character stood between two words or inside one.

const WORD = /[\p{L}\p{N}]+(?:['\u2019\u2010-][\p{L}\p{N}]+)*/gu;

export class WordList {
  private readonly counts = new Map<string, number>();
  private readonly parts = new Set<string>();

  /** Words as runs of letters and digits, joined by inner apostrophes and hyphens; case-insensitive. */
  static fromText(text: string): WordList {
    const list = new WordList();
    for (const match of text.matchAll(WORD)) list.add(match[0]);
    return list;
  }

  add(word: string, times = 1): void {
    const key = normalise(word);
    this.counts.set(key, (this.counts.get(key) ?? 0) + times);
    for (const part of key.split('-')) this.parts.add(part);
  }

  count(word: string): number {
    return this.counts.get(normalise(word)) ?? 0;
  }

  has(word: string): boolean {
    return this.count(word) > 0;
  }

  /** Whether the document uses `word` on its own or as a part of a hyphenated compound ("self" in "self-control"). */
  hasPart(word: string): boolean {
    return this.parts.has(normalise(word));
  }
}

function normalise(word: string): string {
  return word
    .toLowerCase()
    .replace(/\u2010/g, '-')
    .replace(/'/g, '\u2019');
}

let english: Set<string> | undefined;

/**
 * Whether `word` is in an English word list (an-array-of-english-words: ~275,000 lowercase words, MIT licence, shipped
 * in the npm package, read on first use). Used only where the document itself does not decide.
 */
export function isEnglishWord(word: string): boolean {
  if (!english) english = new Set(require('an-array-of-english-words') as string[]);
  return english.has(word.toLowerCase());
}
