// PDF to text with pdfjs-dist: positioned text runs -> lines -> paragraphs, undoing what book layout does to text.
// Each step is a file of src/text/pdf/ that states its rules:
//   read.ts          pdfjs, errors for missing, non-PDF, encrypted and unreadable files
//   lines.ts         runs -> lines (superscripts kept in their line)
//   drop-caps.ts     large initials, letters or an opening quote
//   running-lines.ts running heads and feet, page numbers (by similarity, odd and even pages as two families)
//   contents.ts      tables of contents (left out unless toc: 'keep')
//   adverts.ts       front-matter adverts and notices with a web address (left out unless adverts: 'keep')
//   page-layout.ts   margins, right edge and line spacing of each page
//   paragraphs.ts    paragraph breaks on positive evidence only, joins across page breaks
//   hyphenation.ts   line-end hyphens: the document decides, an English word list is the second opinion
//   report.ts        the quality report and its one-line summary
// Characters: controls, private-use and other invisible characters are dropped, zero-width spaces/non-joiners resolved
// (see clean.ts), ligatures expanded. Quotes and dashes are left as printed: corpus loading maps them.

import { resolveZeroWidth } from './clean';
import { OptionError } from '../core/errors';
import { checkOptions } from '../core/options';
import { WordList } from './word-list';
import { findAdverts } from './pdf/adverts';
import { findTableOfContents, isContentsEntry } from './pdf/contents';
import { attachDropCap, findDropCaps, LEADING_WORD } from './pdf/drop-caps';
import { groupLines, type Line } from './pdf/lines';
import { measurePages } from './pdf/page-layout';
import { assembleParagraphs } from './pdf/paragraphs';
import { PdfError } from './pdf/pdf-error';
import { readPages, readSource, type RawPage, type Run } from './pdf/read';
import { qualityReport, type PdfQuality, type RemovedLine } from './pdf/report';
import { findRunningLines } from './pdf/running-lines';

export { PdfError, type PdfErrorCode } from './pdf/pdf-error';
export { pdfSummary, type PdfQuality, type RemovedLine, type RemovalReason, type PageDiagnostics } from './pdf/report';
export type { HyphenDecision, HyphenReason } from './pdf/hyphenation';

export interface PdfTextOptions {
  /** User password of an encrypted PDF. */
  password?: string;
  /** A table of contents is left out of the text by default ('drop'); 'keep' keeps it. */
  toc?: 'drop' | 'keep';
  /** Front-matter adverts and notices with a web address are left out by default ('drop'); 'keep' keeps them. */
  adverts?: 'drop' | 'keep';
  onProgress?: (pagesRead: number, pageCount: number) => void;
  signal?: AbortSignal;
}

export interface PdfText {
  /** Paragraphs separated by a blank line. */
  text: string;
  paragraphs: string[];
  pageCount: number;
  /** Every line left out of the text, with the reason: running heads and feet, page numbers, contents, adverts. */
  removedLines: RemovedLine[];
  /** 1-based numbers of pages that had no text at all (scanned pages inside a text PDF, blank pages). */
  pagesWithoutText: number[];
  /** Per-page layout, removal counts and line-end hyphen decisions; pdfSummary(result) gives it as one line. */
  quality: PdfQuality;
}

const PDF_OPTION_KEYS = ['password', 'toc', 'adverts', 'onProgress', 'signal'];

/** Text of a PDF (a path or its bytes); see extractPdf for the details. */
export async function extractPdfText(source: string | Uint8Array, options: PdfTextOptions = {}): Promise<string> {
  return (await extractPdf(source, options)).text;
}

