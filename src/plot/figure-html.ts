import { randomBytes } from 'crypto';
import { relative } from 'path';
import type { Figure } from './figures';
import { plotlyBundlePath, plotlyInlineScript, PROJECT_ROOT } from './plotly-bundle';

const DEFAULT_HEIGHT_PX = 450;

/** JSON inside a <script> element must not contain `</script>` or `<!--`; `\u003c` keeps it valid JSON. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function figureTitle(fig: Figure): string | undefined {
  const title = fig.layout.title;
  if (typeof title === 'string') return title;
  if (title !== null && typeof title === 'object' && typeof (title as { text?: unknown }).text === 'string') {
    return (title as { text: string }).text;
  }
  return undefined;
}

/** A title as plain text (no <sup>, <br>...), for placeholders and text/plain. */
export function plainTitle(fig: Figure): string | undefined {
  const title = figureTitle(fig);
  if (title === undefined) return undefined;
  return title
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<sup>/gi, '^')
    .replace(/<\/?(?:sup|sub|b|i|em|span)\b[^>]*>/gi, '');
}

/**
 * The page-side loader every chart output carries (about 2 KB). A chart must draw after a browser reload and in a
 * saved notebook reopened later, without rerunning anything and without plotly.js (4.5 MB) stored in the notebook, so
 * each chart fetches plotly.js itself, once per page, from the Jupyter server that serves the notebook: its /files/
 * route serves any file under the server's root. `npm run lab` roots the server at the project, where
 * node_modules/plotly.js-dist-min/plotly.min.js is; a server rooted higher up is found through the notebook's folder
 * in the page address (the project's notebooks live in <project>/notebooks/).
 *
 * The fetched text runs with `define`, `module` and `exports` shadowed: the classic notebook has requirejs, and with a
 * global `define` the UMD bundle would register an anonymous AMD module (a "Mismatched anonymous define()" error)
 * instead of setting window.Plotly. Where scripts do not run at all (an untrusted notebook), the placeholder text
 * stays and says what to do.
 */
function loaderScript(bundleFromRoot: string): string {
  return `var rfm = window.rfmLabPlotly || (window.rfmLabPlotly = {});
if (!rfm.load) {
  rfm.baseUrl = function () {
    var config = document.getElementById('jupyter-config-data');
    if (config) { try { var base = JSON.parse(config.textContent).baseUrl; if (base) return base; } catch (e) {} }
    if (document.body && document.body.getAttribute('data-base-url')) return document.body.getAttribute('data-base-url');
    return '/';
  };
  rfm.urls = function () {
    var base = rfm.baseUrl().replace(/\\/?$/, '/');
    var urls = [base + 'files/' + rfm.bundle];
    var page = decodeURIComponent(location.pathname);
    var m = /\\/(?:tree|notebooks)\\/(.*)\\/[^\\/]*\\.ipynb$/.exec(page);
    if (m) {
      var project = m[1].split('/').slice(0, -1).join('/');
      if (project) urls.push(base + 'files/' + project + '/' + rfm.bundle);
    }
    return urls;
  };
  rfm.load = function () {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (rfm.loading) return rfm.loading;
    var urls = rfm.urls(), tried = [];
    function attempt(i) {
      if (i >= urls.length) return Promise.reject(new Error(tried.join('; ')));
      return fetch(urls[i], { credentials: 'same-origin' }).then(function (response) {
        if (!response.ok) throw new Error(urls[i] + ': HTTP ' + response.status);
        return response.text();
      }).then(function (source) {
        new Function('define', 'module', 'exports', source).call(window);
        if (!window.Plotly) throw new Error(urls[i] + ' did not define Plotly');
        return window.Plotly;
      }).catch(function (e) { tried.push(e.message); return attempt(i + 1); });
    }
    rfm.loading = attempt(0);
    rfm.loading.catch(function () { rfm.loading = undefined; });
    return rfm.loading;
  };
}
rfm.bundle = ${JSON.stringify(bundleFromRoot)};`;
}

