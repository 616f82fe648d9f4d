import { OptionError, ShapeError } from '../core/errors';
/**
 * Pure builders of plotly.js figures. A figure is plain JSON (no typed arrays, no NaN),
 * so it can be published as the `application/vnd.plotly.v1+json` MIME bundle, inlined
 * into HTML, and asserted on in tests without a DOM.
 */

/** One plotly.js trace. plotly's schema is far larger than what we build, so keys stay open. */
export interface Trace {
  type: string;
  [key: string]: unknown;
}

export interface Figure {
  data: Trace[];
  layout: { [key: string]: unknown };
  config?: { [key: string]: unknown };
}

/** Options every builder shares. */
export interface FigureFrame {
  /** `^` starts a superscript: "R^2", "x1^3", "10^{-3}". */
  title?: string;
  /** A smaller second line under the title: the settings that produced the figure (hyperparameters, sizes, seed). */
  caption?: string;
  /** Pixels; when absent the chart fills its container's width. */
  width?: number;
  /** Pixels. */
  height?: number;
}

/** plotly's default colorway (d3 category10), spelled out because bands need the same colour with alpha. */
const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

const CONFIG = { responsive: true, displaylogo: false };

function colorAt(i: number): string {
  return PALETTE[i % PALETTE.length];
}

function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

/** JSON has no NaN or Infinity and serialises typed arrays as objects; plotly reads null as a gap. */
function numbers(values: ArrayLike<number>): (number | null)[] {
  return Array.from(values, (v) => (Number.isFinite(v) ? v : null));
}

function requireLength(
  builder: string,
  what: string,
  values: ArrayLike<unknown>,
  expected: number,
  against: string,
): void {
  if (values.length !== expected) {
    throw new ShapeError(`${builder}: ${what} has length ${values.length} but ${against} has length ${expected}`);
  }
}

/** Log axes silently drop values <= 0, which would hide a band or a point; say so instead. */
function requirePositive(builder: string, what: string, values: ArrayLike<number>, axis: string): void {
  for (let i = 0; i < values.length; i++) {
    if (values[i] <= 0) {
      throw new OptionError(
        `${builder}: ${what}[${i}] = ${values[i]} cannot be shown on a log ${axis} axis; use a linear axis or drop that point`,
      );
    }
  }
}

/**
 * Plotly titles take a little HTML: `^2`, `^-1` or `^{...}` become superscripts so that "5 x1^3" reads as a power.
 * A caret before a space or at the end is left alone.
 */
export function superscripts(text: string): string {
  return text.replace(
    /\^\{([^}]*)\}|\^(-?[0-9A-Za-z]+)/g,
    (_, braced: string | undefined, bare: string | undefined) => `<sup>${braced ?? bare}</sup>`,
  );
}

function axisTitle(text: string | undefined): { title?: { text: string } } {
  return text === undefined ? {} : { title: { text: superscripts(text) } };
}

/**
 * Height of the band at the top kept clear for plotly's toolbar, so that it never covers the title (the toolbar's
 * bottom edge was measured at 31 px below the chart's top in Notebook 7).
 */
const TOOLBAR_PX = 34;
const TITLE_LINE_PX = 24;
const CAPTION_LINE_PX = 18;

/** The top margin a frame needs: the toolbar band, then the title and caption lines. */
function topMargin(frame: FigureFrame): number {
  if (frame.title === undefined && frame.caption === undefined) return TOOLBAR_PX;
  return (
    TOOLBAR_PX +
    (frame.title === undefined ? 0 : TITLE_LINE_PX) +
    (frame.caption === undefined ? 0 : CAPTION_LINE_PX) +
    12
  );
}

/**
 * A figure's frame as plotly layout: margins (the top one keeps the toolbar band clear), the title left-aligned below
 * that band with its caption, and the size. Figures built outside this module (e.g. panels side by side) start from it.
 */
