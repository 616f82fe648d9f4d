import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanText, expandLigatures, mapDashes, mapQuotes, stripInvisible } from '../../src/text/clean';
import { WordList } from '../../src/text/word-list';

const ZWNJ = '\u200C';

test('zero-width non-joiners: a pair at a word gap becomes a space (as other extractors see the Alice print)', () => {
  // What pdftotext gives for the browser-printed fixture: U+200C pairs are the only word separators.
  const extracted = [
    `Alice’s${ZWNJ}${ZWNJ}Adventures${ZWNJ}${ZWNJ}in${ZWNJ}${ZWNJ}Wonderland${ZWNJ} ${ZWNJ}`,
    `So${ZWNJ}${ZWNJ}she${ZWNJ}${ZWNJ}was${ZWNJ}${ZWNJ}considering${ZWNJ}${ZWNJ}in${ZWNJ}${ZWNJ}her${ZWNJ}${ZWNJ}own${ZWNJ}${ZWNJ}mind${ZWNJ}${ZWNJ}(as${ZWNJ}${ZWNJ}well`,
  ].join('\n');
  // The line's real trailing space stays: only the zero-width characters around it go.
  assert.equal(
    stripInvisible(extracted),
    'Alice’s Adventures in Wonderland \nSo she was considering in her own mind (as well',
  );
});

test('zero-width characters inside a word the document knows are dropped, and next to a space dropped', () => {
  const text = `The shelfful of books. Another shelf${ZWNJ}ful stood there, and a\u200Bcat ${ZWNJ}sat.`;
  assert.equal(stripInvisible(text), 'The shelfful of books. Another shelfful stood there, and a cat sat.');
  const words = WordList.fromText('nothing relevant');
  assert.equal(
    stripInvisible(`shelf${ZWNJ}ful`, words),
    'shelf ful',
    'with a word list that lacks the word, it is a gap',
  );
});

test('controls, private-use characters, BOM, joiners and soft hyphens are removed; tabs and newlines kept', () => {
  assert.equal(
    stripInvisible('\uFEFFPage\u0002\u0003 one\uE012\u00AD\u200D\ttwo\nthree\u0007'),
    'Page one\ttwo\nthree',
  );
});

test('ligatures are spelled out', () => {
  assert.equal(
    expandLigatures('\uFB01ne \uFB02ower o\uFB00 e\uFB03cient wa\uFB04e \uFB06op'),
    'fine flower off efficient waffle stop',
  );
});

test('quote policy: study maps every single quote to U+2019 and double quotes to ", ascii to \', keep leaves them', () => {
  const text = "‘It’s’ 'fine' “quoted” „low‟ «guillemets»";
  assert.equal(mapQuotes(text, 'study'), '’It’s’ ’fine’ "quoted" "low" "guillemets"');
  assert.equal(mapQuotes(text, 'ascii'), '\'It\'s\' \'fine\' "quoted" "low" "guillemets"');
  assert.equal(mapQuotes(text, 'keep'), text);
});

test('dash policy: every dash and the minus sign become one ASCII hyphen', () => {
  assert.equal(mapDashes('a\u2010b c\u2013d e\u2014f g\u2015h 3\u22122', 'hyphen'), 'a-b c-d e-f g-h 3-2');
  assert.equal(mapDashes('e\u2014f', 'keep'), 'e\u2014f');
});

test('cleanText applies the whole policy and keeps the line structure', () => {
  assert.equal(
    cleanText('“Call me\r\nIshmael,”\u00A0he said\u2014\uFB01nally.\r\n'),
    '"Call me\nIshmael," he said-finally.\n',
  );
  assert.equal(cleanText("don't", { quotes: 'keep' }), "don't");
  assert.throws(() => cleanText('x', { quote: 'ascii' } as never), /unknown option "quote"/);
  assert.throws(() => cleanText('x', { quotes: 'curly' as never }), /quotes must be/);
});
