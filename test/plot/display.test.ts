import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPlotly, PLOTLY_MIME, show } from '../../src/plot/display';
import { figureHtml, standaloneHtml } from '../../src/plot/figure-html';
import { lineBands } from '../../src/plot/figures';

// The module show() writes through; the test stands in for the kernel by replacing its writer.
const tslabJupyter: { lastWriteDisplayData: unknown } = require('tslab/dist/jupyter');

type Published = { data: { [mime: string]: unknown }; metadata: object; transient: object };

const fig = lineBands({ title: 'a </script> title', series: [{ name: 's', x: [1, 2], mean: [3, 4] }] });

function captureDisplays(run: () => void): Published[] {
  const published: Published[] = [];
  tslabJupyter.lastWriteDisplayData = (content: Published, update: boolean) => {
    assert.equal(update, false);
    published.push(content);
  };
  try {
    run();
  } finally {
    tslabJupyter.lastWriteDisplayData = null;
  }
  return published;
}

test('show() outside a tslab kernel says there is nowhere to display and what to do instead', () => {
  assert.throws(() => show(fig), /not running in a tslab Jupyter kernel.*exportFigure/);
});

test('show() publishes plotly.js once, then each chart as HTML plus the plotly MIME bundle in one output', () => {
  delete (globalThis as { [key: symbol]: unknown })[Symbol.for('rfm-lab.plot.plotlyLoaded')];
  const published = captureDisplays(() => {
    show(fig);
    show(fig);
  });
  assert.equal(published.length, 3, 'bundle, chart, chart');
  const [bundle, first, second] = published;
  assert.deepEqual(Object.keys(bundle.data).sort(), ['text/html', 'text/plain']);
  assert.ok((bundle.data['text/html'] as string).length > 1_000_000, 'the whole plotly.js bundle');
  for (const chart of [first, second]) {
    assert.deepEqual(Object.keys(chart.data).sort(), [PLOTLY_MIME, 'text/html', 'text/plain']);
    assert.deepEqual(chart.data[PLOTLY_MIME], { data: fig.data, layout: fig.layout, config: fig.config });
    assert.ok((chart.data['text/html'] as string).length < 10_000, 'charts do not carry the bundle');
  }
  assert.equal(first.data['text/plain'], '<plotly figure: a </script> title>');
});

test('loadPlotly() re-publishes the bundle on request', () => {
  const published = captureDisplays(() => loadPlotly());
  assert.equal(published.length, 1);
  assert.match(published[0].data['text/html'] as string, /if \(!window\.Plotly\) \(function \(define, module, exports\)/);
});

test('chart HTML is a div and a script that waits for Plotly, safe against </script> in the data', () => {
  const html = figureHtml(fig);
  const id = /<div id="(rfm-plot-[0-9a-f]+)"/.exec(html)?.[1];
  assert.ok(id, 'a div with a generated id');
  assert.ok(html.includes(`document.getElementById(${JSON.stringify(id)})`));
  assert.ok(html.includes('window.Plotly.newPlot'));
  assert.equal(html.match(/<\/script>/g)?.length, 1, 'only the closing tag of its own script');
  assert.ok(html.includes('a &lt;/script&gt; title'), 'the placeholder text is escaped');
  assert.notEqual(/<div id="(rfm-plot-[0-9a-f]+)"/.exec(figureHtml(fig))?.[1], id, 'each chart gets its own id');
});

test('standalone HTML inlines plotly.js and the chart', () => {
  const html = standaloneHtml(fig);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(html.includes('<title>a &lt;/script&gt; title</title>'));
  assert.ok(html.length > 1_000_000);
  assert.ok(html.includes('window.Plotly.newPlot'));
});