export function frameLayout(frame: FigureFrame): { [key: string]: unknown } {
  const layout: { [key: string]: unknown } = { margin: { l: 70, r: 30, t: topMargin(frame), b: 60 } };
  if (frame.title !== undefined || frame.caption !== undefined) {
    // Left-aligned below the toolbar band (the toolbar sits at the top right, over whatever is there).
    const title: { [key: string]: unknown } = {
      text: superscripts(frame.title ?? ''),
      x: 0,
      xref: 'paper',
      xanchor: 'left',
      y: 1,
      yref: 'container',
      yanchor: 'top',
      pad: { t: TOOLBAR_PX },
    };
    if (frame.caption !== undefined)
      title.subtitle = { text: superscripts(frame.caption), font: { size: 12, color: '#555' } };
    layout.title = title;
  }
  if (frame.width !== undefined) layout.width = frame.width;
  if (frame.height !== undefined) layout.height = frame.height;
  return layout;
}

/**
 * Tick settings for a log axis over `values`: plotly labels every minor tick (2, 3, ... 9) over a short range, which
 * crowds the axis; over three decades or more only powers of ten are labelled, over one to three only 1, 2 and 5.
 */
export function logTicks(values: ArrayLike<number | null>): { dtick?: number | string; exponentformat: string } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v > 0 && Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  const format = lo < 1e-3 || hi >= 1e5 ? 'power' : 'none';
  if (!(hi > lo)) return { exponentformat: format };
  const decades = Math.log10(hi / lo);
  if (decades >= 3) return { dtick: 1, exponentformat: format };
  if (decades >= 1) return { dtick: 'D2', exponentformat: format };
  return { exponentformat: format };
}

function axis(
  log: boolean | undefined,
  title: string | undefined,
  values: (number | null)[],
): { [key: string]: unknown } {
  return log ? { type: 'log', ...logTicks(values), ...axisTitle(title) } : { type: 'linear', ...axisTitle(title) };
}

export interface BandSeries {
  name: string;
  x: ArrayLike<number>;
  /** The central line, e.g. the mean or median over seeds. */
  mean: ArrayLike<number>;
  /** Lower edge of the band, e.g. a lower quantile. Give both lo and hi, or neither. */
  lo?: ArrayLike<number>;
  hi?: ArrayLike<number>;
}

export interface LineBandsOptions extends FigureFrame {
  series: BandSeries[];
  xLog?: boolean;
  yLog?: boolean;
  xTitle?: string;
  yTitle?: string;
}

/** Lines with shaded quantile bands, e.g. test error against sample size over several seeds. */
export function lineBands(options: LineBandsOptions): Figure {
  const data: Trace[] = [];
  options.series.forEach((s, i) => {
    const label = `lineBands: series '${s.name}'`;
    requireLength(label, 'mean', s.mean, s.x.length, 'x');
    if ((s.lo === undefined) !== (s.hi === undefined)) {
      throw new OptionError(`${label} has only one of lo and hi; a band needs both`);
    }
    const band = s.lo && s.hi ? { lo: s.lo, hi: s.hi } : undefined;
    if (band) {
      requireLength(label, 'lo', band.lo, s.x.length, 'x');
      requireLength(label, 'hi', band.hi, s.x.length, 'x');
    }
    if (options.xLog) requirePositive(label, 'x', s.x, 'x');
    if (options.yLog) {
      requirePositive(label, 'mean', s.mean, 'y');
      if (band) {
        requirePositive(label, 'lo', band.lo, 'y');
        requirePositive(label, 'hi', band.hi, 'y');
      }
    }

    const color = colorAt(i);
    const x = numbers(s.x);
    if (band) {
      // fill: 'tonexty' fills down to the trace just before it, so hi must directly precede lo.
      const edge = {
        type: 'scatter',
        mode: 'lines',
        x,
        line: { width: 0, color },
        showlegend: false,
        legendgroup: s.name,
        hoverinfo: 'skip',
      };
      data.push({ ...edge, name: `${s.name} hi`, y: numbers(band.hi) });
      data.push({
        ...edge,
        name: `${s.name} lo`,
        y: numbers(band.lo),
        fill: 'tonexty',
        fillcolor: withAlpha(color, 0.2),
      });
    }
    data.push({
      type: 'scatter',
      mode: 'lines+markers',
      name: s.name,
      legendgroup: s.name,
      x,
      y: numbers(s.mean),
      line: { color },
      marker: { color, size: 6 },
    });
  });
  const layout = frameLayout(options);
  const xs = data.flatMap((t) => t.x as (number | null)[]);
  const ys = data.flatMap((t) => t.y as (number | null)[]);
  layout.xaxis = axis(options.xLog, options.xTitle, xs);
  layout.yaxis = axis(options.yLog, options.yTitle, ys);
  return { data, layout, config: { ...CONFIG } };
}

