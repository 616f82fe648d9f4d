import { EnvironmentError } from '../core/errors';
import type { Figure } from './figures';
import { figureHtml, plainTitle } from './figure-html';

/**
 * Showing things in a tslab notebook.
 *
 * tslab's public `display` sends one MIME type per output and cannot update an output, but a chart needs two MIME
 * types in one output (text/html for JupyterLab and the classic notebook; application/vnd.plotly.v1+json for VS Code
 * and JupyterLab's plotly extension) and a progress line updates one output in place. So display_data and
 * update_display_data messages are written through tslab's own writer, `lastWriteDisplayData` in tslab/dist/jupyter,
 * which takes a whole MIME bundle.
 *
 * Outside a tslab kernel (plain node, tests) there is nowhere to display, and these functions throw rather than
 * silently dropping the output.
 */

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

export type MimeBundle = { [mime: string]: unknown };
type WriteDisplayData = (content: { data: MimeBundle; metadata: object; transient: object }, update: boolean) => void;

function displayWriter(caller: string): WriteDisplayData {
  // Required lazily: tslab/dist/jupyter loads tslab's TypeScript compiler, which plain node does not need.
  const jupyter: { lastWriteDisplayData?: unknown } = require('tslab/dist/jupyter');
  if (!('lastWriteDisplayData' in jupyter)) {
    throw new EnvironmentError(
      `${caller}: tslab/dist/jupyter no longer exports lastWriteDisplayData; this tslab version is not supported (tested with 1.0.22)`,
    );
  }
  if (typeof jupyter.lastWriteDisplayData !== 'function') {
    throw new EnvironmentError(
      `${caller}: not running in a tslab Jupyter kernel, so there is nowhere to display this; outside a notebook use exportFigures(...) or exportFigure(fig, 'figure.html') and open the file`,
    );
  }
  return jupyter.lastWriteDisplayData as WriteDisplayData;
}

/** True inside a tslab kernel that is running a cell (where display() can publish). */
export function canDisplay(): boolean {
  try {
    displayWriter('canDisplay');
    return true;
  } catch {
    return false;
  }
}

/**
 * Publishes a MIME bundle as an output of the running cell. With a `displayId`, `update: true` replaces the output
 * published earlier under that id (wherever it is) instead of adding one.
 */
export function display(data: MimeBundle, options: { displayId?: string; update?: boolean } = {}): void {
  const transient = options.displayId === undefined ? {} : { display_id: options.displayId };
  displayWriter('display')({ data, metadata: {}, transient }, options.update === true);
}

/** Significant digits of the numbers in a displayed chart: more than a screen shows, far fewer than a double's 17. */
const DISPLAY_DIGITS = 5;

/**
 * The traces with every number rounded to DISPLAY_DIGITS significant digits: a chart's data is stored twice in the
 * notebook (as HTML and as plotly JSON), and a 100 x 100 heatmap at full precision alone is 0.4 MB of it. Exports
 * keep full precision.
 */
export function displayData(value: unknown): unknown {
  if (typeof value === 'number')
    return Number.isFinite(value) && !Number.isInteger(value) ? Number(value.toPrecision(DISPLAY_DIGITS)) : value;
  if (Array.isArray(value)) return value.map(displayData);
  if (
    value !== null &&
    typeof value === 'object' &&
    (value as { type?: unknown }).type === 'heatmap' &&
    Array.isArray((value as { z?: unknown }).z)
  ) {
    const out: { [key: string]: unknown } = {};
    for (const [key, v] of Object.entries(value))
      out[key] = key === 'z' ? heatmapCells(v as unknown[]) : displayData(v);
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: unknown } = {};
    for (const [key, v] of Object.entries(value)) out[key] = displayData(v);
    return out;
  }
  return value;
}

/**
 * A heatmap's cells to 1/10^4 of its largest magnitude: a colour scale shows a few hundred levels, and entries near 0
 * (most of a learned feature matrix) print as "0" instead of ten digits.
 */
function heatmapCells(z: unknown[]): unknown[] {
  let big = 0;
  for (const row of z)
    if (Array.isArray(row))
      for (const v of row) if (typeof v === 'number' && Number.isFinite(v)) big = Math.max(big, Math.abs(v));
  if (big === 0) return z;
  const step = 10 ** (Math.floor(Math.log10(big)) - 4);
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  const cell = (v: unknown) =>
    typeof v === 'number' && Number.isFinite(v)
      ? Number((Math.round(v / step) * step).toFixed(Math.min(digits, 20)))
      : v;
  return z.map((row) => (Array.isArray(row) ? row.map(cell) : cell(row)));
}

/** Heatmaps with more cells than this travel in the chart's HTML as base64 float32 (plotly.js >= 2.28 reads it). */
const BINARY_CELLS = 400;

/**
 * The traces for the chart's HTML: large heatmaps' z as `{ dtype: 'f4', bdata, shape }`. Saved notebooks are written
 * with one JSON value per line, so a 100 x 100 matrix as numbers takes ~0.5 MB on disk; as one base64 string, 53 KB.
 */
function htmlData(data: Figure['data']): Figure['data'] {
  return data.map((trace) => {
    const z = trace.z;
    if (trace.type !== 'heatmap' || !Array.isArray(z) || !z.every(Array.isArray)) return trace;
    const rows = z as unknown[][];
    const cols = rows.length === 0 ? 0 : rows[0].length;
    if (rows.length * cols <= BINARY_CELLS || !rows.every((r) => r.length === cols)) return trace;
    const cells = new Float32Array(rows.length * cols);
    rows.forEach((r, i) => r.forEach((v, j) => (cells[i * cols + j] = typeof v === 'number' ? v : NaN)));
    return {
      ...trace,
      z: { dtype: 'f4', bdata: Buffer.from(cells.buffer).toString('base64'), shape: `${rows.length},${cols}` },
    };
  });
}

/**
 * The plotly MIME bundle (for VS Code and JupyterLab's plotly extension, whose plotly.js may predate binary arrays)
 * is published only for figures up to this size as JSON; larger ones would double a notebook's size on disk.
 */
const PLOTLY_JSON_LIMIT = 64 * 1024;

/** Displays a figure as an interactive chart in the current cell's output. */
export function show(fig: Figure): void {
  const title = plainTitle(fig);
  const data = displayData(fig.data) as Figure['data'];
  const bundle: MimeBundle = {
    'text/html': figureHtml({ ...fig, data: htmlData(data) }),
    'text/plain': `<plotly figure${title === undefined ? '' : `: ${title}`}>`,
  };
  const json = { data, layout: fig.layout, config: fig.config ?? {} };
  if (JSON.stringify(json).length <= PLOTLY_JSON_LIMIT) bundle[PLOTLY_MIME] = json;
  display(bundle);
}
