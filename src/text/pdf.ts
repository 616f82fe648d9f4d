// PDF to text with pdfjs-dist: positioned text runs -> lines -> paragraphs, undoing what page layout does to text.
//
// - Reading order: runs grouped into lines by baseline, lines read top to bottom, runs left to right (one column;
//   multi-column layouts are not separated).
// - Running headers, footers and page numbers: lines in the top or bottom band of a page whose text (digits and
//   roman numerals masked) and font size recur on at least half of the pages between their first and last
//   appearance, so both "Chapter One - page 7" on every page and alternating left/right headers qualify, while a
//   chapter heading near the top of two distant pages does not. Nothing is matched by hard-coded strings.
// - Drop caps: a run of one or two letters at least 1.8 times the body size, with body text immediately to its right
//   within its height, is taken out of line grouping (its baseline sits on a lower line) and prefixed to the topmost
//   line beside it; joined to that line's first word unless the document's own word list says the cap is a word by
//   itself there ("A" + "long" becomes "Along" only if "along" is a word of the document).
// - Paragraphs: a new paragraph starts at a vertical gap larger than the usual line spacing, a change of font size,
//   or a first-line indent; across a page break only at an indent, a size change, or after a short line that ends a
//   sentence.
// - Line-end hyphens: a soft hyphen always joins; "-" or U+2010 before a lowercase letter joins ("strik-" + "ing")
//   unless the document spells the hyphenated form more often than the joined one elsewhere ("well-known"); before a
//   capital or a digit the hyphen stays ("Anglo-" + "Saxon"). A line ending in an em or en dash joins without a space.
// - Characters: controls, private-use and other invisible characters are dropped, zero-width spaces/non-joiners
//   resolved (see clean.ts), ligatures expanded. Quotes and dashes are left as printed: corpus loading maps them.

import { promises as fs } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import { expandLigatures, normaliseSpaces, removeInvisible, resolveZeroWidth } from './clean';
import { checkOptions, RfmLabError } from '../core';
import { WordList } from './word-list';

export type PdfErrorCode = 'missing-file' | 'not-pdf' | 'encrypted' | 'wrong-password' | 'no-text-layer' | 'unreadable';

export class PdfError extends RfmLabError {
  constructor(readonly code: PdfErrorCode, message: string) {
    super(message);
  }
}

export interface PdfTextOptions {
  /** User password of an encrypted PDF. */
  password?: string;
  /** Fraction of the page height, at top and bottom, searched for running headers and footers. Default 0.12. */
  band?: number;
  onProgress?: (pagesRead: number, pageCount: number) => void;
}

export interface RemovedLine {
  page: number;
  text: string;
  reason: 'running-header' | 'running-footer';
}

export interface PdfText {
  /** Paragraphs separated by a blank line. */
  text: string;
  paragraphs: string[];
  pageCount: number;
  removedLines: RemovedLine[];
  /** 1-based numbers of pages that had no text at all (scanned pages inside a text PDF, blank pages). */
  pagesWithoutText: number[];
}

const PDF_OPTION_KEYS = ['password', 'band', 'onProgress'];

/** Text of a PDF (a path or its bytes); see extractPdf for the details. */
export async function extractPdfText(source: string | Uint8Array, options: PdfTextOptions = {}): Promise<string> {
  return (await extractPdf(source, options)).text;
}

export async function extractPdf(source: string | Uint8Array, options: PdfTextOptions = {}): Promise<PdfText> {
  checkOptions('extractPdf', options, PDF_OPTION_KEYS);
  const band = options.band ?? 0.12;
  if (!(band > 0 && band < 0.5)) throw new Error(`extractPdf: band must be in (0, 0.5), got ${band}`);
  const { bytes, name } = await readSource(source);
  const pages = await readPages(bytes, name, options);
  const pageCount = pages.length;
  const pagesWithoutText = pages.filter((p) => !p.runs.some((r) => r.text.trim() !== '')).map((p) => p.number);
  if (pagesWithoutText.length === pageCount) {
    throw new PdfError(
      'no-text-layer',
      `${name} has no text layer on any of its ${pageCount} page(s): it looks like a scanned document (images only). Run OCR on it first.`,
    );
  }
  const bodySize = dominantSize(pages.flatMap((p) => p.runs));
  const laidOut = pages.map((p) => layOutPage(p, bodySize));
  const removedLines = removeRunningLines(laidOut, band);
  const lines = laidOut.flatMap((p) => p.lines);
  const words = documentWords(lines);
  const paragraphs = assembleParagraphs(lines, bodySize, words)
    .map((p) => resolveZeroWidth(p, words).replace(/\u00AD/g, '').replace(/ {2,}/g, ' ').trim())
    .filter((p) => p !== '');
  return { text: paragraphs.join('\n\n'), paragraphs, pageCount, removedLines, pagesWithoutText };
}