/** A row-major matrix, the shape a dense matrix class usually exposes. */
export interface RowMajor {
  rows: number;
  cols: number;
  data: ArrayLike<number>;
}

export interface HeatmapOptions extends FigureFrame {
  /** Rows of values (row 0 drawn at the top, as a matrix is written), or a row-major matrix. */
  z: ArrayLike<number>[] | RowMajor;
  x?: (string | number)[];
  y?: (string | number)[];
  xTitle?: string;
  yTitle?: string;
  /** A plotly colorscale name; defaults to Viridis, or RdBu when zmid is given. */
  colorscale?: string;
  /** Centre of a diverging colour scale, e.g. 0 for a matrix with signed entries. */
  zmid?: number;
  /** Title of the colour bar: what a cell's colour measures. */
  colorbarTitle?: string;
}

function matrixRows(z: ArrayLike<number>[] | RowMajor): (number | null)[][] {
  if (Array.isArray(z)) {
    const width = z.length === 0 ? 0 : z[0].length;
    z.forEach((row, i) => requireLength('heatmap', `z row ${i}`, row, width, 'z row 0'));
    return z.map(numbers);
  }
  requireLength('heatmap', 'z.data', z.data, z.rows * z.cols, `z.rows * z.cols (${z.rows} x ${z.cols})`);
  const rows: (number | null)[][] = [];
  for (let r = 0; r < z.rows; r++) rows.push(numbers(Array.prototype.slice.call(z.data, r * z.cols, (r + 1) * z.cols)));
  return rows;
}

/** Without labels, cells sit at 0..n-1; plotly would otherwise tick small matrices at halves. */
function indexTicks(n: number): { tick0: number; dtick: number } {
  return { tick0: 0, dtick: Math.max(1, Math.ceil(n / 10)) };
}

/** A matrix as a heatmap, e.g. the feature matrix M of an RFM. Square matrices get square cells. */
export function heatmap(options: HeatmapOptions): Figure {
  const z = matrixRows(options.z);
  const cols = z.length === 0 ? 0 : z[0].length;
  if (options.x) requireLength('heatmap', 'x', options.x, cols, 'each z row');
  if (options.y) requireLength('heatmap', 'y', options.y, z.length, 'z');
  const diverging = options.zmid !== undefined;
  const trace: Trace = {
    type: 'heatmap',
    z,
    // plotly.js's RdBu runs from blue (low) to red (high), the usual reading for signed entries.
    colorscale: options.colorscale ?? (diverging ? 'RdBu' : 'Viridis'),
  };
  if (options.x) trace.x = [...options.x];
  if (options.y) trace.y = [...options.y];
  if (diverging) trace.zmid = options.zmid;
  if (options.colorbarTitle !== undefined)
    trace.colorbar = { title: { text: superscripts(options.colorbarTitle), side: 'right' } };
  const layout = frameLayout(options);
  layout.xaxis = { ...axisTitle(options.xTitle), ...(options.x ? {} : indexTicks(cols)), constrain: 'domain' };
  layout.yaxis = {
    ...axisTitle(options.yTitle),
    ...(options.y ? {} : indexTicks(z.length)),
    autorange: 'reversed',
    ...(z.length === cols ? { scaleanchor: 'x' } : {}),
  };
  return { data: [trace], layout, config: { ...CONFIG } };
}

export interface BarSeries {
  name: string;
  values: ArrayLike<number>;
  /** Error bar ends as absolute values (e.g. quantiles), like lineBands' lo and hi. */
  lo?: ArrayLike<number>;
  hi?: ArrayLike<number>;
}

export interface BarsOptions extends FigureFrame {
  categories: string[];
  series: BarSeries[];
  xTitle?: string;
  yTitle?: string;
  yLog?: boolean;
  /** Bars run left to right, categories down the side: better for long category names. */
  horizontal?: boolean;
}

