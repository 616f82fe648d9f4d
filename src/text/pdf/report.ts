// The quality report of an extraction: what each page's layout measured, every line left out and why, every line-end
// hyphen decision; pdfSummary says it in one line for a notebook to print after loading a PDF.

import type { HyphenDecision, HyphenReason } from './hyphenation';
import type { Line } from './lines';
import type { PageLayout } from './page-layout';
import type { RawPage } from './read';
import type { RunningReason } from './running-lines';

export type RemovalReason = RunningReason | 'table-of-contents' | 'advert';

export interface RemovedLine {
  page: number;
  /** The line's visible text; characters that are not (a page number in a font mapping digits to controls) as \uXXXX. */
  text: string;
  reason: RemovalReason;
}

export interface PageDiagnostics {
  page: number;
  /** Left margin, right edge and line spacing the paragraph rules used on this page (points). */
  left: number;
  right: number;
  spacing: number;
  /** Measured on the page itself, or borrowed from its odd/even family or the document (too few lines). */
  layoutSource: PageLayout['source'];
  removed: number;
}

export interface PdfQuality {
  pages: PageDiagnostics[];
  removedLines: RemovedLine[];
  removedByReason: Record<RemovalReason, number>;
  hyphens: {
    total: number;
    joined: number;
    kept: number;
    byReason: Partial<Record<HyphenReason, number>>;
    decisions: HyphenDecision[];
  };
  paragraphs: number;
}

export function qualityReport(
  pages: RawPage[],
  layouts: Map<number, PageLayout>,
  removed: { line: Line; reason: RemovalReason }[],
  hyphens: HyphenDecision[],
  paragraphs: number,
): PdfQuality {
  const removedLines = removed
    .slice()
    .sort((a, b) => a.line.page - b.line.page || b.line.y - a.line.y)
    .map(({ line, reason }) => ({ page: line.page, text: shown(line), reason }));
  const removedByReason: Record<RemovalReason, number> = {
    'running-header': 0,
    'running-footer': 0,
    'page-number': 0,
    'table-of-contents': 0,
    advert: 0,
  };
  for (const r of removedLines) removedByReason[r.reason]++;
  const perPage = new Map<number, number>();
  for (const r of removedLines) perPage.set(r.page, (perPage.get(r.page) ?? 0) + 1);
  const diagnostics = pages.map((p) => {
    const layout = layouts.get(p.number)!;
    const round = (v: number) => Math.round(v * 100) / 100;
    return {
      page: p.number,
      left: round(layout.left),
      right: round(layout.right),
      spacing: round(layout.spacing),
      layoutSource: layout.source,
      removed: perPage.get(p.number) ?? 0,
    };
  });
  const byReason: Partial<Record<HyphenReason, number>> = {};
  for (const h of hyphens) byReason[h.reason] = (byReason[h.reason] ?? 0) + 1;
  const joined = hyphens.filter((h) => h.joined).length;
  return {
    pages: diagnostics,
    removedLines,
    removedByReason,
    hyphens: { total: hyphens.length, joined, kept: hyphens.length - joined, byReason, decisions: hyphens },
    paragraphs,
  };
}

function shown(line: Line): string {
  if (line.text !== '') return line.text;
  return line.raw.replace(
    /[\p{Cc}\p{Co}]/gu,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
}

/**
 * One line for a notebook: "78 pages, 34 running heads, 0 running feet and 76 page numbers removed, 41 contents and
 * 5 advert lines left out, 233 line-end hyphens: 211 joined, 22 kept, 842 paragraphs".
 */
export function pdfSummary(result: { pageCount: number; quality: PdfQuality }): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const r = result.quality.removedByReason;
  const h = result.quality.hyphens;
  return [
    `${n(result.pageCount)} pages`,
    `${n(r['running-header'])} running heads, ${n(r['running-footer'])} running feet and ${n(r['page-number'])} page numbers removed`,
    `${n(r['table-of-contents'])} contents and ${n(r.advert)} advert lines left out`,
    `${n(h.total)} line-end hyphens: ${n(h.joined)} joined, ${n(h.kept)} kept`,
    `${n(result.quality.paragraphs)} paragraphs`,
  ].join(', ');
}
