// PDFs made for the extraction tests, each with a known source text: printed books with running headers and footers,
// page numbers, hyphenated line ends and drop caps (pdf-lib), an image-only "scan", and an encrypted PDF.

import { createHash } from 'node:crypto';
import { PDFDocument, PDFFont, PDFPage, StandardFonts, rgb } from 'pdf-lib';

const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;
const MARGIN = 72;
const BODY_SIZE = 11;
const LEADING = 14;
const CAP_SIZE = 38;

export interface GeneratedPdf {
  bytes: Uint8Array;
  /** The text extraction should recover: paragraphs separated by a blank line. */
  expected: string;
  pageCount: number;
}

/**
 * A short hand-set chapter whose every line break is chosen: "strik-/ing" across a page break, "well-/known" at a line
 * end while "well-known" also appears unbroken, "vil-/lage", a drop cap "I" beside "t was", a running header, and a
 * footer "Chapter One — page N" with the page number at the right margin.
 */
export async function handSetChapter(): Promise<GeneratedPdf> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.TimesRoman);
  const pages: string[][] = [
    [
      't was a well-known fact in the valley that the old mill',
      'had stood there for two hundred years, and that it had',
      'never once been silent. The wheel turned in summer and in winter, in',
      'flood and in drought, and the miller, who was as old as anyone could',
      'remember, said that it would turn long after he was gone.',
      '\tThe miller was a well-',
      'known figure too: every morning he walked to the vil-',
      'lage with a sack of flour on his back, and “good morning,”',
      'he would say to everyone he met — the baker, the smith’s',
      'boy, the widow at the well — and nobody’s day was ever',
      'quite the same after that. What people found most strik-',
    ],
    [
      'ing about him was his laugh, which could be heard from one',
      'end of the street to the other.',
      '\tIn the evenings he sat by the water and counted the turns',
      'of the wheel, as other men count sheep.',
    ],
  ];
  const expected = [
    'Chapter One',
    'It was a well-known fact in the valley that the old mill had stood there for two hundred years, and that it had ' +
      'never once been silent. The wheel turned in summer and in winter, in flood and in drought, and the miller, who ' +
      'was as old as anyone could remember, said that it would turn long after he was gone.',
    'The miller was a well-known figure too: every morning he walked to the village with a sack of flour on his back, ' +
      'and “good morning,” he would say to everyone he met — the baker, the smith’s boy, the widow at the well — and ' +
      'nobody’s day was ever quite the same after that. What people found most striking about him was his laugh, which ' +
      'could be heard from one end of the street to the other.',
    'In the evenings he sat by the water and counted the turns of the wheel, as other men count sheep.',
  ].join('\n\n');

  pages.forEach((lines, index) => {
    const page = doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    drawRunningMatter(page, font, 'THE MILL ON THE RIVER', `Chapter One — page ${index + 1}`, String(index + 1));
    let y = PAGE_HEIGHT - MARGIN - 20;
    if (index === 0) {
      page.drawText('Chapter One', { x: MARGIN, y, size: 20, font });
      y -= 40;
      const capWidth = font.widthOfTextAtSize('I', CAP_SIZE);
      // The cap's baseline sits on the second line and its top near the first line's cap height.
      page.drawText('I', { x: MARGIN, y: y - LEADING, size: CAP_SIZE, font });
      lines.forEach((line, i) => {
        const x = i < 2 ? MARGIN + capWidth + 3 : MARGIN;
        drawBodyLine(page, font, line, x, y - i * LEADING);
      });
    } else {
      lines.forEach((line, i) => drawBodyLine(page, font, line, MARGIN, y - i * LEADING));
    }
  });
  return { bytes: await doc.save(), expected, pageCount: pages.length };
}

function drawBodyLine(page: PDFPage, font: PDFFont, line: string, x: number, y: number): void {
  const indented = line.startsWith('\t');
  page.drawText(indented ? line.slice(1) : line, { x: indented ? x + 18 : x, y, size: BODY_SIZE, font });
}

function drawRunningMatter(page: PDFPage, font: PDFFont, header: string, footer: string, pageNumber: string): void {
  const small = 9;
  page.drawText(header, {
    x: (PAGE_WIDTH - font.widthOfTextAtSize(header, small)) / 2,
    y: PAGE_HEIGHT - 40,
    size: small,
    font,
  });
  page.drawText(footer, { x: MARGIN, y: 40, size: small, font });
  page.drawText(pageNumber, {
    x: PAGE_WIDTH - MARGIN - font.widthOfTextAtSize(pageNumber, small),
    y: 40,
    size: small,
    font,
  });
}

export interface BookChapter {
  title: string;
  paragraphs: string[];
}

