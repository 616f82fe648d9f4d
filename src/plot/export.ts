import { EnvironmentError, OptionError } from '../core/errors';
import { mkdirSync, writeFileSync } from 'fs';
import { dirname, extname, join, relative, resolve, sep } from 'path';
import type { Browser, Page } from 'playwright-core';
import type { Figure } from './figures';
import { findChromium, launchChromium } from './chromium';
import { canDisplay, display } from './display';
import { FIT_TABLES_IN_PAGE, standaloneHtml } from './figure-html';
import { PROJECT_ROOT, plotlyInlineScript } from './plotly-bundle';
import { reportPath } from './report-path';

/**
 * Writing figures to files: standalone HTML (no browser needed) and PNG or SVG, which plotly
 * can only render in a browser, hence headless Chromium driven by playwright-core.
 */

export type ExportFormat = 'png' | 'svg' | 'html';

export interface ExportOptions {
  /** Defaults to the path's extension. */
  format?: ExportFormat;
  /** Image size in CSS pixels; defaults to the figure's layout size, else 900 x 500. */
  width?: number;
  height?: number;
  /** PNG pixel density; the default 2 gives a sharp image at the layout's size (a 900 x 500 figure is 1800 x 1000 px). */
  scale?: number;
}

export interface FigureExporter {
  /** Writes the figure and resolves to the absolute path written. */
  export(fig: Figure, path: string, options?: ExportOptions): Promise<string>;
  /** Closes the browser, if one was started. */
  close(): Promise<void>;
}

const DEFAULT_WIDTH = 900;
const DEFAULT_HEIGHT = 500;
const DEFAULT_SCALE = 2;

const FORMATS: { [ext: string]: ExportFormat } = { '.png': 'png', '.svg': 'svg', '.html': 'html', '.htm': 'html' };

function formatOf(path: string, options: ExportOptions): ExportFormat {
  if (options.format !== undefined) return options.format;
  const format = FORMATS[extname(path).toLowerCase()];
  if (format === undefined) {
    throw new OptionError(
      `exportFigure: cannot tell the format of '${path}'; name it .png, .svg or .html, or pass { format }`,
    );
  }
  return format;
}

/**
 * Runs in the page. Kept as source text rather than a function so that no transpiler (tsx, tslab) can rewrite it into
 * something referring to helpers that exist only in Node. The figure is drawn first so that a table can grow until
 * every row shows (rfmFitTables); the image is then taken at the drawn height.
 */
const TO_IMAGE_IN_PAGE = `async ({ fig, options }) => {
  ${FIT_TABLES_IN_PAGE}
  const el = document.createElement('div');
  el.style.width = options.width + 'px';
  el.style.height = options.height + 'px';
  document.body.appendChild(el);
  try {
    const layout = Object.assign({}, fig.layout, { width: options.width, height: options.height });
    await window.Plotly.newPlot(el, fig.data, layout, fig.config || {});
    for (let i = 0; i < 3 && (await rfmFitTables(el, window.Plotly)) > 0; i++);
    const height = el.layout.height;
    return await window.Plotly.toImage(el, Object.assign({}, options, { height: height }));
  } finally {
    window.Plotly.purge(el);
    el.remove();
  }
}`;

function dataUrlBytes(url: string): Buffer {
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || comma < 0)
    throw new EnvironmentError(`plotly returned something other than a data URL: ${url.slice(0, 40)}`);
  const meta = url.slice(0, comma);
  const payload = url.slice(comma + 1);
  return meta.endsWith(';base64') ? Buffer.from(payload, 'base64') : Buffer.from(decodeURIComponent(payload), 'utf8');
}

function layoutNumber(fig: Figure, key: string): number | undefined {
  const value = fig.layout[key];
  return typeof value === 'number' ? value : undefined;
}

/**
 * An exporter that starts Chromium on its first PNG or SVG and reuses it (and its page with
 * plotly.js loaded) for every later one. Call close() when done, or the process stays alive.
 */
