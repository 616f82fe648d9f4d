// Tables of contents: a run of at least three entries (lines ending in a page number, arabic or roman, after a space
// or dot leaders) whose arabic numbers never decrease, with at most two continuation lines between entries (an entry
// that wraps), possibly across a page break. The block, from its first to its last entry, is left out of the corpus by
// default; so is its title, when the line just above the first entry on the same page is a short line (at most three
// words) that is not an entry ("Contents").

import type { Line } from './lines';
import { isRomanNumeral } from './numerals';

const ENTRY = /[\p{L}].*?(?:\s*\.(?:\s*\.)+\s*|\s+)(\d{1,4}|[ivxlcdm]{1,7})$/iu;

export function isContentsEntry(text: string): boolean {
  const match = ENTRY.exec(text);
  return match !== null && (/\d/.test(match[1]) || isRomanNumeral(match[1]));
}

export function findTableOfContents(lines: Line[]): Line[] {
  const found: Line[] = [];
  let i = 0;
  while (i < lines.length) {
    const block = entryRun(lines, i);
    if (block === null) {
      i++;
      continue;
    }
    const [start, end] = block;
    const title = lines[start - 1];
    const hasTitle =
      title && title.page === lines[start].page && !isContentsEntry(title.text) && title.text.split(/\s+/).length <= 3;
    found.push(...lines.slice(hasTitle ? start - 1 : start, end + 1));
    i = end + 1;
  }
  return found;
}

/** [first, last] line index of a run of entries starting at `start`, or null if fewer than three. */
function entryRun(lines: Line[], start: number): [number, number] | null {
  if (!isContentsEntry(lines[start].text)) return null;
  let last = start;
  let entries = 1;
  let previousNumber = entryNumber(lines[start].text);
  for (let j = start + 1; j < lines.length && j - last <= 3; j++) {
    if (!isContentsEntry(lines[j].text)) continue;
    const number = entryNumber(lines[j].text);
    if (number !== null && previousNumber !== null && number < previousNumber) break;
    if (number !== null) previousNumber = number;
    last = j;
    entries++;
  }
  return entries >= 3 ? [start, last] : null;
}

/** The arabic page number an entry ends in; null for a roman one (front-matter pages come before page 1). */
function entryNumber(text: string): number | null {
  const match = /(\d+)$/.exec(text);
  return match ? Number(match[1]) : null;
}
