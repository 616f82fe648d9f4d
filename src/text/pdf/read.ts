// Reading a PDF with pdfjs-dist: bytes in, positioned text runs per page out. Nothing here knows about layout.

import { promises as fs } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import { expandLigatures, normaliseSpaces, removeInvisible } from '../clean';
import { PdfError } from './pdf-error';

export interface Run {
  /** Visible text: invisible characters removed, ligatures expanded. */
  text: string;
  /**
   * The text as extracted, with the control and private-use characters some fonts map their digits to (page numbers
   * that print as digits but extract as U+0018 ...): running-line detection masks them like digits.
   */
  raw: string;
  x: number;
  y: number;
  width: number;
  size: number;
}

export interface RawPage {
  number: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
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
    const importEsm = new Function('specifier', 'return import(specifier)') as (
      specifier: string,
    ) => Promise<PdfjsModule>;
    pdfjsModule = importEsm(pathToFileURL(require.resolve('pdfjs-dist/legacy/build/pdf.mjs')).href);
  }
  return pdfjsModule;
}

export async function readSource(source: string | Uint8Array): Promise<{ bytes: Uint8Array; name: string }> {
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
    throw new PdfError(
      'not-pdf',
      `${name} is not a PDF (no %PDF- header; it starts with ${JSON.stringify(head.slice(0, 16))})`,
    );
  }
  // pdfjs takes ownership of (and may detach) the buffer it is given.
  return { bytes: new Uint8Array(bytes), name };
}

export interface ReadOptions {
  password?: string;
  onProgress?: (pagesRead: number, pageCount: number) => void;
  signal?: AbortSignal;
}

export async function readPages(bytes: Uint8Array, name: string, options: ReadOptions): Promise<RawPage[]> {
  const pdfjs = await loadPdfjs();
  const fontDirectory =
    path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts') + path.sep;
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
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('extractPdf: aborted');
      const page = await document.getPage(number);
      const content = await page.getTextContent({ disableNormalization: true });
      const [left, bottom, right, top] = page.view;
      pages.push({ number, top, bottom, left, right, runs: toRuns(content.items) });
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
    const raw = normaliseSpaces(item.str);
    const text = expandLigatures(removeInvisible(raw));
    if (raw.trim() === '' && text === '') continue;
    const [a, b, c, d, x, y] = item.transform;
    const size = Math.hypot(c, d) || Math.hypot(a, b);
    runs.push({ text, raw, x, y, width: item.width ?? 0, size });
  }
  return runs;
}