export function createExporter(): FigureExporter {
  let browser: Browser | undefined;
  let page: Promise<Page> | undefined;

  async function openPage(): Promise<Page> {
    browser = await launchChromium();
    const p = await browser.newPage();
    await p.addScriptTag({ content: plotlyInlineScript() });
    return p;
  }

  return {
    async export(fig, path, options = {}) {
      const format = formatOf(path, options);
      const target = resolve(path);
      mkdirSync(dirname(target), { recursive: true });
      if (format === 'html') {
        writeFileSync(target, standaloneHtml(fig));
        return target;
      }
      if (page === undefined) page = openPage();
      const imageOptions = {
        format,
        width: options.width ?? layoutNumber(fig, 'width') ?? DEFAULT_WIDTH,
        height: options.height ?? layoutNumber(fig, 'height') ?? DEFAULT_HEIGHT,
        scale: options.scale ?? DEFAULT_SCALE,
      };
      const url: string = await (
        await page
      ).evaluate(`(${TO_IMAGE_IN_PAGE})(${JSON.stringify({ fig, options: imageOptions })})`);
      writeFileSync(target, dataUrlBytes(url));
      return target;
    },
    async close() {
      const b = browser;
      browser = undefined;
      page = undefined;
      if (b) await b.close();
    },
  };
}

/** Exports one figure; for many PNG/SVG files, createExporter() avoids starting Chromium for each. */
export async function exportFigure(fig: Figure, path: string, options: ExportOptions = {}): Promise<string> {
  const exporter = createExporter();
  try {
    return await exporter.export(fig, path, options);
  } finally {
    await exporter.close();
  }
}

export interface ExportFiguresOptions {
  /** Default: all three. PNG and SVG need Chromium; without one they are skipped with a printed line saying so. */
  formats?: ExportFormat[];
  scale?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function checkName(what: string, name: string): void {
  if (!NAME.test(name)) {
    throw new Error(`exportFigures: ${what} "${name}" cannot be a file name; use letters, digits, ".", "_" and "-"`);
  }
}

/**
 * The folder a notebook's file sits in, which relative links in its outputs are resolved against: RFM_NOTEBOOK_DIR
 * (the runner sets it to where it writes executed copies), else the project's notebooks/.
 */
function notebookDir(): string {
  return resolve(process.env.RFM_NOTEBOOK_DIR ?? join(PROJECT_ROOT, 'notebooks'));
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function urlPath(path: string): string {
  return path.split(sep).map(encodeURIComponent).join('/');
}

/** Prints what was written: links relative to the notebook (JupyterLab opens them in a tab), paths relative to the project. */
function announce(notebook: string, written: string[], notes: string[]): void {
  const fromRoot = written.map((path) => relative(process.cwd(), path));
  const summary = `${written.length} files written to ${relative(process.cwd(), reportPath(notebook)) || '.'}/`;
  if (!canDisplay()) {
    console.log([summary, ...fromRoot.map((p) => `  ${p}`), ...notes].join('\n'));
    return;
  }
  const links = written.map(
    (path, i) =>
      `<li><a href="${escapeHtml(urlPath(relative(notebookDir(), path)))}" target="_blank">${escapeHtml(fromRoot[i])}</a></li>`,
  );
  display({
    'text/html': `<div class="rfm-exports">${escapeHtml(summary)}<ul style="margin:0.2em 0">${links.join('')}</ul>${notes.map((n) => `<div>${escapeHtml(n)}</div>`).join('')}</div>`,
    'text/plain': [summary, ...fromRoot.map((p) => `  ${p}`), ...notes].join('\n'),
  });
}

/**
 * The one way notebooks write their figures: `reports/<notebook>/<figure>.{png,svg,html}` (under RFM_REPORTS_DIR
 * when the runner sets it), PNG at 2x, tables grown until every row shows. Prints the files written as links that
 * JupyterLab opens. Resolves to nothing, so that `await exportFigures(...)` ending a cell prints only the links.
 */
export async function exportFigures(
  figures: { [name: string]: Figure },
  notebook: string,
  options: ExportFiguresOptions = {},
): Promise<void> {
  checkName('notebook name', notebook);
  for (const name of Object.keys(figures)) checkName('figure name', name);
  let formats = options.formats ?? ['png', 'svg', 'html'];
  for (const format of formats) {
    if (format !== 'png' && format !== 'svg' && format !== 'html')
      throw new Error(`exportFigures: unknown format "${String(format)}" (png, svg or html)`);
  }
  const notes: string[] = [];
  if (formats.some((f) => f !== 'html')) {
    try {
      findChromium();
    } catch (e) {
      notes.push(`PNG and SVG skipped: ${(e as Error).message}`);
      formats = formats.filter((f) => f === 'html');
    }
  }
  const exporter = createExporter();
  const written: string[] = [];
  try {
    for (const [name, fig] of Object.entries(figures)) {
      for (const format of formats) {
        written.push(
          await exporter.export(fig, reportPath(notebook, `${name}.${format}`), { format, scale: options.scale }),
        );
      }
    }
  } finally {
    await exporter.close();
  }
  announce(notebook, written, notes);
}
