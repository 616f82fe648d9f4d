import { randomBytes } from 'crypto';
import type { Figure } from './figures';
import { plotlyLoaderScript } from './plotly-bundle';

/** How long a chart waits for plotly.js (loaded by an earlier output) before saying it is missing. */
const WAIT_FOR_PLOTLY_MS = 30000;
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

/**
 * A div plus a script that draws the figure into it once window.Plotly exists.
 * The script polls because in a notebook plotly.js arrives in an earlier output, and because
 * JupyterLab may run the script before the output is attached to the page.
 * The placeholder text is what a reader sees where scripts do not run (an untrusted notebook).
 */
export function figureHtml(fig: Figure): string {
  const id = `rfm-plot-${randomBytes(8).toString('hex')}`;
  const height = typeof fig.layout.height === 'number' ? fig.layout.height : DEFAULT_HEIGHT_PX;
  const width = typeof fig.layout.width === 'number' ? `${fig.layout.width}px` : '100%';
  const placeholder = `Interactive chart${figureTitle(fig) === undefined ? '' : ` "${escapeHtml(figureTitle(fig) as string)}"`}: `
    + 'it renders where the notebook is trusted; re-run this cell to see it.';
  const script = `(function () {
  var fig = ${scriptJson(fig)};
  var started = Date.now();
  function draw() {
    var el = document.getElementById(${JSON.stringify(id)});
    if (el && window.Plotly) {
      el.textContent = '';
      window.Plotly.newPlot(el, fig.data, fig.layout, fig.config || {});
    } else if (Date.now() - started < ${WAIT_FOR_PLOTLY_MS}) {
      setTimeout(draw, 100);
    } else if (el) {
      el.textContent = 'plotly.js did not load: re-run the first cell that displays a chart, or call loadPlotly().';
    }
  }
  draw();
})();`;
  return `<div id="${id}" class="rfm-plot" style="width:${width};height:${height}px">${placeholder}</div>\n<script type="text/javascript">\n${script}\n</script>`;
}

/** The script element that defines window.Plotly; large (the whole plotly.js bundle). */
export function plotlyLoaderHtml(): string {
  return `<script type="text/javascript">\n${plotlyLoaderScript()}\n</script>`;
}

/** A self-contained page: plotly.js inlined, so it opens offline and needs no server. */
export function standaloneHtml(fig: Figure): string {
  const title = escapeHtml(figureTitle(fig) ?? 'Figure');
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>${title}</title>
${plotlyLoaderHtml()}
</head>
<body>
${figureHtml(fig)}
</body>
</html>
`;
}
