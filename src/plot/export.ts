import { EnvironmentError, OptionError } from '../core/errors';
import { mkdirSync, writeFileSync } from 'fs';
import { dirname, extname, resolve } from 'path';
import type { Browser, Page } from 'playwright-core';
import type { Figure } from './figures';
import { launchChromium } from './chromium';
import { plotlyBundlePath } from './plotly-bundle';
import { standaloneHtml } from './figure-html';

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
  /** PNG pixel density: 2 gives a sharp image at the same layout size. */
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

const FORMATS: { [ext: string]: ExportFormat } = { '.png': 'png', '.svg': 'svg', '.html': 'html', '.htm': 'html' };

function formatOf(path: string, options: ExportOptions): ExportFormat {
  if (options.format !== undefined) return options.format;
  const format = FORMATS[extname(path).toLowerCase()];
  if (format === undefined) {
    throw new OptionError(`exportFigure: cannot tell the format of '${path}'; name it .png, .svg or .html, or pass { format }`);
  }
  return format;
}

/**
 * Runs in the page. Kept as source text rather than a function so that no transpiler
 * (tsx, tslab) can rewrite it into something referring to helpers that exist only in Node.
 */
const TO_IMAGE_IN_PAGE = `async ({ fig, options }) => {
  return await window.Plotly.toImage({ data: fig.data, layout: fig.layout, config: fig.config || {} }, options);
}`;

function dataUrlBytes(url: string): Buffer {
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || comma < 0) throw new EnvironmentError(`plotly returned something other than a data URL: ${url.slice(0, 40)}`);
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
    await p.addScriptTag({ path: plotlyBundlePath() });
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
        scale: options.scale ?? 1,
      };
      const url: string = await (await page).evaluate(`(${TO_IMAGE_IN_PAGE})(${JSON.stringify({ fig, options: imageOptions })})`);
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
