// Line-end hyphens: typesetting breaks ("conver-" + "sation") or real hyphens ("waistcoat-" + "pocket").
//
// - A soft hyphen always joins; a line ending in an em or en dash joins without a space (the book's own dash).
// - Before a digit, or before a capital when the word is not all in capitals ("Anglo-" + "Saxon"), the hyphen stays.
//   Words in capitals are decided like lowercase ones ("DOU-" + "BLETHINK").
// - The document decides first: the joined form ("conversation") spelled more often than the hyphenated one elsewhere
//   joins, and the hyphenated form ("to-night", "waistcoat-pocket") more often keeps the hyphen.
// - Where the document does not decide, an English word list does: a known joined word joins ("everything"); when it
//   is unknown and both parts are common words (in the list and used by the document), the hyphen stays
//   ("barbed-wire", "three-hour", "self-confidence"); otherwise the parts are fragments and join ("Rach-" + "maninoff"),
//   and so does a capitalised head, which is more often a name than a compound ("Tennes-" + "see").

import { isEnglishWord, type WordList } from '../word-list';

export type HyphenReason =
  | 'soft-hyphen'
  | 'document-joined'
  | 'document-hyphenated'
  | 'dictionary-word'
  | 'compound-of-words'
  | 'fragments'
  | 'capitalised'
  | 'digits';

export interface HyphenDecision {
  page: number;
  /** The word as it comes out: joined ("conversation") or hyphenated ("waistcoat-pocket"). */
  word: string;
  joined: boolean;
  reason: HyphenReason;
}

const TAIL = /([\p{L}\p{N}]+(?:['\u2019\u2010-][\p{L}\p{N}]+)*)[-\u2010]$/u;
const HEAD = /^[\p{L}\p{N}]+(?:['\u2019\u2010-][\p{L}\p{N}]+)*/u;

/**
 * `paragraph` (ending in a hyphen) continued by `next`: the joined text and, when the hyphen was a line-end hyphen
 * between word characters, the decision taken. Null when the paragraph does not end in a hyphen.
 */
export function joinHyphenated(
  paragraph: string,
  next: string,
  words: WordList,
  page: number,
): { text: string; decision?: HyphenDecision } | null {
  if (paragraph.endsWith('\u00AD')) {
    const word = (TAIL.exec(paragraph.slice(0, -1) + '-')?.[1] ?? '') + (HEAD.exec(next)?.[0] ?? '');
    return { text: paragraph.slice(0, -1) + next, decision: { page, word, joined: true, reason: 'soft-hyphen' } };
  }
  // Only the tail can hold the broken word; matching the whole (growing) paragraph would be quadratic.
  const hyphenated = TAIL.exec(paragraph.slice(-100));
  if (!hyphenated) return null;
  const left = hyphenated[1];
  const right = (HEAD.exec(next) ?? [''])[0];
  if (right === '') return { text: `${paragraph} ${next}` };
  const { joined, reason } = decide(left, right, words);
  const text = joined ? paragraph.slice(0, -1) + next : paragraph + next;
  return { text, decision: { page, word: joined ? left + right : `${left}-${right}`, joined, reason } };
}

function decide(left: string, right: string, words: WordList): { joined: boolean; reason: HyphenReason } {
  if (/\p{N}$/u.test(left) || /^\p{N}/u.test(right)) return { joined: false, reason: 'digits' };
  const capitals =
    /^\p{Lu}+$/u.test(lastPart(left)) && /^\p{Lu}/u.test(right) && /^[\p{Lu}\p{N}'\u2019-]+$/u.test(right);
  if (/^\p{Lu}/u.test(right) && !capitals) return { joined: false, reason: 'capitalised' };
  const joinedCount = words.count(left + right);
  const hyphenatedCount = words.count(`${left}-${right}`);
  if (joinedCount > hyphenatedCount) return { joined: true, reason: 'document-joined' };
  if (hyphenatedCount > joinedCount) return { joined: false, reason: 'document-hyphenated' };
  const a = lastPart(left);
  const b = firstPart(right);
  if (isEnglishWord(a + b)) return { joined: true, reason: 'dictionary-word' };
  const common = (w: string) => w.length >= 2 && isEnglishWord(w) && words.hasPart(w);
  // A capitalised head is a name more often than a compound ("Tennes-" + "see", though "tennes" is in the list).
  const name = /^\p{Lu}\p{Ll}/u.test(a);
  if (!name && common(a) && common(b)) return { joined: false, reason: 'compound-of-words' };
  return { joined: true, reason: 'fragments' };
}

function lastPart(word: string): string {
  return word.split(/[-\u2010]/).pop() ?? word;
}

function firstPart(word: string): string {
  return word.split(/[-\u2010]/)[0];
}
