import { test } from 'node:test';
import assert from 'node:assert/strict';
import { display, displayData, PLOTLY_MIME, show } from '../../src/plot/display';
import { figureHtml, standaloneHtml } from '../../src/plot/figure-html';
import { heatmap, lineBands } from '../../src/plot/figures';

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

test('show() publishes each chart as HTML plus the plotly MIME bundle in one output, without the plotly.js bundle', () => {
  const published = captureDisplays(() => {
    show(fig);
    show(fig);
  });
  assert.equal(published.length, 2, 'one output per chart, nothing else');
  for (const chart of published) {
    assert.deepEqual(Object.keys(chart.data).sort(), [PLOTLY_MIME, 'text/html', 'text/plain']);
    assert.deepEqual(chart.data[PLOTLY_MIME], { data: fig.data, layout: fig.layout, config: fig.config });
    assert.ok((chart.data['text/html'] as string).length < 10_000, 'charts do not carry the bundle');
  }
  assert.equal(published[0].data['text/plain'], '<plotly figure: a </script> title>');
});

test('displayed charts carry their numbers to 5 significant digits', () => {
  const precise = lineBands({ series: [{ name: 's', x: [1, 2], mean: [1 / 3, 123456.789] }] });
  const [chart] = captureDisplays(() => show(precise));
  assert.deepEqual((chart.data[PLOTLY_MIME] as { data: { y: number[] }[] }).data[0].y, [0.33333, 123460]);
  assert.deepEqual(displayData({ z: [[0.123456789, null, 7]] }), { z: [[0.12346, null, 7]] });
  const m = displayData({
    type: 'heatmap',
    z: [
      [1.23456789, -0.00000123],
      [0.5, null],
    ],
    colorscale: 'RdBu',
  });
  assert.deepEqual(
    m,
    {
      type: 'heatmap',
      z: [
        [1.2346, 0],
        [0.5, null],
      ],
      colorscale: 'RdBu',
    },
    'heatmap cells to 1e-4 of the largest',
  );
});

test('a large heatmap travels as base64 float32 in the HTML, and without the plotly JSON copy', () => {
  const z = Array.from({ length: 120 }, (_, i) => Array.from({ length: 120 }, (_, j) => Math.sin(i * 120 + j)));
  const [chart] = captureDisplays(() => show(heatmap({ title: 'big', z })));
  const html = chart.data['text/html'] as string;
  assert.match(html, /"z":\{"dtype":"f4","bdata":"[A-Za-z0-9+\/=]+","shape":"120,120"\}/);
  assert.ok(html.length < 120 * 120 * 4 * 1.4 + 10_000, `${html.length} characters`);
  assert.equal(chart.data[PLOTLY_MIME], undefined, 'the JSON copy is left out above 64 KB');
  const [small] = captureDisplays(() =>
    show(
      heatmap({
        z: [
          [1, 2],
          [3, 4],
        ],
      }),
    ),
  );
  assert.deepEqual(
    (small.data[PLOTLY_MIME] as { data: { z: number[][] }[] }).data[0].z,
    [
      [1, 2],
      [3, 4],
    ],
    'small heatmaps keep plain arrays',
  );
});

test('every chart can fetch plotly.js itself from the Jupyter server, relative to the project root', () => {
  const html = figureHtml(fig);
  assert.ok(
    html.includes('rfm.bundle = "node_modules/plotly.js-dist-min/plotly.min.js"'),
    'the bundle path from the project root',
  );
  assert.ok(html.includes("base + 'files/' + rfm.bundle"), "through the server's /files/ route");
  assert.ok(html.includes("new Function('define', 'module', 'exports', source)"), "with requirejs's define shadowed");
  assert.match(html, /Trust Notebook/, 'the placeholder says what to do where scripts do not run');
});

test('display() publishes a bundle and updates it in place by display id', () => {
  const updates: boolean[] = [];
  const published: Published[] = [];
  tslabJupyter.lastWriteDisplayData = (content: Published, update: boolean) => {
    published.push(content);
    updates.push(update);
  };
  try {
    display({ 'text/plain': 'a' }, { displayId: 'p1' });
    display({ 'text/plain': 'b' }, { displayId: 'p1', update: true });
  } finally {
    tslabJupyter.lastWriteDisplayData = null;
  }
  assert.deepEqual(updates, [false, true]);
  assert.deepEqual(
    published.map((p) => p.transient),
    [{ display_id: 'p1' }, { display_id: 'p1' }],
  );
});

test('chart HTML is a div and a script that waits for Plotly, safe against </script> in the data', () => {
  const html = figureHtml(fig);
  const id = /<div id="(rfm-plot-[0-9a-f]+)"/.exec(html)?.[1];
  assert.ok(id, 'a div with a generated id');
  assert.ok(html.includes(`var id = ${JSON.stringify(id)}`));
  assert.ok(html.includes('Plotly.newPlot'));
  assert.equal(html.match(/<\/script>/g)?.length, 1, 'only the closing tag of its own script');
  assert.ok(html.includes('a &lt;/script&gt; title'), 'the placeholder text is escaped');
  assert.notEqual(/<div id="(rfm-plot-[0-9a-f]+)"/.exec(figureHtml(fig))?.[1], id, 'each chart gets its own id');
});

test('standalone HTML inlines plotly.js and the chart', () => {
  const html = standaloneHtml(fig);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(html.includes('<title>a &lt;/script&gt; title</title>'));
  assert.ok(html.length > 1_000_000, 'plotly.js inlined');
  assert.ok(html.includes('Plotly.newPlot'));
  assert.ok(!html.includes("'files/'"), 'no fetch from a server');
});