/**
 * Chapters set automatically: justified lines drawn word by word (so spaces exist only as gaps), words that do not
 * fit hyphenated (compounds at their own hyphen), each chapter opening on a new page with a heading and a drop cap,
 * indented paragraphs, alternating running headers (book title / chapter title) and a centred page number.
 */
export async function typesetBook(bookTitle: string, chapters: BookChapter[]): Promise<GeneratedPdf> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.TimesRoman);
  const width = PAGE_WIDTH - 2 * MARGIN;
  const expected: string[] = [];
  let page: PDFPage | null = null;
  let pageCount = 0;
  let y = 0;
  let chapterTitle = '';

  const newPage = (): PDFPage => {
    pageCount++;
    const p = doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    const header = pageCount % 2 === 0 ? bookTitle.toUpperCase() : chapterTitle.toUpperCase();
    p.drawText(header, { x: (PAGE_WIDTH - font.widthOfTextAtSize(header, 9)) / 2, y: PAGE_HEIGHT - 40, size: 9, font });
    const number = String(pageCount);
    p.drawText(number, { x: (PAGE_WIDTH - font.widthOfTextAtSize(number, 9)) / 2, y: 36, size: 9, font });
    y = PAGE_HEIGHT - MARGIN - BODY_SIZE;
    return p;
  };

  for (const chapter of chapters) {
    chapterTitle = chapter.title;
    page = newPage();
    page.drawText(chapter.title, { x: MARGIN, y, size: 18, font });
    expected.push(chapter.title);
    y -= 40;
    chapter.paragraphs.forEach((paragraph, index) => {
      expected.push(paragraph);
      let words = paragraph.split(/\s+/).filter((w) => w !== '');
      const capBeside: number[] = [];
      if (index === 0) {
        // Drop cap: the first letter, large, beside the first two lines.
        const letter = words[0][0];
        words = [words[0].slice(1), ...words.slice(1)];
        if (words[0] === '') words.shift();
        const capWidth = font.widthOfTextAtSize(letter, CAP_SIZE);
        page!.drawText(letter, { x: MARGIN, y: y - LEADING, size: CAP_SIZE, font });
        capBeside.push(capWidth + 3, capWidth + 3);
      }
      let lineIndex = 0;
      while (words.length > 0) {
        if (y < MARGIN) page = newPage();
        const inset = capBeside[lineIndex] ?? (lineIndex === 0 ? 18 : 0);
        const { line, rest, last } = fillLine(words, font, width - inset);
        drawJustified(page!, font, line, MARGIN + inset, y, width - inset, last);
        words = rest;
        y -= LEADING;
        lineIndex++;
      }
    });
  }
  return { bytes: await doc.save(), expected: expected.join('\n\n'), pageCount };
}

/**
 * Width of `text` as drawn: pdf-lib's widthOfTextAtSize subtracts kerning that drawText never applies, so "VOYAGE"
 * would be measured narrower than it prints and run into the next word.
 */
function advance(font: PDFFont, text: string, size: number): number {
  return Array.from(text).reduce((sum, ch) => sum + font.widthOfTextAtSize(ch, size), 0);
}

export function fillLine(
  words: string[],
  font: PDFFont,
  width: number,
): { line: string[]; rest: string[]; last: boolean } {
  const fits = (ws: string[]) => advance(font, ws.join(' '), BODY_SIZE) <= width;
  const line: string[] = [];
  let i = 0;
  while (i < words.length && fits([...line, words[i]])) line.push(words[i++]);
  if (i === words.length) return { line, rest: [], last: true };
  const word = words[i];
  const split = hyphenate(word, (head) => fits([...line, head]));
  if (split) return { line: [...line, split[0]], rest: [split[1], ...words.slice(i + 1)], last: false };
  if (line.length === 0) return { line: [word], rest: words.slice(1), last: words.length === 1 };
  return { line, rest: words.slice(i), last: false };
}

/** The longest head of `word` (ending in a hyphen) that fits: at an existing hyphen if there is one, else between letters. */
function hyphenate(word: string, fits: (head: string) => boolean): [string, string] | null {
  const hyphens = [...word.matchAll(/-/g)].map((m) => m.index ?? 0).filter((k) => k >= 2 && k <= word.length - 3);
  for (const k of hyphens.reverse()) {
    if (fits(word.slice(0, k + 1))) return [word.slice(0, k + 1), word.slice(k + 1)];
  }
  if (hyphens.length > 0 || !/^[a-z]{7,}[,.;:!?]?$/i.test(word)) return null;
  const letters = word.replace(/[,.;:!?]$/, '').length;
  for (let k = letters - 3; k >= 3; k--) {
    if (fits(word.slice(0, k) + '-')) return [word.slice(0, k) + '-', word.slice(k)];
  }
  return null;
}