/** Where plotly.js is, relative to the project root (the folder `npm run lab` serves). */
function bundleFromRoot(): string {
  return relative(PROJECT_ROOT, plotlyBundlePath()).split('\\').join('/');
}

/**
 * Page-side: grows a drawn figure whose table needs scrolling until every row shows. plotly draws a table's scrollbar
 * (at opacity 0.4) when its rows are taller than the space the layout gives them, e.g. when text wraps differently
 * from the estimate table() made; its state says by how much. Resolves to the pixels added.
 */
export const FIT_TABLES_IN_PAGE = `function rfmFitTables(el, Plotly) {
  var extra = 0;
  var glyphs = el.querySelectorAll('.scrollbar-glyph');
  for (var i = 0; i < glyphs.length; i++) {
    var state = glyphs[i].__data__ && glyphs[i].__data__.scrollbarState;
    if (state && state.wiggleRoom > extra) extra = state.wiggleRoom;
  }
  if (!(extra > 0)) return Promise.resolve(0);
  var height = Math.ceil((el.layout && el.layout.height || el.clientHeight) + extra + 4);
  el.style.height = height + 'px';
  return Plotly.relayout(el, { height: height }).then(function () { return extra; });
}`;

/**
 * A div plus a script that draws the figure into it. The script fetches plotly.js if the page has none yet (see
 * loaderScript) and draws once the div is attached: JupyterLab may run the script before it attaches the output.
 * `inlinePlotly` is for standalone files, which carry the bundle themselves.
 */
export function figureHtml(fig: Figure, options: { inlinePlotly?: boolean } = {}): string {
  const id = `rfm-plot-${randomBytes(8).toString('hex')}`;
  const height = typeof fig.layout.height === 'number' ? fig.layout.height : DEFAULT_HEIGHT_PX;
  const width = typeof fig.layout.width === 'number' ? `${fig.layout.width}px` : '100%';
  const title = plainTitle(fig);
  const named = `Chart${title === undefined ? '' : ` "${escapeHtml(title)}"`}`;
  const placeholder =
    `${named}: its script has not run. Scripts run only in a trusted notebook: trust this one ` +
    '(JupyterLab: command palette, "Trust Notebook"; classic notebook: File, "Trust Notebook") or re-run the cell.';
  const script = `(function () {
${options.inlinePlotly ? 'var rfm = { load: function () { return Promise.resolve(window.Plotly); } };' : loaderScript(bundleFromRoot())}
${FIT_TABLES_IN_PAGE}
var fig = ${scriptJson(fig)};
var id = ${JSON.stringify(id)};
var started = Date.now();
function fail(message) {
  var el = document.getElementById(id);
  if (el) el.textContent = ${JSON.stringify(named)} + ' could not be drawn: ' + message;
}
function draw() {
  var el = document.getElementById(id);
  if (!el) { if (Date.now() - started < 30000) setTimeout(draw, 50); return; }
  el.textContent = 'Loading plotly.js...';
  rfm.load().then(function (Plotly) {
    el.textContent = '';
    return Plotly.newPlot(el, fig.data, fig.layout, fig.config || {}).then(function () { return rfmFitTables(el, Plotly); });
  }, function (e) {
    fail('plotly.js could not be fetched (' + e.message + '). Start Jupyter with "npm run lab" (it serves the project folder, '
      + 'where node_modules/plotly.js-dist-min is), or open the figure exported as HTML.');
  }).catch(function (e) { fail(String(e && e.message || e)); });
}
draw();
})();`;
  const bundle = options.inlinePlotly ? `<script type="text/javascript">\n${plotlyInlineScript()}\n</script>\n` : '';
  return `${bundle}<div id="${id}" class="rfm-plot" style="width:${width};height:${height}px">${placeholder}</div>\n<script type="text/javascript">\n${script}\n</script>`;
}

/** A self-contained page: plotly.js inlined, so it opens offline and needs no server. */
export function standaloneHtml(fig: Figure): string {
  const title = escapeHtml(plainTitle(fig) ?? 'Figure');
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>${title}</title>
</head>
<body>
${figureHtml(fig, { inlinePlotly: true })}
</body>
</html>
`;
}
