// Two-sided book pages set by hand (pdf-lib), one layout quirk at a time: alternating margins, running feet in a
// 14 % band alternating between two texts, page numbers in a font whose digits extract as control characters,
// line-end hyphens, drop caps that are an opening quote, a front-matter advert, a table of contents.
//
// A page is a list of lines. A line starting with '\t' is a paragraph's indented first line, one starting with '#' a
// chapter heading (18 pt, with space after it); every other line is body text. Body lines are justified word by word
// (spaces exist only as gaps, as in real books) except a paragraph's last line.

import {
  PDFDocument,
  PDFFont,
  PDFHexString,
  PDFPage,
  PDFRef,
  StandardFonts,
  beginText,
  endText,
  moveText,
  setFontAndSize,
  showText,
} from 'pdf-lib';
import { fillLine } from './pdf-fixtures';

const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;
const BODY_SIZE = 11;
const LEADING = 14;
const MEASURE = 396;
const CAP_SIZE = 38;
const RUNNING_SIZE = 9;

export interface RunningText {
  /** Text before and after the page number ('' for none). */
  before: string;
  after: string;
  align: 'left' | 'right' | 'centre';
}

export interface BookSpec {
  pages: string[][];
  /** Left margin of odd and even pages (1-based page numbers). */
  oddLeft?: number;
  evenLeft?: number;
  /** Running foot of a page (null: none), drawn at `footY` (a fraction of the page height from the bottom). */
  foot?: (page: number) => RunningText | null;
  footY?: number;
  head?: (page: number) => RunningText | null;
  /** 'controls': page numbers drawn in a font whose ToUnicode map sends each digit d to U+0010 + d. */
  digits?: 'plain' | 'controls';
  /** Drop cap at the start of the first body line of a page: the large text and the page it is on. */
  dropCaps?: { page: number; text: string }[];
}

export async function setBook(spec: BookSpec): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.TimesRoman);
  const controlDigits = spec.digits === 'controls' ? controlDigitFont(doc) : null;
  const all = spec.pages.flat();
  let index = 0;
  spec.pages.forEach((lines, i) => {
    const number = i + 1;
    const page = doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    const left = number % 2 === 1 ? (spec.oddLeft ?? 72) : (spec.evenLeft ?? 72);
    const digitsFont = controlDigits ? page.node.newFontDictionary('Digits', controlDigits) : null;
    const running = (text: RunningText | null, y: number) =>
      text && drawRunning(page, font, digitsFont, text, number, left, y);
    running(spec.foot?.(number) ?? null, (spec.footY ?? 0.06) * PAGE_HEIGHT);
    running(spec.head?.(number) ?? null, PAGE_HEIGHT - 48);
    const cap = spec.dropCaps?.find((c) => c.page === number);
    const capInset = cap ? advance(font, cap.text, CAP_SIZE) + 4 : 0;
    let y = PAGE_HEIGHT - 90;
    let bodyLine = 0;
    lines.forEach((line) => {
      const next = all[index + 1];
      index++;
      if (line.startsWith('#')) {
        page.drawText(line.slice(1), { x: left, y, size: 18, font });
        y -= 40;
        return;
      }
      // The cap's baseline sits on the second line beside it.
      if (cap && bodyLine === 0) page.drawText(cap.text, { x: left, y: y - LEADING, size: CAP_SIZE, font });
      const inset = (cap && bodyLine < 2 ? capInset : 0) + (line.startsWith('\t') ? 18 : 0);
      bodyLine++;
      const last = next === undefined || next.startsWith('\t') || next.startsWith('#');
      drawJustified(page, font, line.replace(/^\t/, ''), left + inset, y, MEASURE - inset, last);
      y -= LEADING;
    });
  });
  return doc.save();
}

/** Width as drawn: pdf-lib's widthOfTextAtSize subtracts kerning that drawText never applies. */
function advance(font: PDFFont, text: string, size: number): number {
  return Array.from(text).reduce((sum, ch) => sum + font.widthOfTextAtSize(ch, size), 0);
}

function drawJustified(
  page: PDFPage,
  font: PDFFont,
  line: string,
  x: number,
  y: number,
  width: number,
  last: boolean,
): void {
  const words = line.split(' ').filter((w) => w !== '');
  const natural = words.reduce((sum, w) => sum + advance(font, w, BODY_SIZE), 0);
  const space = advance(font, ' ', BODY_SIZE);
  const gap = last || words.length < 2 ? space : (width - natural) / (words.length - 1);
  let cursor = x;
  for (const w of words) {
    page.drawText(w, { x: cursor, y, size: BODY_SIZE, font });
    cursor += advance(font, w, BODY_SIZE) + gap;
  }
}

function drawRunning(
  page: PDFPage,
  font: PDFFont,
  digitsFont: ReturnType<PDFPage['node']['newFontDictionary']> | null,
  text: RunningText,
  number: number,
  left: number,
  y: number,
): void {
  const digits = String(number);
  const digitsWidth = advance(font, digits, RUNNING_SIZE);
  const before = text.before === '' ? '' : `${text.before} `;
  const after = text.after === '' ? '' : ` ${text.after}`;
  const width = advance(font, before, RUNNING_SIZE) + digitsWidth + advance(font, after, RUNNING_SIZE);
  let x = text.align === 'left' ? left : text.align === 'right' ? left + MEASURE - width : left + (MEASURE - width) / 2;
  if (before) page.drawText(before, { x, y, size: RUNNING_SIZE, font });
  x += advance(font, before, RUNNING_SIZE);
  if (digitsFont) {
    const hex = Buffer.from(digits, 'latin1').toString('hex');
    page.pushOperators(
      beginText(),
      setFontAndSize(digitsFont, RUNNING_SIZE),
      moveText(x, y),
      showText(PDFHexString.of(hex)),
      endText(),
    );
  } else {
    page.drawText(digits, { x, y, size: RUNNING_SIZE, font });
  }
  x += digitsWidth;
  if (after) page.drawText(after, { x, y, size: RUNNING_SIZE, font });
}