// ---- Reading the document --------------------------------------------------------------------------------------

interface Run {
  text: string;
  x: number;
  y: number;
  width: number;
  size: number;
}

interface RawPage {
  number: number;
  top: number;
  bottom: number;
  runs: Run[];
}

// pdfjs is ESM-only; a Function-wrapped import() survives TypeScript's CommonJS output (which would turn a plain
// import() into require()).
interface PdfjsTextItem {
  str?: string;
  transform?: number[];
  width?: number;
}
interface PdfjsPage {
  view: number[];
  getTextContent(options: { disableNormalization: boolean }): Promise<{ items: PdfjsTextItem[] }>;
  cleanup(): void;
}
interface PdfjsDocument {
  numPages: number;
  getPage(pageNumber: number): Promise<PdfjsPage>;
  destroy(): Promise<void>;
}
interface PdfjsModule {
  getDocument(parameters: object): { promise: Promise<PdfjsDocument>; destroy(): Promise<void> };
}

let pdfjsModule: Promise<PdfjsModule> | undefined;

function loadPdfjs(): Promise<PdfjsModule> {
  if (!pdfjsModule) {
    const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<PdfjsModule>;
    pdfjsModule = importEsm(pathToFileURL(require.resolve('pdfjs-dist/legacy/build/pdf.mjs')).href);
  }
  return pdfjsModule;
}

async function readSource(source: string | Uint8Array): Promise<{ bytes: Uint8Array; name: string }> {
  let bytes: Uint8Array;
  let name: string;
  if (typeof source === 'string') {
    name = source;
    try {
      bytes = await fs.readFile(source);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new PdfError('missing-file', `PDF file not found: ${path.resolve(source)}`);
      if (code === 'EISDIR') throw new PdfError('missing-file', `${source} is a directory, not a PDF file`);
      throw error;
    }
  } else if (source instanceof Uint8Array) {
    name = 'the PDF data';
    bytes = source;
  } else {
    throw new Error('extractPdf: source must be a file path or a Uint8Array of PDF bytes');
  }
  // The header may be preceded by junk, but must be within the first kilobyte.
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  if (!head.includes('%PDF-')) {
    throw new PdfError('not-pdf', `${name} is not a PDF (no %PDF- header; it starts with ${JSON.stringify(head.slice(0, 16))})`);
  }
  // pdfjs takes ownership of (and may detach) the buffer it is given.
  return { bytes: new Uint8Array(bytes), name };
}

async function readPages(bytes: Uint8Array, name: string, options: PdfTextOptions): Promise<RawPage[]> {
  const pdfjs = await loadPdfjs();
  const fontDirectory = path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts') + path.sep;
  const task = pdfjs.getDocument({
    data: bytes,
    password: options.password,
    verbosity: 0,
    standardFontDataUrl: fontDirectory,
    isEvalSupported: false,
    useSystemFonts: false,
  });
  let document: PdfjsDocument;
  try {
    document = await task.promise;
  } catch (error) {
    await task.destroy().catch(() => undefined);
    throw translatePdfjsError(error, name, options.password !== undefined);
  }
  try {
    const pages: RawPage[] = [];
    for (let number = 1; number <= document.numPages; number++) {
      const page = await document.getPage(number);
      const content = await page.getTextContent({ disableNormalization: true });
      const [, bottom, , top] = page.view;
      pages.push({ number, top, bottom, runs: toRuns(content.items) });
      page.cleanup();
      options.onProgress?.(number, document.numPages);
    }
    return pages;
  } finally {
    await document.destroy();
  }
}