/** Grouped bars, one group per category and one bar per series, with optional error bars. */
export function bars(options: BarsOptions): Figure {
  const n = options.categories.length;
  const data: Trace[] = options.series.map((s, i) => {
    const label = `bars: series '${s.name}'`;
    requireLength(label, 'values', s.values, n, 'categories');
    if ((s.lo === undefined) !== (s.hi === undefined)) {
      throw new OptionError(`${label} has only one of lo and hi; an error bar needs both`);
    }
    if (options.yLog) requirePositive(label, 'values', s.values, 'value');
    const values = numbers(s.values);
    const categories = [...options.categories];
    const trace: Trace = {
      type: 'bar',
      name: s.name,
      marker: { color: colorAt(i) },
      orientation: options.horizontal ? 'h' : 'v',
      x: options.horizontal ? values : categories,
      y: options.horizontal ? categories : values,
    };
    if (s.lo && s.hi) {
      requireLength(label, 'lo', s.lo, n, 'categories');
      requireLength(label, 'hi', s.hi, n, 'categories');
      const lo = s.lo;
      const hi = s.hi;
      // plotly wants distances from the bar's end, not absolute ends.
      const error = {
        type: 'data',
        symmetric: false,
        array: numbers(Array.from(values, (v, k) => (v === null ? NaN : hi[k] - v))),
        arrayminus: numbers(Array.from(values, (v, k) => (v === null ? NaN : v - lo[k]))),
      };
      trace[options.horizontal ? 'error_x' : 'error_y'] = error;
    }
    return trace;
  });
  const layout = frameLayout(options);
  const valueAxis = axis(
    options.yLog,
    options.yTitle,
    data.flatMap((t) => (options.horizontal ? t.x : t.y) as (number | null)[]),
  );
  const categoryAxis = { type: 'category', ...axisTitle(options.xTitle) };
  layout.xaxis = options.horizontal ? valueAxis : categoryAxis;
  layout.yaxis = options.horizontal ? { ...categoryAxis, autorange: 'reversed' } : valueAxis;
  layout.barmode = 'group';
  return { data, layout, config: { ...CONFIG } };
}

export type Cell = string | number | null;

export interface TableOptions {
  title?: string;
  caption?: string;
  columns: string[];
  /** Cell text may hold `<br>` for a line break. */
  rows: Cell[][];
  /** Significant digits shown for non-integer numbers (default 4); integers are shown whole. */
  digits?: number;
  /** Pixels. By default the table is as wide as its content (and its title) needs. */
  width?: number;
}

const TABLE_FONT_PX = 12;
const TABLE_HEADER_FONT_PX = 13;
const TITLE_FONT_PX = 17;
const TABLE_LINE_PX = 18;
const TABLE_HEADER_PX = 34;
const TABLE_ROW_PX = 28;
/** plotly pads each cell's text by about 8 px on either side; a little more keeps a column from wrapping. */
const CELL_PADDING_PX = 24;
/** Wider columns wrap their text instead. */
const MAX_COLUMN_PX = 420;
const TABLE_SIDE_MARGIN_PX = 10;

/**
 * The width of a text in pixels, estimated from character classes of plotly's default font (Open Sans) and rounded
 * up: a table sized from it shows every character without wrapping. Measured against Chromium's rendering of the
 * project's tables (test/plot/figures.test.ts keeps the estimate at or above plotly's own text widths).
 */
export function textWidthPx(text: string, fontPx: number): number {
  let em = 0;
  for (const ch of text.replace(/<[^>]*>/g, '')) {
    if (/[iljtf.,:;'|!()[\] ]/.test(ch)) em += 0.34;
    else if (/[mwMW@%]/.test(ch)) em += 0.92;
    else if (/[A-Z]/.test(ch)) em += 0.7;
    else if (/[0-9]/.test(ch)) em += 0.6;
    else if (ch.charCodeAt(0) > 0x2000) em += 1;
    else em += 0.58;
  }
  return Math.ceil(em * fontPx);
}

/**
 * Cells are formatted here rather than with plotly's `cells.format`, which turns null and
 * non-numeric strings (NaN) into 0 or drops rows. String(NaN) is "NaN", so a bad number stays visible.
 */
function formatCell(value: Cell, digits: number): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(digits)));
}

