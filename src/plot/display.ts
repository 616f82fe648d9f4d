import { EnvironmentError } from '../core/errors';
import type { Figure } from './figures';
import { figureHtml, figureTitle, plotlyLoaderHtml } from './figure-html';

/**
 * Showing figures in a tslab notebook.
 *
 * tslab's public `display` sends one MIME type per output, but a chart needs two in one output:
 * text/html (div + script, for JupyterLab and the classic notebook) and
 * application/vnd.plotly.v1+json (for VS Code and JupyterLab's plotly extension). So the
 * display_data message is written through tslab's own writer, `lastWriteDisplayData` in
 * tslab/dist/jupyter, which takes a whole MIME bundle.
 *
 * Outside a tslab kernel (plain node, tests) there is nowhere to display, and show() throws
 * rather than silently dropping the figure.
 */

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

type MimeBundle = { [mime: string]: unknown };
type WriteDisplayData = (content: { data: MimeBundle; metadata: object; transient: object }, update: boolean) => void;

/**
 * tslab recompiles and re-evaluates an imported module when a cell imports it again, so a
 * module-level flag would reset; the flag lives on globalThis, whose lifetime is the kernel's.
 */
const LOADED = Symbol.for('rfm-lab.plot.plotlyLoaded');
type LoadedFlag = { [LOADED]?: boolean };

function displayWriter(caller: string): WriteDisplayData {
  // Required lazily: tslab/dist/jupyter loads tslab's TypeScript compiler, which plain node does not need.
  const jupyter: { lastWriteDisplayData?: unknown } = require('tslab/dist/jupyter');
  if (!('lastWriteDisplayData' in jupyter)) {
    throw new EnvironmentError(`${caller}: tslab/dist/jupyter no longer exports lastWriteDisplayData; this tslab version is not supported (tested with 1.0.22)`);
  }
  if (typeof jupyter.lastWriteDisplayData !== 'function') {
    throw new EnvironmentError(`${caller}: not running in a tslab Jupyter kernel, so there is nowhere to display the figure; outside a notebook use exportFigure(fig, 'figure.html') and open that file`);
  }
  return jupyter.lastWriteDisplayData as WriteDisplayData;
}

function publish(caller: string, data: MimeBundle): void {
  displayWriter(caller)({ data, metadata: {}, transient: {} }, false);
}

/**
 * Publishes the plotly.js bundle as an output of the current cell. show() calls it on its first
 * chart; call it yourself in a setup cell to keep the ~4.5 MB bundle in a predictable place.
 * Calling it again re-publishes the bundle (useful after clearing that cell's output).
 */
export function loadPlotly(): void {
  publish('loadPlotly', { 'text/html': plotlyLoaderHtml(), 'text/plain': '(plotly.js loaded for the charts in this notebook)' });
  (globalThis as LoadedFlag)[LOADED] = true;
}

/** Displays a figure as an interactive chart in the current cell's output. */
export function show(fig: Figure): void {
  if (!(globalThis as LoadedFlag)[LOADED]) loadPlotly();
  const title = figureTitle(fig);
  publish('show', {
    'text/html': figureHtml(fig),
    [PLOTLY_MIME]: { data: fig.data, layout: fig.layout, config: fig.config ?? {} },
    'text/plain': `<plotly figure${title === undefined ? '' : `: ${title}`}>`,
  });
}
