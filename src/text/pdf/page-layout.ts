// Layout measured on each page, not once per document: a two-sided book alternates its margins (odd pages at 31.5 pt,
// even ones at 52.5 pt, say), so an indent is only an indent relative to its own page. A page with too few body lines
// to measure (a chapter's last lines, a short page) borrows the measurement of its parity family (odd or even pages),
// and failing that the whole document's.

import { isBodySize } from './drop-caps';
import type { Line } from './lines';

export interface PageLayout {
  /** Left margin of body lines. */
  left: number;
  /** Right edge that full body lines reach. */
  right: number;
  /** Usual distance between consecutive body baselines. */
  spacing: number;
  /** 'page': measured on the page itself; 'family': borrowed from its odd/even family; 'document': from all pages. */
  source: 'page' | 'family' | 'document';
}

/** Fewer body lines than this and a page's own margins are not trusted. */
const MIN_LINES = 6;

export function measurePages(pages: { number: number; lines: Line[] }[], bodySize: number): Map<number, PageLayout> {
  const own = new Map<number, PageLayout | null>();
  for (const page of pages)
    own.set(
      page.number,
      measure(
        page.lines.filter((l) => isBodySize(l.size, bodySize)),
        bodySize,
      ),
    );
  const all = pages.flatMap((p) => p.lines.filter((l) => isBodySize(l.size, bodySize)));
  const documentLayout: PageLayout = { ...(measure(all, bodySize, 1) ?? fallback(bodySize)), source: 'document' };
  const family = [0, 1].map((parity) =>
    familyLayout([...own].filter(([n, m]) => n % 2 === parity && m !== null).map(([, m]) => m!)),
  );
  const layouts = new Map<number, PageLayout>();
  for (const page of pages) {
    const measured = own.get(page.number) ?? null;
    const typical = family[page.number % 2];
    if (measured && !(typical && reliesOnIndentedLines(measured, typical, bodySize)))
      layouts.set(page.number, measured);
    else if (typical) layouts.set(page.number, { ...typical, source: 'family' });
    else layouts.set(page.number, documentLayout);
  }
  return layouts;
}

function fallback(bodySize: number): PageLayout {
  return { left: 0, right: Infinity, spacing: 1.2 * bodySize, source: 'document' };
}

/**
 * A page whose every line is indented (one-line paragraphs of dialogue) would take its indent for its margin. It is
 * told from a page whose whole text block sits further right (a two-sided book whose parity changed after a blank
 * page) by its right edge, which did not move along.
 */
function reliesOnIndentedLines(measured: PageLayout, typical: PageLayout, bodySize: number): boolean {
  const shift = measured.left - typical.left;
  return shift > 0.5 * bodySize && shift < 4 * bodySize && measured.right - typical.right < shift - 0.5 * bodySize;
}

function measure(lines: Line[], bodySize: number, minLines = MIN_LINES): PageLayout | null {
  if (lines.length < minLines) return null;
  const besideNothing = lines.filter((l) => Number.isNaN(l.leftEdge));
  const starts = (besideNothing.length > 0 ? besideNothing : lines).map((l) => Math.round(l.x0));
  const left = marginOf(starts, lines.length);
  const rights = lines.map((l) => l.x1).sort((a, b) => a - b);
  const right = rights[Math.floor(0.9 * (rights.length - 1))];
  const gaps: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const gap = lines[i - 1].y - lines[i].y;
    if (lines[i].page === lines[i - 1].page && gap > 0 && gap < 2.5 * bodySize) gaps.push(gap);
  }
  gaps.sort((a, b) => a - b);
  const spacing = gaps.length > 0 ? gaps[Math.floor(gaps.length / 2)] : 1.2 * bodySize;
  return { left, right, spacing, source: 'page' };
}

/**
 * The leftmost start shared by at least a fifth of the lines (at least two): lines further left are strays (a
 * protruding quote), lines further right are indents, centred headings or quotations.
 */
function marginOf(starts: number[], lineCount: number): number {
  const counts = new Map<number, number>();
  for (const x of starts) for (const near of [x - 1, x, x + 1]) counts.set(near, (counts.get(near) ?? 0) + 1);
  const needed = Math.max(2, Math.ceil(0.2 * lineCount));
  const candidates = [...counts].filter(([, c]) => c >= needed).map(([x]) => x);
  return candidates.length > 0 ? Math.min(...candidates) + 1 : Math.min(...starts);
}

/**
 * The layout most pages of a family share: medians of their measurements, the lower median for the margin (pages of
 * indented dialogue only ever measure it too far right).
 */
function familyLayout(layouts: PageLayout[]): PageLayout | null {
  if (layouts.length === 0) return null;
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const lowerMedian = (values: number[]) => values.sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
  return {
    left: lowerMedian(layouts.map((l) => l.left)),
    right: median(layouts.map((l) => l.right)),
    spacing: median(layouts.map((l) => l.spacing)),
    source: 'family',
  };
}