/** Lines a cell takes in a column `widthPx` wide: its `<br>`-separated lines, each wrapped at word boundaries. */
function cellLines(text: string, widthPx: number, fontPx: number): number {
  let lines = 0;
  for (const line of text.split(/<br\s*\/?>/i)) {
    let current = 0;
    let count = 1;
    for (const word of line.split(' ')) {
      const w = textWidthPx(`${word} `, fontPx);
      if (current > 0 && current + w > widthPx) {
        count++;
        current = w;
      } else {
        current += w;
      }
    }
    lines += count;
  }
  return lines;
}

/**
 * A table of results, e.g. one row per model; cell values are the strings shown. The figure is sized to its content:
 * each column as wide as its longest entry (up to a limit past which text wraps), every row's height counted, so
 * that every row shows inline and in an exported image with no scrolling and nothing cut.
 */
export function table(options: TableOptions): Figure {
  const { columns, rows } = options;
  rows.forEach((row, i) => requireLength('table', `row ${i}`, row, columns.length, 'columns'));
  const digits = options.digits ?? 4;
  const values = columns.map((_, c) => rows.map((row) => formatCell(row[c], digits)));
  const numeric = columns.map(
    (_, c) =>
      rows.some((row) => typeof row[c] === 'number') &&
      rows.every((row) => row[c] === null || typeof row[c] === 'number'),
  );

  const longestLine = (text: string, fontPx: number) =>
    Math.max(...text.split(/<br\s*\/?>/i).map((line) => textWidthPx(line, fontPx)));
  const natural = columns.map((header, c) =>
    Math.min(
      MAX_COLUMN_PX,
      CELL_PADDING_PX +
        Math.max(
          longestLine(header, TABLE_HEADER_FONT_PX),
          ...values[c].map((text) => longestLine(text, TABLE_FONT_PX)),
        ),
    ),
  );
  const titleWidth =
    Math.max(
      options.title === undefined ? 0 : textWidthPx(options.title, TITLE_FONT_PX),
      options.caption === undefined ? 0 : textWidthPx(options.caption, 12),
    ) +
    2 * TABLE_SIDE_MARGIN_PX +
    10;
  const contentWidth = natural.reduce((a, b) => a + b, 0);
  const width = options.width ?? Math.max(contentWidth + 2 * TABLE_SIDE_MARGIN_PX, titleWidth);
  // plotly shares the width among columns in proportion to columnwidth.
  const scale = (width - 2 * TABLE_SIDE_MARGIN_PX) / contentWidth;
  const columnPx = natural.map((w) => w * scale);
  const textPx = columnPx.map((w) => w - CELL_PADDING_PX + 8);

  const headerLines = Math.max(...columns.map((h, c) => cellLines(h, textPx[c], TABLE_HEADER_FONT_PX)));
  const rowLines = rows.map((_, r) =>
    Math.max(1, ...columns.map((_, c) => cellLines(values[c][r], textPx[c], TABLE_FONT_PX))),
  );
  const headerPx = TABLE_HEADER_PX + TABLE_LINE_PX * (headerLines - 1);
  const bodyPx = rowLines.reduce((sum, lines) => sum + TABLE_ROW_PX + TABLE_LINE_PX * (lines - 1), 0) || TABLE_ROW_PX;

  const layout = frameLayout({ title: options.title, caption: options.caption, width });
  const top = topMargin(options);
  layout.margin = { l: TABLE_SIDE_MARGIN_PX, r: TABLE_SIDE_MARGIN_PX, t: top, b: 10 };
  // A few pixels beyond the rows so that the last row's bottom border is inside the figure.
  layout.height = top + headerPx + bodyPx + 10 + 6;
  return {
    data: [
      {
        type: 'table',
        columnwidth: columnPx.map((w) => Math.round(w)),
        header: {
          values: columns.map((h) => superscripts(h)),
          align: 'left',
          fill: { color: '#e8ecf2' },
          font: { size: TABLE_HEADER_FONT_PX },
          height: TABLE_HEADER_PX,
        },
        cells: {
          values,
          align: numeric.map((isNumber) => (isNumber ? 'right' : 'left')),
          font: { size: TABLE_FONT_PX },
          height: TABLE_ROW_PX,
        },
      },
    ],
    layout,
    config: { ...CONFIG },
  };
}