export async function extractPdf(source: string | Uint8Array, options: PdfTextOptions = {}): Promise<PdfText> {
  checkOptions('extractPdf', options, PDF_OPTION_KEYS);
  for (const key of ['toc', 'adverts'] as const) {
    const value = options[key];
    if (value !== undefined && value !== 'drop' && value !== 'keep')
      throw new OptionError(`extractPdf: ${key} must be 'drop' or 'keep', got ${JSON.stringify(value)}`);
  }
  const { bytes, name } = await readSource(source);
  const raw = await readPages(bytes, name, options);
  const pagesWithoutText = raw.filter((p) => !p.runs.some((r) => r.raw.trim() !== '')).map((p) => p.number);
  if (pagesWithoutText.length === raw.length) {
    throw new PdfError(
      'no-text-layer',
      `${name} has no text layer on any of its ${raw.length} page(s): it looks like a scanned document (images only). Run OCR on it first.`,
    );
  }
  const bodySize = dominantSize(raw.flatMap((p) => p.runs));
  const pages = raw.map((p) => ({ number: p.number, lines: layOutPage(p, bodySize) }));
  const removed = leaveOut(pages, bodySize, options);
  const layouts = measurePages(pages, bodySize);
  const lines = pages.flatMap((p) => p.lines);
  const words = documentWords(lines);
  const assembled = assembleParagraphs(lines, layouts, words);
  const paragraphs = assembled.paragraphs
    .map((p) =>
      resolveZeroWidth(p, words)
        .replace(/\u00AD/g, '')
        .replace(/ {2,}/g, ' ')
        .trim(),
    )
    .filter((p) => p !== '');
  const quality = qualityReport(raw, layouts, removed, assembled.hyphens, paragraphs.length);
  return {
    text: paragraphs.join('\n\n'),
    paragraphs,
    pageCount: raw.length,
    removedLines: quality.removedLines,
    pagesWithoutText,
    quality,
  };
}

type Removal = { line: Line; reason: RemovedLine['reason'] };

/** Takes running lines, contents and adverts out of `pages` (contents and adverts unless kept) and lists them. */
function leaveOut(pages: { number: number; lines: Line[] }[], bodySize: number, options: PdfTextOptions): Removal[] {
  // Contents lines name the chapter titles that running heads repeat: only a contents page's first and last lines
  // (where its own head or page number sits) stay candidates for running lines.
  const contents = findTableOfContents(pages.flatMap((p) => p.lines));
  const inner = new Set(contents.filter((l) => isContentsEntry(l.text) || !isFirstOrLast(l, pages[l.page - 1].lines)));
  const running = findRunningLines(
    pages.map((p) => ({ number: p.number, lines: p.lines.filter((l) => !inner.has(l)) })),
    bodySize,
  );
  const removed: Removal[] = [...running];
  dropLines(pages, running);
  const runningLines = new Set(running.map((r) => r.line));
  if (options.toc !== 'keep')
    removed.push(
      ...drop(
        pages,
        contents.filter((l) => !runningLines.has(l)),
        'table-of-contents',
      ),
    );
  if (options.adverts !== 'keep')
    removed.push(...drop(pages, findAdverts(pages, bodySize, [...runningLines]), 'advert'));
  return removed;
}

/** The font size carrying the most visible characters: the body text's. */
function dominantSize(runs: Run[]): number {
  const weight = new Map<number, number>();
  for (const run of runs) {
    const key = Math.round(run.size * 2) / 2;
    weight.set(key, (weight.get(key) ?? 0) + run.text.replace(/\s/g, '').length);
  }
  let best = 0;
  let bestWeight = -1;
  for (const [size, w] of weight) {
    if (w > bestWeight) {
      best = size;
      bestWeight = w;
    }
  }
  return best || 10;
}

function layOutPage(page: RawPage, bodySize: number): Line[] {
  const { caps, capRuns } = findDropCaps(page.runs, bodySize);
  const lines = groupLines(
    page.runs.filter((r) => !capRuns.has(r)),
    page.number,
  );
  for (const cap of caps) attachDropCap(cap, lines, bodySize);
  return lines.filter((l) => l.raw.trim() !== '');
}

function isFirstOrLast(line: Line, lines: Line[]): boolean {
  return line === lines[0] || line === lines[lines.length - 1];
}

function dropLines(pages: { lines: Line[] }[], removed: { line: Line }[]): void {
  const gone = new Set(removed.map((r) => r.line));
  for (const page of pages) page.lines = page.lines.filter((l) => !gone.has(l));
}

function drop(pages: { lines: Line[] }[], lines: Line[], reason: RemovedLine['reason']): Removal[] {
  const removed = lines.map((line) => ({ line, reason }));
  dropLines(pages, removed);
  return removed;
}

/**
 * The document's words, as decided by its layout-free occurrences: zero-width runs count as gaps, and the first word
 * beside a drop cap is left out (it is a fragment until the cap is attached).
 */
function documentWords(lines: Line[]): WordList {
  const text = lines.map((l) => (l.dropCap ? l.text.replace(LEADING_WORD, '') : l.text)).join('\n');
  return WordList.fromText(text.replace(/[\u200B\u200C]+/g, ' '));
}