/** Helvetica whose ToUnicode map sends the digit glyphs to U+0010..U+0019: they print as digits, extract as controls. */
function controlDigitFont(doc: PDFDocument): PDFRef {
  const cmap = [
    '/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /ControlDigits def /CMapType 2 def',
    '1 begincodespacerange <00> <FF> endcodespacerange',
    '10 beginbfchar',
    ...Array.from(
      { length: 10 },
      (_, d) => `<${(0x30 + d).toString(16)}> <${(0x10 + d).toString(16).padStart(4, '0')}>`,
    ),
    'endbfchar endcmap CMapName currentdict /CMap defineresource pop end end',
  ].join('\n');
  const toUnicode = doc.context.register(doc.context.flateStream(cmap));
  return doc.context.register(
    doc.context.obj({
      Type: 'Font',
      Subtype: 'Type1',
      BaseFont: 'Helvetica',
      Encoding: 'WinAnsiEncoding',
      ToUnicode: toUnicode,
    }),
  );
}

/**
 * Paragraphs broken into lines that fit the measure (no hyphenation), first lines marked '\t'; then cut into pages
 * of `perPage` lines.
 */
export async function wrap(paragraphs: string[], perPage: number): Promise<string[][]> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.TimesRoman);
  const lines: string[] = [];
  for (const paragraph of paragraphs) {
    let line = '\t';
    let width = MEASURE - 18;
    for (const word of paragraph.split(' ')) {
      const candidate = line === '\t' || line === '' ? line + word : `${line} ${word}`;
      if (advance(font, candidate.replace(/^\t/, ''), BODY_SIZE) > width && line !== '\t' && line !== '') {
        lines.push(line);
        line = word;
        width = MEASURE;
      } else {
        line = candidate;
      }
    }
    lines.push(line);
  }
  const pages: string[][] = [];
  for (let i = 0; i < lines.length; i += perPage) pages.push(lines.slice(i, i + perPage));
  return pages;
}

export interface EbookChapter {
  title: string;
  paragraphs: string[];
}

/**
 * A free e-book edition with every quirk at once: a publisher's advert page, a contents page, chapters opening on a
 * new page with a drop cap (an opening quote and its letter when the chapter starts with a quote), justified lines
 * hyphenated where a word does not fit (compounds at their own hyphen), margins alternating between 31.5 and 52.5 pt,
 * and running feet at 13.7 % of the page alternating "Free eBooks at Example eBook.com N" / "N Book Title" with the
 * numbers in a font whose digits extract as control characters.
 */
export async function ebookEdition(
  bookTitle: string,
  chapters: EbookChapter[],
): Promise<{ bytes: Uint8Array; expected: string; pageCount: number }> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.TimesRoman);
  const perPage = 40;
  const chapterPages: string[][][] = [];
  const caps: { page: number; text: string }[] = [];
  let pageNumber = 3;
  for (const chapter of chapters) {
    const first = chapter.paragraphs[0];
    const cap = /^["\u201C]/.test(first) ? first.slice(0, 2) : first[0];
    const capInset = advance(font, cap, CAP_SIZE) + 4;
    // The first two lines of a chapter stand beside the cap, whichever paragraph they belong to.
    const body: string[] = [];
    chapter.paragraphs.forEach((paragraph, k) => {
      const words = (k === 0 ? paragraph.slice(cap.length) : paragraph).split(' ');
      const widthOf = (i: number) => MEASURE - (body.length + i < 2 ? capInset : 0) - (i === 0 && k > 0 ? 18 : 0);
      body.push(...breakParagraph(words, font, widthOf, k === 0 ? '' : '\t'));
    });
    const lines = [`#${chapter.title}`, ...body];
    const pages: string[][] = [lines.slice(0, perPage - 3)];
    for (let i = perPage - 3; i < lines.length; i += perPage) pages.push(lines.slice(i, i + perPage));
    caps.push({ page: pageNumber, text: cap });
    chapterPages.push(pages);
    pageNumber += pages.length;
  }
  const advert = [
    '\tDownload free eBooks of classic literature, books and novels at',
    'Example eBook. Subscribe to our free eBooks blog and email',
    'newsletter.',
  ];
  let start = 3;
  const contents = ['#Contents'];
  chapters.forEach((chapter, k) => {
    contents.push(`${chapter.title} . . . . . . . . . . . . . . . . . . ${start}`);
    start += chapterPages[k].length;
  });
  const spec: BookSpec = {
    pages: [advert, contents, ...chapterPages.flat()],
    oddLeft: 31.5,
    evenLeft: 52.5,
    footY: 0.137,
    digits: 'controls',
    foot: (p) =>
      p % 2 === 1
        ? { before: 'Free eBooks at Example eBook.com', after: '', align: 'right' }
        : { before: '', after: bookTitle, align: 'left' },
    dropCaps: caps,
  };
  const expected = chapters.flatMap((c) => [c.title, ...c.paragraphs]).join('\n\n');
  return { bytes: await setBook(spec), expected, pageCount: spec.pages.length };
}

function breakParagraph(
  words: string[],
  font: PDFFont,
  widthOf: (line: number) => number,
  firstMark: string,
): string[] {
  const lines: string[] = [];
  let rest = words.filter((w) => w !== '');
  while (rest.length > 0) {
    const filled = fillLine(rest, font, widthOf(lines.length));
    lines.push((lines.length === 0 ? firstMark : '') + filled.line.join(' '));
    rest = filled.rest;
  }
  return lines;
}