function translatePdfjsError(error: unknown, name: string, hadPassword: boolean): Error {
  const e = error as { name?: string; message?: string; code?: number };
  if (e?.name === 'PasswordException') {
    // pdfjs: code 1 = a password is needed, 2 = the given one is wrong.
    return hadPassword && e.code === 2
      ? new PdfError('wrong-password', `${name} is encrypted and the password given does not open it`)
      : new PdfError('encrypted', `${name} is encrypted (password-protected); pass { password } to read it`);
  }
  if (e?.name === 'InvalidPDFException') {
    return new PdfError('not-pdf', `${name} is not a valid PDF (${e.message ?? 'invalid structure'})`);
  }
  return new PdfError('unreadable', `${name} could not be read by pdfjs: ${e?.message ?? String(error)}`);
}

function toRuns(items: PdfjsTextItem[]): Run[] {
  const runs: Run[] = [];
  for (const item of items) {
    if (typeof item.str !== 'string' || item.str === '' || !item.transform) continue;
    const text = normaliseSpaces(expandLigatures(removeInvisible(item.str)));
    if (text === '') continue;
    const [a, b, c, d, x, y] = item.transform;
    const size = Math.hypot(c, d) || Math.hypot(a, b);
    runs.push({ text, x, y, width: item.width ?? 0, size });
  }
  return runs;
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

// ---- One page: drop caps, lines ------------------------------------------------------------------------------

interface Line {
  page: number;
  y: number;
  x0: number;
  x1: number;
  size: number;
  text: string;
  /** Left edge that this line's indent is measured from (further right beside a drop cap); NaN: the body's. */
  leftEdge: number;
  /** Drop cap letters that begin this line, '' if none. */
  dropCap: string;
}

interface DropCap {
  letters: string;
  x0: number;
  x1: number;
  low: number;
  high: number;
}

interface LaidOutPage {
  number: number;
  top: number;
  bottom: number;
  lines: Line[];
}

function layOutPage(page: RawPage, bodySize: number): LaidOutPage {
  const visible = page.runs.filter((r) => r.text.trim() !== '');
  const caps: DropCap[] = [];
  const capRuns = new Set<Run>();
  for (const run of visible) {
    const cap = asDropCap(run, visible, bodySize);
    if (cap) {
      caps.push(cap);
      capRuns.add(run);
    }
  }
  const lines = groupLines(page.runs.filter((r) => !capRuns.has(r)), page.number);
  for (const cap of caps) attachDropCap(cap, lines, bodySize);
  return { number: page.number, top: page.top, bottom: page.bottom, lines: lines.filter((l) => l.text.trim() !== '') };
}

function isBodySize(size: number, bodySize: number): boolean {
  return Math.abs(size - bodySize) <= 0.25 * bodySize;
}

/**
 * A large letter with body text right beside it, within its height, and none to its left there: a drop cap. Then
 * the line of that text starts right of the cap, so attachDropCap always finds it.
 */
function asDropCap(run: Run, runs: Run[], bodySize: number): DropCap | null {
  const letters = run.text.trim();
  if (run.size < 1.8 * bodySize || !/^["'\u2018\u201C]?[\p{L}\p{N}]{1,2}$/u.test(letters)) return null;
  const cap = { letters, x0: run.x, x1: run.x + run.width, low: run.y - 0.3 * bodySize, high: run.y + 0.9 * run.size };
  const alongside = runs.filter((r) => r !== run && r.y >= cap.low && r.y <= cap.high);
  const beside = alongside.some((r) => isBodySize(r.size, bodySize) && r.x >= cap.x1 - 0.25 * bodySize && r.x - cap.x1 < 3 * bodySize);
  const before = alongside.some((r) => r.x < cap.x1 - 0.25 * bodySize);
  return beside && !before ? cap : null;
}

function attachDropCap(cap: DropCap, lines: Line[], bodySize: number): void {
  const beside = lines.filter((l) => l.y >= cap.low && l.y <= cap.high && l.x0 >= cap.x1 - 0.25 * bodySize);
  for (const line of beside) line.leftEdge = cap.x1;
  const first = beside.reduce((a, b) => (b.y > a.y ? b : a));
  first.dropCap = cap.letters;
  first.x0 = cap.x0;
  first.leftEdge = cap.x0;
}

function groupLines(runs: Run[], page: number): Line[] {
  const sorted = runs.slice().sort((a, b) => b.y - a.y || a.x - b.x);
  const groups: Run[][] = [];
  for (const run of sorted) {
    const current = groups[groups.length - 1];
    if (current && Math.abs(current[0].y - run.y) <= 0.35 * Math.min(current[0].size, run.size)) current.push(run);
    else groups.push([run]);
  }
  return groups.map((group) => {
    group.sort((a, b) => a.x - b.x);
    let text = '';
    let previous: Run | null = null;
    for (const run of group) {
      if (previous) {
        // Some generators fake bold by printing the same run twice, slightly offset.
        if (run.text === previous.text && Math.abs(run.x - previous.x) < 0.1 * run.size) continue;
        const gap = run.x - (previous.x + previous.width);
        if (gap > 0.15 * Math.min(run.size, previous.size) && !/\s$/.test(text) && !/^\s/.test(run.text)) text += ' ';
      }
      text += run.text;
      previous = run;
    }
    const visible = group.filter((r) => r.text.trim() !== '');
    const measured = visible.length > 0 ? visible : group;
    const x0 = Math.min(...measured.map((r) => r.x));
    const x1 = Math.max(...measured.map((r) => r.x + r.width));
    const size = Math.max(...measured.map((r) => r.size));
    return { page, y: group[0].y, x0, x1, size, text: text.trim(), leftEdge: NaN, dropCap: '' };
  });
}

// ---- Running headers and footers -------------------------------------------------------------------------------

function runningKey(text: string): string {
  return text
    .toLowerCase()
    .replace(/\d+/g, '#')
    .replace(/\b[ivxlcdm]+\b/g, '#')
    .replace(/\s+/g, ' ')
    .trim();
}

function removeRunningLines(pages: LaidOutPage[], band: number): RemovedLine[] {
  const candidates: Candidate[] = [];
  for (const page of pages) {
    const height = page.top - page.bottom;
    for (const line of page.lines) {
      if (line.y >= page.top - band * height) candidates.push({ page: page.number, line, reason: 'running-header' });
      else if (line.y <= page.bottom + band * height) candidates.push({ page: page.number, line, reason: 'running-footer' });
    }
  }
  const removed = new Set<Candidate>();
  const groups = new Map<string, Candidate[]>();
  for (const c of candidates) {
    // The size is part of the key so that a chapter heading is never taken for the running header repeating it.
    const key = `${c.reason}\u0000${Math.round(c.line.size)}\u0000${runningKey(c.line.text)}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const group of groups.values()) {
    if (recursOften(group.map((c) => c.page))) for (const c of group) removed.add(c);
  }
  // A running header that changes with every short chapter may be printed only once per chapter; it still sits in
  // the slot (baseline and size) where the recurring ones were found, which no body line shares.
  const slots = [...removed].map((c) => c.line);
  for (const c of candidates) {
    if (removed.has(c)) continue;
    const matches = slots.filter((s) => s.page !== c.page && Math.abs(s.y - c.line.y) <= 1 && Math.abs(s.size - c.line.size) <= 0.5);
    if (new Set(matches.map((s) => s.page)).size >= 2) removed.add(c);
  }
  const removedLines = new Set([...removed].map((c) => c.line));
  for (const page of pages) page.lines = page.lines.filter((l) => !removedLines.has(l));
  return [...removed]
    .map((c) => ({ page: c.page, text: c.line.text, reason: c.reason }))
    .sort((a, b) => a.page - b.page || (a.reason < b.reason ? 1 : -1));
}

interface Candidate {
  page: number;
  line: Line;
  reason: RemovedLine['reason'];
}

/** On at least two pages, and on at least half of the pages from its first to its last appearance. */
function recursOften(pageNumbers: number[]): boolean {
  const distinct = new Set(pageNumbers);
  if (distinct.size < 2) return false;
  const span = Math.max(...distinct) - Math.min(...distinct) + 1;
  return distinct.size / span >= 0.5;
}

/**
 * The document's words, as decided by its layout-free occurrences: zero-width runs count as gaps, and the first word
 * beside a drop cap is left out (it is a fragment until the cap is attached).
 */
function documentWords(lines: Line[]): WordList {
  const text = lines.map((l) => (l.dropCap ? l.text.replace(LEADING_WORD, '') : l.text)).join('\n');
  return WordList.fromText(text.replace(/[\u200B\u200C]+/g, ' '));
}

// ---- Paragraphs -----------------------------------------------------------------------------------------------

interface BodyGeometry {
  size: number;
  left: number;
  right: number;
  spacing: number;
}

function bodyGeometry(lines: Line[], bodySize: number): BodyGeometry {
  const body = lines.filter((l) => isBodySize(l.size, bodySize));
  const source = body.length > 0 ? body : lines;
  const left = mode(source.map((l) => Math.round(l.x0)));
  const rights = source.map((l) => l.x1).sort((a, b) => a - b);
  const right = rights[Math.floor(0.9 * (rights.length - 1))] ?? left;
  const gaps: number[] = [];
  for (let i = 1; i < source.length; i++) {
    const gap = source[i - 1].y - source[i].y;
    if (source[i].page === source[i - 1].page && gap > 0 && gap < 2.5 * bodySize) gaps.push(gap);
  }
  gaps.sort((a, b) => a - b);
  const spacing = gaps.length > 0 ? gaps[Math.floor(gaps.length / 2)] : 1.2 * bodySize;
  return { size: bodySize, left, right, spacing };
}

function mode(values: number[]): number {
  const counts = new Map<number, number>();
  let best = values[0] ?? 0;
  for (const v of values) {
    const c = (counts.get(v) ?? 0) + 1;
    counts.set(v, c);
    if (c > (counts.get(best) ?? 0)) best = v;
  }
  return best;
}

function startsParagraph(previous: Line, line: Line, body: BodyGeometry): boolean {
  if (Math.abs(line.size - previous.size) > 0.15 * body.size) return true;
  const edge = Number.isNaN(line.leftEdge) ? body.left : line.leftEdge;
  if (line.x0 - edge > 0.8 * body.size) return true;
  if (line.page === previous.page) return previous.y - line.y > 1.45 * body.spacing;
  const shortLine = previous.x1 < body.right - 0.15 * (body.right - body.left);
  return shortLine && /[.!?:"\u201D\u2019)]$/.test(previous.text);
}

function assembleParagraphs(lines: Line[], bodySize: number, words: WordList): string[] {
  const body = bodyGeometry(lines, bodySize);
  const paragraphs: string[] = [];
  let current: string | null = null;
  let previous: Line | null = null;
  for (const line of lines) {
    const text = line.dropCap ? withDropCap(line.dropCap, line.text, words) : line.text;
    if (current === null || previous === null || startsParagraph(previous, line, body)) {
      if (current !== null) paragraphs.push(current);
      current = text;
    } else {
      current = joinLines(current, text, words);
    }
    previous = line;
  }
  if (current !== null) paragraphs.push(current);
  return paragraphs;
}

const LEADING_WORD = /^[\p{L}\p{N}]+(?:['\u2019\u2010-][\p{L}\p{N}]+)*/u;

function withDropCap(cap: string, rest: string, words: WordList): string {
  const capLetters = cap.replace(/^["'\u2018\u201C]/, '');
  const first = (LEADING_WORD.exec(rest) ?? [''])[0];
  const standsAlone = first !== '' && words.has(capLetters) && words.has(first) && !words.has(capLetters + first);
  return standsAlone || first === '' ? `${cap} ${rest}` : cap + rest;
}

function joinLines(paragraph: string, next: string, words: WordList): string {
  if (paragraph.endsWith('\u00AD')) return paragraph.slice(0, -1) + next;
  if (/[\u2013\u2014]$/.test(paragraph) && !/\s[\u2013\u2014]$/.test(paragraph)) return paragraph + next;
  // Only the tail can hold the broken word; matching the whole (growing) paragraph would be quadratic.
  const hyphenated = /([\p{L}\p{N}]+(?:['\u2019\u2010-][\p{L}\p{N}]+)*)[-\u2010]$/u.exec(paragraph.slice(-100));
  if (hyphenated) {
    const left = hyphenated[1];
    const right = (LEADING_WORD.exec(next) ?? [''])[0];
    if (right === '') return `${paragraph} ${next}`;
    if (!/^\p{Ll}/u.test(right)) return paragraph + next;
    const keepHyphen = words.count(`${left}-${right}`) > words.count(left + right);
    return keepHyphen ? paragraph + next : paragraph.slice(0, -1) + next;
  }
  return `${paragraph} ${next}`;
}
