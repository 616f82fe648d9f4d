// A real 78-page LaTeX book (../shared/fixtures/alice-in-wonderland-latex.pdf, pdfTeX, two-sided: even pages carry
// "N CHAPTER n. TITLE", odd pages a bare number at the top, chapter openings a number at the bottom; a table of
// contents; blank pages between chapters; a licence with superscript "TM" and hanging-indent lists).
//
// Its paragraphs were counted once, independently of the extractor, from pdfjs positions (scratch script, not kept):
// on pages 3-78, a line starts a paragraph when it is indented by the book's \parindent (14.9 pt from that page's
// margin, 108.86 pt on odd pages and 162.66 pt on even ones): 805; or follows a vertical gap over 15 pt: 33; or changes
// font size: 58 (headings, the line after them, the licence's bold clause numbers); plus "Chapter 1" opening page 3,
// minus one two-line heading counted twice ("The Full Project Gutenberg / License"), plus "1.E.7." (a clause number
// opening page 74, missed by the gap rule across the page break). With the title page's three lines (title, author,
// year; its licence notice is an advert and the contents are left out): 900 paragraphs. The extraction was then
// aligned with that list paragraph by paragraph (difflib on their first 20 characters): no difference.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { extractPdf, pdfSummary, type PdfText } from '../../src/text/pdf';

const FIXTURE = join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'alice-in-wonderland-latex.pdf');
const SKIP = existsSync(FIXTURE) ? false : `needs ${FIXTURE} (../shared: CI has it; a user clone does not)`;
const SOURCE_PARAGRAPHS = 900;

// First and last sentence of every chapter, read off the PDF (its text layer has no quotes or apostrophes: the book
// was typeset that way, "Id gone" included).
const CHAPTERS: [string, string][] = [
  [
    'Alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing to do:',
    'So she set to work, and very soon finished off the cake.',
  ],
  ['Curiouser and curiouser! cried Alice', 'Alice led the way, and the whole party swam to the shore.'],
  [
    'They were indeed a queer-looking party that assembled on the bank–the birds with draggled feathers,',
    'and was coming back to finish his story.',
  ],
  [
    'It was the White Rabbit, trotting slowly back again, and looking anxiously about as it went,',
    'quietly smoking a long hookah, and taking not the smallest notice of her or of anything else.',
  ],
  [
    'The Caterpillar and Alice looked at each other for some time in silence:',
    'and did not venture to go near the house till she had brought herself down to nine inches high.',
  ],
  [
    'For a minute or two she stood looking at the house, and wondering what to do next,',
    'Suppose it should be raving mad after all! I almost wish Id gone to see the Hatter instead!',
  ],
  [
    'There was a table set out under a tree in front of the house, and the March Hare and the Hatter were having tea at it:',
    'among the bright flower-beds and the cool fountains.',
  ],
  ['A large rose-tree stood near the entrance of the garden:', 'while the rest of the party went back to the game.'],
  [
    'You cant think how glad I am to see you again, you dear old thing! said the Duchess,',
    'tell her something about the games now.',
  ],
  [
    'The Mock Turtle sighed deeply, and drew the back of one flapper across his eyes.',
    'Soo–oop of the e–e–evening, Beautiful, beautiful Soup!',
  ],
  ['The King and Queen of Hearts were seated on their throne when they arrived,', 'the name Alice!'],
  [
    'Here! cried Alice, quite forgetting in the flurry of the moment how large she had grown in the last few minutes,',
    'remembering her own child-life, and the happy summer days.',
  ],
];

let extracted: Promise<PdfText> | undefined;
const alice = () => (extracted ??= extractPdf(FIXTURE));

test(
  'LaTeX book: no running head, running foot or bare page number left, each listed with its reason',
  { skip: SKIP },
  async (t) => {
    const result = await alice();
    t.diagnostic(pdfSummary(result));
    assert.doesNotMatch(result.text, /CHAPTER \d+\./, 'even-page heads "N CHAPTER n. TITLE"');
    assert.doesNotMatch(
      result.text,
      /\d+ THE FULL PROJECT GUTENBERG LICENSE|GUTENBERG LICENSE \d+/,
      "the licence pages' heads",
    );
    const bare = result.paragraphs.filter((p) => /^[\divxlc]+$/i.test(p));
    assert.deepEqual(bare, ['1865'], "the only bare number is the title page's year");
    const textPages = result.quality.pages.filter((p) => !result.pagesWithoutText.includes(p.page)).map((p) => p.page);
    const withHeadOrNumber = new Set(
      result.removedLines.filter((l) => l.reason !== 'advert' && l.reason !== 'table-of-contents').map((l) => l.page),
    );
    assert.deepEqual(
      textPages.filter((p) => !withHeadOrNumber.has(p)),
      [],
      'every page with text lost its head or page number',
    );
    assert.equal(result.pagesWithoutText.length, 9, 'the blank pages between chapters');
    assert.ok(
      result.removedLines.some((l) => l.page === 3 && l.text === '1' && l.reason === 'page-number'),
      'chapter opening: number at the bottom',
    );
    assert.ok(
      result.removedLines.some(
        (l) => l.page === 8 && l.text === '6 CHAPTER 2. THE POOL OF TEARS' && l.reason === 'running-header',
      ),
    );
  },
);

