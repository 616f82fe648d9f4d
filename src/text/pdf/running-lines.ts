// Running heads, running feet and page numbers, found by similarity rather than identity, in the first and last lines
// of each page (the band comes from the page's own text, not from a fixed fraction of its height: a footer at 13.7 %
// of the page is still the page's last line).
//
// - A line's key masks digits, roman numerals and the control and private-use characters some fonts map their digits
//   to ("Free eBooks at Site \u0018\u0019" and "Free eBooks at Site 13" share the key "free ebooks at site #").
// - A key recurs when it is on at least half of the pages between its first and last appearance, among all pages or
//   among the odd or the even pages alone (a two-sided book alternates "Book Title 14" and "Site 13"). On two pages
//   only, it must also stand apart from the body (a gap of more than 1.8 body sizes), so that two short lines of
//   dialogue that happen to open nearby pages are not taken for a running head.
// - A line that names a heading of the document (the book's title, a chapter title: text set larger elsewhere) with at
//   most two other words ("CHAPTER 2. THE POOL OF TEARS") is a running head when at least two such lines stand apart
//   from the body.
// - A head that wraps onto a second line: the line next to a removed one, towards the body, standing apart from it.
// - A bare number (digits, a roman numeral, or digit-like control characters, with punctuation around it) is a page
//   number when it recurs as above, or when it is its page's first or last line, apart from the body, and its value
//   minus its page's index agrees with another such number's (a chapter opening's number at the foot).
// - A line in the same slot (baseline and size) as removed lines on two other pages is removed too: a running head that
//   changes with every short chapter may be printed once per chapter.
// Headings (text at least 1.3 times the body size) are never running lines.

import type { Line } from './lines';
import { isRomanNumeral, numberValue } from './numerals';

export type RunningReason = 'running-header' | 'running-footer' | 'page-number';

export interface RunningLine {
  line: Line;
  reason: RunningReason;
}

interface Candidate {
  line: Line;
  zone: 'top' | 'bottom';
  key: string;
  /** More than 1.8 body sizes from the next line towards the body (or no such line). */
  apart: boolean;
  /** The next line towards the page's edge, if any. */
  outer?: Line;
}

/** The page's first or last line, standing apart from the body. */
const atEdge = (c: Candidate) => c.outer === undefined && c.apart;

function runningKey(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[\p{Cc}\p{Co}\d]+/gu, '#')
    .replace(/[\p{L}]+/gu, (word) => (isRomanNumeral(word) ? '#' : word))
    .replace(/\s+/g, ' ')
    .trim();
}

