import { readFileSync } from 'fs';
import { join } from 'path';

/**
 * The plotly.js bundle. Node cannot `import` it (it is a browser UMD bundle that touches `self` and `document`), so
 * it is read from node_modules: inlined into standalone HTML files and the export page, and fetched by notebook
 * charts from the Jupyter server (figure-html.ts).
 */

/** The project root: the folder `npm run lab` serves, and the project kernel's working directory. */
export const PROJECT_ROOT = join(__dirname, '..', '..');

let source: string | undefined;

export function plotlyBundlePath(): string {
  return require.resolve('plotly.js-dist-min/plotly.min.js');
}

/**
 * A script that defines `window.Plotly` unless something already did. `define`, `module` and `exports` are
 * shadowed by undefined parameters so that the UMD bundle sets window.Plotly even where requirejs is loaded.
 * `</script` is escaped so the text can sit inside an HTML script element.
 */
export function plotlyInlineScript(): string {
  if (source === undefined) source = readFileSync(plotlyBundlePath(), 'utf8');
  const body = source.replace(/<\/script/gi, '<\\/script');
  return `if (!window.Plotly) (function (define, module, exports) {\n${body}\n})();`;
}
