// Runs of one page -> lines: runs grouped by baseline, read left to right (one column; multi-column layouts are not
// separated). Superscripts and subscripts ("Project Gutenberg^TM") join the line they belong to instead of becoming
// lines of their own, which would break the paragraph around them.

import type { Run } from './read';

export interface Line {
  page: number;
  y: number;
  x0: number;
  x1: number;
  size: number;
  /** Visible text. */
  text: string;
  /** Text with the control and private-use characters kept (see Run.raw). */
  raw: string;
  /** Left edge that this line's indent is measured from (further right beside a drop cap); NaN: the page's margin. */
  leftEdge: number;
  /** Drop cap that begins this line, '' if none. */
  dropCap: string;
}

export function groupLines(runs: Run[], page: number): Line[] {
  const sorted = runs.slice().sort((a, b) => b.y - a.y || a.x - b.x);
  const groups: Run[][] = [];
  for (const run of sorted) {
    const current = groups[groups.length - 1];
    if (current && Math.abs(current[0].y - run.y) <= 0.35 * Math.min(current[0].size, run.size)) current.push(run);
    else groups.push([run]);
  }
  return attachScripts(groups).map((group) => toLine(group, page));
}

/** Size of a group's text: its largest visible run. */
function groupSize(group: Run[]): number {
  return Math.max(...group.map((r) => (r.raw.trim() === '' ? 0 : r.size)));
}

/**
 * A group of small runs whose baseline sits within half a line above (or a third below) a group of larger text, and
 * that lies horizontally inside it, is a superscript or subscript of that line.
 */
function attachScripts(groups: Run[][]): Run[][] {
  const merged = groups.slice();
  for (let i = 0; i < merged.length; i++) {
    const small = merged[i];
    const size = groupSize(small);
    const x0 = Math.min(...small.map((r) => r.x));
    const host = merged.find((g, j) => {
      if (j === i || g.length === 0) return false;
      const hostSize = groupSize(g);
      const rise = small[0].y - g[0].y;
      const within =
        x0 >= Math.min(...g.map((r) => r.x)) - hostSize && x0 <= Math.max(...g.map((r) => r.x + r.width)) + hostSize;
      return size < 0.85 * hostSize && rise <= 0.5 * hostSize && rise >= -0.3 * hostSize && within;
    });
    if (host && small.length > 0) {
      host.push(...small);
      merged[i] = [];
    }
  }
  return merged.filter((g) => g.length > 0);
}

function toLine(group: Run[], page: number): Line {
  group.sort((a, b) => a.x - b.x);
  let text = '';
  let raw = '';
  let previous: Run | null = null;
  for (const run of group) {
    if (previous) {
      // Some generators fake bold by printing the same run twice, slightly offset.
      if (run.raw === previous.raw && Math.abs(run.x - previous.x) < 0.1 * run.size) continue;
      const gap = run.x - (previous.x + previous.width);
      if (gap > 0.15 * Math.min(run.size, previous.size) && !/\s$/.test(raw) && !/^\s/.test(run.raw)) {
        text += ' ';
        raw += ' ';
      }
    }
    text += run.text;
    raw += run.raw;
    previous = run;
  }
  const visible = group.filter((r) => r.raw.trim() !== '');
  const measured = visible.length > 0 ? visible : group;
  const x0 = Math.min(...measured.map((r) => r.x));
  const x1 = Math.max(...measured.map((r) => r.x + r.width));
  const size = Math.max(...measured.map((r) => r.size));
  // The baseline of the line's main text, not of a superscript that may have sorted first.
  const y = measured.reduce((a, b) => (b.size > a.size ? b : a)).y;
  return {
    page,
    y,
    x0,
    x1,
    size,
    text: text.replace(/ {2,}/g, ' ').trim(),
    raw: raw.replace(/ {2,}/g, ' ').trim(),
    leftEdge: NaN,
    dropCap: '',
  };
}
