import { readFileSync } from 'fs';

/**
 * The plotly.js bundle as script text. Node cannot `import` it (it is a browser UMD bundle
 * that touches `self` and `document`), so it is read from node_modules instead.
 */

let source: string | undefined;

export function plotlyBundlePath(): string {
  return require.resolve('plotly.js-dist-min/plotly.min.js');
}

function bundleSource(): string {
  if (source === undefined) source = readFileSync(plotlyBundlePath(), 'utf8');
  return source;
}

/**
 * A script that defines `window.Plotly` unless a previous output already did.
 * The classic notebook has requirejs: with a global `define`, the UMD bundle would register an
 * anonymous AMD module (a "Mismatched anonymous define()" error) instead of setting window.Plotly,
 * so `define`, `module` and `exports` are shadowed by undefined parameters around it.
 * `</script` is escaped so the text can sit inside an HTML script element.
 */
export function plotlyLoaderScript(): string {
  const body = bundleSource().replace(/<\/script/gi, '<\\/script');
  return `if (!window.Plotly) (function (define, module, exports) {\n${body}\n})();`;
}