function drawJustified(
  page: PDFPage,
  font: PDFFont,
  words: string[],
  x: number,
  y: number,
  width: number,
  last: boolean,
): void {
  const space = advance(font, ' ', BODY_SIZE);
  const natural = words.reduce((sum, w) => sum + advance(font, w, BODY_SIZE), 0);
  const gap = last || words.length < 2 ? space : (width - natural) / (words.length - 1);
  let cursor = x;
  for (const w of words) {
    page.drawText(w, { x: cursor, y, size: BODY_SIZE, font });
    cursor += advance(font, w, BODY_SIZE) + gap;
  }
}

/** A page with only a filled rectangle standing in for a scanned image: no text layer. */
export async function imageOnlyPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
  page.drawRectangle({ x: 72, y: 72, width: 468, height: 648, color: rgb(0.85, 0.85, 0.8) });
  page.drawRectangle({ x: 100, y: 600, width: 300, height: 10, color: rgb(0.1, 0.1, 0.1) });
  return doc.save();
}

// ---- An encrypted PDF, written by hand -------------------------------------------------------------------------
// pdf-lib cannot encrypt, so this writes a one-page PDF with the Standard security handler, revision 2 (RC4, 40-bit
// key; PDF 1.7 spec 7.6.3, algorithms 2, 3 and 4), with a real user password: pdfjs must refuse it without the
// password and read it with the password.

const PASSWORD_PADDING = Buffer.from('28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A', 'hex');

function pad(password: string): Buffer {
  return Buffer.concat([Buffer.from(password, 'latin1'), PASSWORD_PADDING]).subarray(0, 32);
}

function md5(...parts: Buffer[]): Buffer {
  const hash = createHash('md5');
  for (const p of parts) hash.update(p);
  return hash.digest();
}

// Written out because OpenSSL 3 only offers RC4 through its legacy provider.
function rc4(key: Buffer, data: Buffer): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i] + key[i % key.length]) & 255;
    [s[i], s[j]] = [s[j], s[i]];
  }
  const out = Buffer.alloc(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 255;
    j = (j + s[i]) & 255;
    [s[i], s[j]] = [s[j], s[i]];
    out[n] = data[n] ^ s[(s[i] + s[j]) & 255];
  }
  return out;
}

export function encryptedPdf(text: string, userPassword: string, ownerPassword = 'owner'): Uint8Array {
  const id = md5(Buffer.from(`rfm-lab ${text}`));
  const permissions = -4;
  const owner = rc4(md5(pad(ownerPassword)).subarray(0, 5), pad(userPassword));
  const p = Buffer.alloc(4);
  p.writeInt32LE(permissions);
  const fileKey = md5(pad(userPassword), owner, p, id).subarray(0, 5);
  const user = rc4(fileKey, PASSWORD_PADDING);
  const objectKey = (num: number, gen: number) =>
    md5(fileKey, Buffer.from([num & 255, (num >> 8) & 255, (num >> 16) & 255, gen & 255, (gen >> 8) & 255])).subarray(
      0,
      10,
    );

  const escaped = text.replace(/[\\()]/g, (c) => `\\${c}`);
  const content = rc4(objectKey(4, 0), Buffer.from(`BT /F1 14 Tf 72 700 Td (${escaped}) Tj ET`, 'latin1'));
  const objects: Buffer[] = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>'),
    Buffer.from(
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    ),
    Buffer.concat([Buffer.from(`<< /Length ${content.length} >>\nstream\n`), content, Buffer.from('\nendstream')]),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>'),
    Buffer.from(
      `<< /Filter /Standard /V 1 /R 2 /O <${owner.toString('hex')}> /U <${user.toString('hex')}> /P ${permissions} >>`,
    ),
  ];
  const chunks: Buffer[] = [Buffer.from('%PDF-1.4\n%\xE2\xE3\xCF\xD3\n', 'latin1')];
  let offset = chunks[0].length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    const chunk = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), body, Buffer.from('\nendobj\n')]);
    offsets.push(offset);
    offset += chunk.length;
    chunks.push(chunk);
  });
  const xref = [
    `xref\n0 ${objects.length + 1}\n`,
    '0000000000 65535 f \n',
    ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`),
  ].join('');
  const idHex = id.toString('hex');
  chunks.push(
    Buffer.from(
      `${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 6 0 R /ID [<${idHex}> <${idHex}>] >>\nstartxref\n${offset}\n%%EOF\n`,
    ),
  );
  return new Uint8Array(Buffer.concat(chunks));
}
