// Lines -> paragraphs. A paragraph break needs positive evidence, measured against the line's own page (see
// page-layout.ts): a change of font size, a first-line indent from that page's margin (or from a drop cap's edge), a
// vertical gap wider than 1.45 times that page's line spacing, or, across a page break and beside a drop cap, a short
// previous line that ends a sentence (or a line shorter than 60 % of the measure, whatever it ends with). Anything else continues the paragraph, across page breaks too. An indent is no break inside a list
// item with a hanging indent (see continuesIndentedBlock).

import { withDropCap } from './drop-caps';
import { joinHyphenated, type HyphenDecision } from './hyphenation';
import type { Line } from './lines';
import type { PageLayout } from './page-layout';
import type { WordList } from '../word-list';

export interface Assembled {
  paragraphs: string[];
  hyphens: HyphenDecision[];
}

export function assembleParagraphs(lines: Line[], layouts: Map<number, PageLayout>, words: WordList): Assembled {
  const paragraphs: string[] = [];
  const hyphens: HyphenDecision[] = [];
  let current: string | null = null;
  let previous: Line | null = null;
  let hanging = false;
  for (const line of lines) {
    const text = line.dropCap ? withDropCap(line.dropCap, line.text, words) : line.text;
    if (text === '') continue;
    const step: Step = current === null || previous === null ? 'break' : nextStep(previous, line, layouts, hanging);
    hanging = step === 'hang';
    if (current === null || step === 'break') {
      if (current !== null) paragraphs.push(current);
      current = text;
    } else {
      const joined = joinLines(current, text, words, line.page);
      current = joined.text;
      if (joined.decision) hyphens.push(joined.decision);
    }
    previous = line;
  }
  if (current !== null) paragraphs.push(current);
  return { paragraphs, hyphens };
}

/** 'hang': the line continues an indented block (see continuesIndentedBlock); 'join': any other continuation. */
type Step = 'break' | 'join' | 'hang';

function nextStep(previous: Line, line: Line, layouts: Map<number, PageLayout>, previousHanging: boolean): Step {
  const size = Math.max(line.size, previous.size);
  if (Math.abs(line.size - previous.size) > 0.06 * Math.min(line.size, previous.size)) return 'break';
  const here = layouts.get(line.page)!;
  const edge = Number.isNaN(line.leftEdge) ? here.left : line.leftEdge;
  if (line.x0 - edge > 0.8 * size)
    return continuesIndentedBlock(previous, line, here, size, previousHanging) ? 'hang' : 'break';
  const ended = endsParagraph(previous, layouts.get(previous.page)!);
  if (line.page === previous.page) {
    // Beside a drop cap an indent cannot be seen: a short line ending a sentence is the evidence there.
    const besideCap = !Number.isNaN(line.leftEdge) && ended;
    return besideCap || previous.y - line.y > 1.45 * Math.max(here.spacing, 1.05 * size) ? 'break' : 'join';
  }
  return ended ? 'break' : 'join';
}

/** A line short of the right edge by 15 % of the measure that ends a sentence, or short by 40 % whatever it ends with. */
function endsParagraph(line: Line, layout: PageLayout): boolean {
  const width = layout.right - layout.left;
  const shortLine = line.x1 < layout.right - 0.15 * width;
  const veryShort = line.x1 < layout.right - 0.4 * width;
  return (shortLine && /[.!?:"\u201D\u2019)]$/.test(line.text)) || veryShort;
}

/**
 * A list item's hanging indent or the rest of a block that started that way: an indented line below a full, indented
 * line of the same page, starting deeper than it, or at the same indent when that line was itself such a
 * continuation. A line at the same indent as a full one-line paragraph above it is not enough: a one-line paragraph
 * can fill its line.
 */
function continuesIndentedBlock(
  previous: Line,
  line: Line,
  layout: PageLayout,
  size: number,
  previousHanging: boolean,
): boolean {
  if (previous.page !== line.page || !Number.isNaN(previous.leftEdge)) return false;
  const previousIndented = previous.x0 - layout.left > 0.8 * size;
  const previousFull = previous.x1 >= layout.right - 0.3 * size;
  const deeper = line.x0 - previous.x0 > 0.5 * size;
  const aligned = Math.abs(line.x0 - previous.x0) <= 0.2 * size;
  return previousIndented && previousFull && (deeper || (aligned && previousHanging));
}

function joinLines(
  paragraph: string,
  next: string,
  words: WordList,
  page: number,
): { text: string; decision?: HyphenDecision } {
  if (/[\u2013\u2014]$/.test(paragraph) && !/\s[\u2013\u2014]$/.test(paragraph)) return { text: paragraph + next };
  return joinHyphenated(paragraph, next, words, page) ?? { text: `${paragraph} ${next}` };
}