function isBareNumber(key: string): boolean {
  return key.replace(/[^\p{L}#]/gu, '') === '#';
}

export function findRunningLines(pages: { number: number; lines: Line[] }[], bodySize: number): RunningLine[] {
  const candidates = pages.flatMap((p) => zoneLines(p.lines, bodySize)).filter((c) => /[\p{L}#]/u.test(c.key));
  const removed = new Map<Line, RunningReason>();
  const zoneReason = (c: Candidate): RunningReason => (c.zone === 'top' ? 'running-header' : 'running-footer');
  const groups = groupBy(candidates, (c) => `${c.zone}\u0000${Math.round(c.line.size)}\u0000${c.key}`);
  for (const group of groups) {
    const apart = group.every((c) => c.apart);
    if (
      !recurs(
        group.map((c) => c.line.page),
        apart,
      )
    )
      continue;
    for (const c of group) removed.set(c.line, isBareNumber(c.key) ? 'page-number' : zoneReason(c));
  }
  const headings = headingKeys(pages, bodySize);
  const naming = candidates.filter((c) => c.apart && namesHeading(c.key, headings));
  if (naming.length >= 2) for (const c of naming) if (!removed.has(c.line)) removed.set(c.line, zoneReason(c));
  for (const c of agreeingPageNumbers(candidates.filter((c) => isBareNumber(c.key) && atEdge(c))))
    removed.set(c.line, 'page-number');
  for (const c of candidates) {
    if (!removed.has(c.line) && inRemovedSlot(c.line, removed))
      removed.set(c.line, isBareNumber(c.key) ? 'page-number' : zoneReason(c));
  }
  for (const c of candidates) {
    if (
      !removed.has(c.line) &&
      c.apart &&
      c.outer &&
      removed.has(c.outer) &&
      Math.abs(c.outer.y - c.line.y) <= 1.5 * c.line.size
    ) {
      removed.set(c.line, zoneReason(c));
    }
  }
  return [...removed].map(([line, reason]) => ({ line, reason }));
}

/** The first two and last two lines of a page (of a page of three lines or fewer: by which half they are in). */
function zoneLines(lines: Line[], bodySize: number): Candidate[] {
  const out: Candidate[] = [];
  const n = lines.length;
  const middle = n > 0 ? (lines[0].y + lines[n - 1].y) / 2 : 0;
  lines.forEach((line, i) => {
    if (line.size >= 1.3 * bodySize) return;
    const top = n >= 4 ? i < 2 : line.y >= middle;
    const bottom = n >= 4 ? i >= n - 2 : !top;
    if (!top && !bottom) return;
    const neighbour = top ? lines[i + 1] : lines[i - 1];
    const apart = !neighbour || Math.abs(line.y - neighbour.y) > 1.8 * bodySize;
    out.push({
      line,
      zone: top ? 'top' : 'bottom',
      key: runningKey(line.raw),
      apart,
      outer: top ? lines[i - 1] : lines[i + 1],
    });
  });
  return out;
}

function groupBy<T>(items: T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()];
}

/** On at least half of the pages from its first to its last appearance: of all pages, or of one parity. */
function recurs(pageNumbers: number[], apart: boolean): boolean {
  const distinct = [...new Set(pageNumbers)];
  if (distinct.length < 2 || (distinct.length === 2 && !apart)) return false;
  const dense = (pages: number[], step: number) =>
    pages.length >= 2 && pages.length / ((Math.max(...pages) - Math.min(...pages)) / step + 1) >= 0.5;
  return (
    dense(distinct, 1) ||
    [0, 1].some((parity) =>
      dense(
        distinct.filter((p) => p % 2 === parity),
        2,
      ),
    )
  );
}

/** Texts set large (headings, the title page), as keys with numbers and punctuation left out. */
function headingKeys(pages: { lines: Line[] }[], bodySize: number): Set<string> {
  const keys = new Set<string>();
  for (const page of pages) {
    for (const line of page.lines) {
      const key = wordsOf(runningKey(line.raw));
      if (line.size >= 1.15 * bodySize && key.length >= 4) keys.add(key);
    }
  }
  return keys;
}

function wordsOf(key: string): string {
  return key
    .replace(/[^\p{L}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function namesHeading(key: string, headings: Set<string>): boolean {
  const words = wordsOf(key);
  for (const heading of headings) {
    const at = ` ${words} `.indexOf(` ${heading} `);
    if (at < 0) continue;
    const rest = (words.slice(0, at) + ' ' + words.slice(at + heading.length)).trim();
    if (rest === '' || rest.split(' ').length <= 2) return true;
  }
  return false;
}

/** Bare numbers whose value minus their page's index agrees with another page's: a numbering sequence. */
function agreeingPageNumbers(bare: Candidate[]): Candidate[] {
  const offsets = new Map<string, Candidate[]>();
  for (const c of bare) {
    const value = numberValue(c.line.raw);
    if (value === null) continue;
    const k = `${value.roman}\u0000${value.value - c.line.page}`;
    offsets.set(k, [...(offsets.get(k) ?? []), c]);
  }
  return [...offsets.values()].filter((group) => new Set(group.map((c) => c.line.page)).size >= 2).flat();
}

function inRemovedSlot(line: Line, removed: Map<Line, RunningReason>): boolean {
  const pages = new Set<number>();
  for (const other of removed.keys()) {
    if (other.page !== line.page && Math.abs(other.y - line.y) <= 1 && Math.abs(other.size - line.size) <= 0.5)
      pages.add(other.page);
  }
  return pages.size >= 2;
}