test(
  'LaTeX book: no word split at a line-end hyphen that the document spells unbroken; its own dashes kept',
  { skip: SKIP },
  async () => {
    const result = await alice();
    const text = result.text;
    for (const word of ['Foundation', 'everything', 'conversation']) assert.ok(text.includes(word), word);
    assert.doesNotMatch(text, /\b(?:Foun|ev|conver)-? (?:dation|erything|sation)\b/);
    const split = [...text.matchAll(/(\p{L}+)- (\p{L}+)/gu)].filter((m) =>
      new RegExp(`\\b${m[1]}${m[2]}\\b`, 'i').test(text),
    );
    assert.deepEqual(
      split.map((m) => m[0]),
      [],
      'no "X- Y" whose "XY" the document uses',
    );
    for (const p of result.paragraphs.slice(0, -1))
      assert.doesNotMatch(p, /\p{Ll}-$/u, `paragraph ending in a broken word: ...${p.slice(-40)}`);
    for (const h of result.quality.hyphens.decisions.filter((d) => !d.joined)) {
      assert.doesNotMatch(
        text,
        new RegExp(`\\b${h.word.replace(/-/g, '')}\\b`, 'i'),
        `kept "${h.word}" although the document spells it unbroken`,
      );
    }
    assert.ok(text.includes('little– and') && text.includes('dinn– she'), "the book's own dashes");
    assert.ok(text.includes('WAISTCOAT-POCKET'), 'a real compound in capitals, attested as "waistcoat-pocket"');
  },
);

test(
  "LaTeX book: first and last sentence of every chapter, paragraphs within 5 % of the source's",
  { skip: SKIP },
  async (t) => {
    const result = await alice();
    const paragraphs = result.paragraphs;
    const openings = paragraphs.map((p, i) => (/^Chapter \d+$/.test(p) ? i : -1)).filter((i) => i >= 0);
    assert.equal(openings.length, 12);
    openings.push(paragraphs.indexOf('End of Project Gutenbergs Alices Adventures in Wonderland, by Lewis Carroll'));
    CHAPTERS.forEach(([first, last], k) => {
      assert.ok(
        paragraphs[openings[k] + 2].startsWith(first),
        `chapter ${k + 1} opens: ${paragraphs[openings[k] + 2].slice(0, 80)}`,
      );
      const body = paragraphs.slice(openings[k] + 2, openings[k + 1]).filter((p) => !/^[* ]+$/.test(p));
      assert.ok(body[body.length - 1].endsWith(last), `chapter ${k + 1} closes: ${body[body.length - 1].slice(-80)}`);
    });
    const ratio = paragraphs.length / SOURCE_PARAGRAPHS;
    const median = paragraphs.map((p) => p.length).sort((a, b) => a - b)[Math.floor(paragraphs.length / 2)];
    t.diagnostic(
      `${paragraphs.length} paragraphs, source ${SOURCE_PARAGRAPHS} (${(100 * (ratio - 1)).toFixed(1)} %), median ${median} characters`,
    );
    assert.ok(Math.abs(ratio - 1) <= 0.05, `${paragraphs.length} paragraphs against ${SOURCE_PARAGRAPHS}`);
  },
);

test(
  'LaTeX book: the table of contents and the title page\'s notice are left out and listed; toc: "keep" keeps the contents',
  { skip: SKIP },
  async () => {
    const result = await alice();
    assert.ok(!result.text.includes('Down the Rabbit Hole 1'), 'contents entry');
    assert.ok(
      result.text.startsWith(
        'Alice’s Adventures in Wonderland\n\nLewis Carroll\n\n1865\n\nChapter 1\n\nDown the Rabbit Hole\n\nAlice was beginning',
      ),
    );
    const contents = result.removedLines.filter((l) => l.reason === 'table-of-contents').map((l) => l.text);
    assert.ok(contents.includes('2 The Pool of Tears 5') && contents.includes('12 Alice’s Evidence 61'));
    assert.ok(result.removedLines.some((l) => l.reason === 'advert' && l.text === 'at www.gutenberg.org'));
    const kept = await extractPdf(FIXTURE, { toc: 'keep' });
    assert.ok(kept.text.includes('2 The Pool of Tears 5'));
  },
);
