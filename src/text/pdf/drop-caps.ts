// Drop caps: a large initial (one or two letters, an opening quote, or a quote and a letter) set beside the first
// lines of a paragraph. Its baseline sits on a lower line, so it is taken out of line grouping and prefixed to the
// topmost line beside it; joined to that line's first word unless the cap is a word by itself there (see
// withDropCap: "A" + "long" becomes "Along" when "along" is a word of the document). A quote alone is punctuation: it
// always joins the word beside it.

import type { Line } from './lines';
import type { Run } from './read';
import { isEnglishWord, type WordList } from '../word-list';

export interface DropCap {
  letters: string;
  x0: number;
  x1: number;
  low: number;
  high: number;
}

const CAP_TEXT = /^["'\u2018\u201C\u00AB]?[\p{L}\p{N}]{0,2}$/u;
const OPENING_QUOTE = /^["'\u2018\u201C\u00AB]/;
export const LEADING_WORD = /^[\p{L}\p{N}]+(?:['\u2019\u2010-][\p{L}\p{N}]+)*/u;

export function isBodySize(size: number, bodySize: number): boolean {
  return Math.abs(size - bodySize) <= 0.25 * bodySize;
}

/** The page's drop caps, and the runs they were made of (to leave out of line grouping). */
export function findDropCaps(runs: Run[], bodySize: number): { caps: DropCap[]; capRuns: Set<Run> } {
  const visible = runs.filter((r) => r.text.trim() !== '');
  const caps: DropCap[] = [];
  const capRuns = new Set<Run>();
  for (const group of largeRunGroups(visible, bodySize)) {
    const cap = asDropCap(group, visible, bodySize);
    if (cap) {
      caps.push(cap);
      for (const run of group) capRuns.add(run);
    }
  }
  return { caps, capRuns };
}

/** Runs of at least 1.8 times the body size, neighbours on one baseline merged (a quote and a letter drawn apart). */
function largeRunGroups(runs: Run[], bodySize: number): Run[][] {
  const large = runs.filter((r) => r.size >= 1.8 * bodySize).sort((a, b) => a.x - b.x);
  const groups: Run[][] = [];
  for (const run of large) {
    const group = groups.find((g) => {
      const last = g[g.length - 1];
      return Math.abs(last.y - run.y) < 0.1 * run.size && run.x - (last.x + last.width) < 0.3 * run.size;
    });
    if (group) group.push(run);
    else groups.push([run]);
  }
  return groups;
}

/** A large initial with body text right beside it, within its height, and none to its left there. */
function asDropCap(group: Run[], runs: Run[], bodySize: number): DropCap | null {
  const letters = group.map((r) => r.text.trim()).join('');
  if (letters === '' || !CAP_TEXT.test(letters)) return null;
  const first = group[0];
  const last = group[group.length - 1];
  const size = Math.max(...group.map((r) => r.size));
  const cap = {
    letters,
    x0: first.x,
    x1: last.x + last.width,
    low: first.y - 0.3 * bodySize,
    high: first.y + 0.9 * size,
  };
  const alongside = runs.filter((r) => !group.includes(r) && r.y >= cap.low && r.y <= cap.high);
  const beside = alongside.some(
    (r) => isBodySize(r.size, bodySize) && r.x >= cap.x1 - 0.25 * bodySize && r.x - cap.x1 < 3 * bodySize,
  );
  const before = alongside.some((r) => r.x < cap.x1 - 0.25 * bodySize);
  return beside && !before ? cap : null;
}

/** Marks the lines beside the cap (their indent is measured from its right edge) and the cap's own line. */
export function attachDropCap(cap: DropCap, lines: Line[], bodySize: number): void {
  const beside = lines.filter((l) => l.y >= cap.low && l.y <= cap.high && l.x0 >= cap.x1 - 0.25 * bodySize);
  if (beside.length === 0) return;
  for (const line of beside) line.leftEdge = cap.x1;
  const first = beside.reduce((a, b) => (b.y > a.y ? b : a));
  first.dropCap = cap.letters;
  first.x0 = cap.x0;
  first.leftEdge = cap.x0;
}

/**
 * The cap's line as read: cap and text joined ("C" + "all me" -> "Call me"), or apart when the cap is a word by itself
 * there: the joined form is not a word of the document, the cap is a word, and the word beside it is one of the
 * document's or, failing that, an English word whose joined form is not ("I" + "stuffed").
 */
export function withDropCap(cap: string, rest: string, words: WordList): string {
  const capLetters = cap.replace(OPENING_QUOTE, '');
  if (capLetters === '') return cap + rest;
  const first = (LEADING_WORD.exec(rest) ?? [''])[0];
  if (first === '') return `${cap} ${rest}`;
  const capIsWord = words.has(capLetters) || isEnglishWord(capLetters);
  const firstIsWord = words.has(first) || (isEnglishWord(first) && !isEnglishWord(capLetters + first));
  return !words.has(capLetters + first) && capIsWord && firstIsWord ? `${cap} ${rest}` : cap + rest;
}
