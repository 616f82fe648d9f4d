// Front-matter adverts ("Download free eBooks of classic literature, books and novels at Site eBook. Subscribe to our
// free eBooks blog and email newsletter."): a block of at most five lines (consecutive lines of one size with no gap
// wider than 1.5 line spacings), in the front matter, which ends at the first page carrying a full page of prose (at
// least 15 body lines), that either gives a web or e-mail address or shares two consecutive words with a removed
// running line that gives one (the publisher's footer "Free eBooks at Site eBook.com 13"). A licence or publisher
// notice with an address on the title page is taken out the same way; both are listed in removedLines.

import { isBodySize } from './drop-caps';
import type { Line } from './lines';

const ADDRESS =
  /\b(?:https?:\/\/|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|edu|gov|info|io|co\.uk|de|fr)\b|\b[\w.+-]+@[\w-]+\.[\w.]+/i;
const MAX_BLOCK_LINES = 5;
const PROSE_PAGE_LINES = 15;

export function findAdverts(
  pages: { number: number; lines: Line[] }[],
  bodySize: number,
  runningLines: Line[],
): Line[] {
  const publisher = new Set(runningLines.filter((l) => ADDRESS.test(l.text)).flatMap((l) => wordPairs(l.text)));
  const found: Line[] = [];
  for (const page of pages) {
    if (page.lines.filter((l) => isBodySize(l.size, bodySize)).length >= PROSE_PAGE_LINES) break;
    for (const block of blocks(page.lines, bodySize)) {
      if (block.length > MAX_BLOCK_LINES) continue;
      const text = block.map((l) => l.text).join(' ');
      if (ADDRESS.test(text) || wordPairs(text).some((pair) => publisher.has(pair))) found.push(...block);
    }
  }
  return found;
}

/** Consecutive pairs of words of letters, lowercased; pairs of two short words ("at the") say nothing. */
function wordPairs(text: string): string[] {
  const words = text
    .toLowerCase()
    .split(/[^\p{L}]+/u)
    .filter((w) => w !== '');
  const pairs: string[] = [];
  for (let i = 1; i < words.length; i++) {
    if (words[i - 1].length > 3 || words[i].length > 3) pairs.push(`${words[i - 1]} ${words[i]}`);
  }
  return pairs;
}

function blocks(lines: Line[], bodySize: number): Line[][] {
  const out: Line[][] = [];
  for (const line of lines) {
    const current = out[out.length - 1];
    const previous = current?.[current.length - 1];
    const sameSize = previous && Math.abs(previous.size - line.size) <= 0.1 * bodySize;
    if (previous && sameSize && previous.y - line.y <= 1.5 * 1.2 * line.size) current.push(line);
    else out.push([line]);
  }
  return out;
}
