import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bars, heatmap, lineBands, logTicks, superscripts, table, textWidthPx } from '../../src/plot/figures';
import type { Figure } from '../../src/plot/figures';

/** A figure must survive JSON unchanged: it is published as JSON and inlined into HTML. */
function assertPlainJson(fig: Figure): void {
  assert.deepEqual(JSON.parse(JSON.stringify(fig)), fig);
}

test('lineBands draws each band as a hi/lo pair filled together, under its mean line', () => {
  const fig = lineBands({
    title: 'error vs n',
    xLog: true,
    yLog: true,
    xTitle: 'n',
    yTitle: 'MSE',
    series: [
      { name: 'RFM', x: [10, 100], mean: [0.5, 0.05], lo: [0.4, 0.04], hi: [0.6, 0.06] },
      { name: 'kernel', x: Float64Array.from([10, 100]), mean: Float64Array.from([0.7, 0.3]) },
    ],
  });
  assertPlainJson(fig);
  assert.deepEqual(
    fig.data.map((t) => t.name),
    ['RFM hi', 'RFM lo', 'RFM', 'kernel'],
  );
  const [hi, lo, mean, plain] = fig.data;
  assert.deepEqual(hi.y, [0.6, 0.06]);
  assert.equal(lo.fill, 'tonexty');
  assert.equal(hi.showlegend, false);
  assert.equal(lo.legendgroup, 'RFM');
  assert.deepEqual(mean.y, [0.5, 0.05]);
  assert.deepEqual(plain.x, [10, 100], 'typed arrays become plain arrays');
  assert.notEqual((mean.line as { color: string }).color, (plain.line as { color: string }).color);
  assert.deepEqual(fig.layout.xaxis, { type: 'log', dtick: 'D2', exponentformat: 'none', title: { text: 'n' } });
  assert.deepEqual(fig.layout.yaxis, { type: 'log', dtick: 'D2', exponentformat: 'none', title: { text: 'MSE' } });
  assert.equal((fig.layout.title as { text: string }).text, 'error vs n');
});

test('titles sit left-aligned below the toolbar band, with an optional caption line, and carets become superscripts', () => {
  const fig = lineBands({
    title: 'f = 5 x1^3 + 2 x2^2, R^{-1}',
    caption: 'L = 4, ridge 1e-3',
    series: [{ name: 's', x: [1, 2], mean: [1, 2] }],
  });
  const title = fig.layout.title as {
    text: string;
    x: number;
    xanchor: string;
    yref: string;
    pad: { t: number };
    subtitle: { text: string };
  };
  assert.equal(title.text, 'f = 5 x1<sup>3</sup> + 2 x2<sup>2</sup>, R<sup>-1</sup>');
  assert.equal(title.subtitle.text, 'L = 4, ridge 1e-3');
  assert.deepEqual([title.x, title.xanchor, title.yref], [0, 'left', 'container']);
  assert.ok(
    (fig.layout.margin as { t: number }).t >= title.pad.t + 24 + 18,
    'the top margin holds toolbar, title and caption',
  );
  assert.equal(superscripts('a ^ b and x^'), 'a ^ b and x^', 'a lone caret stays');
});

test('log axes label powers of ten over three decades or more, 1-2-5 over one to three, and leave short ranges alone', () => {
  assert.deepEqual(logTicks([10, 2000]), { dtick: 'D2', exponentformat: 'none' });
  assert.deepEqual(logTicks([1e-6, 0.5, null]), { dtick: 1, exponentformat: 'power' });
  assert.deepEqual(logTicks([2, 5]), { exponentformat: 'none' });
  assert.deepEqual(logTicks([]), { exponentformat: 'none' });
});

test('lineBands turns NaN into null, which plotly draws as a gap and JSON can hold', () => {
  const fig = lineBands({ series: [{ name: 's', x: [1, 2, 3], mean: [1, NaN, Infinity] }] });
  assert.deepEqual(fig.data[0].y, [1, null, null]);
});

test('lineBands names the series and array whose length is wrong', () => {
  assert.throws(
    () => lineBands({ series: [{ name: 'RFM', x: [1, 2, 3], mean: [1, 2] }] }),
    /series 'RFM'.*mean has length 2 but x has length 3/,
  );
  assert.throws(
    () => lineBands({ series: [{ name: 'RFM', x: [1, 2], mean: [1, 2], lo: [0, 1] }] }),
    /only one of lo and hi/,
  );
});

test('lineBands refuses values a log axis would silently drop', () => {
  assert.throws(
    () => lineBands({ yLog: true, series: [{ name: 'RFM', x: [1, 2], mean: [1, 2], lo: [0, 1], hi: [2, 3] }] }),
    /series 'RFM'.*lo\[0\] = 0 cannot be shown on a log y axis/,
  );
  assert.throws(
    () => lineBands({ xLog: true, series: [{ name: 'a', x: [0, 1], mean: [1, 2] }] }),
    /x\[0\] = 0.*log x axis/,
  );
});

test('heatmap keeps matrix orientation: row 0 at the top, square cells for a square matrix', () => {
  const fig = heatmap({ title: 'M', z: [Float64Array.from([1, 0.5]), Float64Array.from([0.5, 2])] });
  assertPlainJson(fig);
  assert.equal(fig.data[0].type, 'heatmap');
  assert.deepEqual(fig.data[0].z, [
    [1, 0.5],
    [0.5, 2],
  ]);
  assert.equal(fig.data[0].colorscale, 'Viridis');
  const yaxis = fig.layout.yaxis as { autorange: string; scaleanchor?: string; dtick?: number };
  assert.equal(yaxis.autorange, 'reversed');
  assert.equal(yaxis.scaleanchor, 'x');
  assert.equal(yaxis.dtick, 1, 'unlabelled rows are ticked at whole indices');
  assert.equal(
    (heatmap({ z: new Array(100).fill([0]) }).layout.yaxis as { dtick: number }).dtick,
    10,
    'about ten ticks on a large matrix',
  );
});

test('heatmap reads a row-major matrix and centres a diverging scale on zmid', () => {
  const fig = heatmap({
    z: { rows: 2, cols: 3, data: Float64Array.from([1, 2, 3, 4, 5, 6]) },
    zmid: 0,
    x: ['a', 'b', 'c'],
  });
  assert.deepEqual(fig.data[0].z, [
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.equal(fig.data[0].zmid, 0);
  assert.equal(fig.data[0].colorscale, 'RdBu');
  assert.equal((fig.layout.yaxis as { scaleanchor?: string }).scaleanchor, undefined, 'a 2x3 matrix keeps free aspect');
  assert.equal((fig.layout.xaxis as { dtick?: number }).dtick, undefined, 'labelled columns keep their labels');
  assert.throws(
    () => heatmap({ z: { rows: 2, cols: 2, data: [1, 2, 3] } }),
    /z.data has length 3 but z.rows \* z.cols \(2 x 2\) has length 4/,
  );
  assert.throws(() => heatmap({ z: [[1, 2], [3]] }), /z row 1 has length 1/);
});

test('bars groups one bar per series per category, error bars measured from the bar', () => {
  const fig = bars({
    categories: ['RFM', 'Laplace'],
    series: [
      { name: 'accuracy', values: [0.9, 0.8], lo: [0.85, 0.7], hi: [0.95, 0.82] },
      { name: 'baseline', values: [0.5, 0.5] },
    ],
    yTitle: 'accuracy',
  });
  assertPlainJson(fig);
  assert.equal(fig.layout.barmode, 'group');
  assert.deepEqual(fig.data[0].x, ['RFM', 'Laplace']);
  assert.deepEqual(fig.data[0].y, [0.9, 0.8]);
  const error = fig.data[0].error_y as { array: number[]; arrayminus: number[] };
  assert.deepEqual(
    error.array.map((v) => +v.toFixed(6)),
    [0.05, 0.02],
  );
  assert.deepEqual(
    error.arrayminus.map((v) => +v.toFixed(6)),
    [0.05, 0.1],
  );
  assert.equal(fig.data[1].error_y, undefined);
  assert.throws(
    () => bars({ categories: ['a'], series: [{ name: 's', values: [1, 2] }] }),
    /series 's'.*values has length 2 but categories has length 1/,
  );
});

test('bars can lay out horizontally for long category names', () => {
  const fig = bars({
    categories: ['a long model name'],
    series: [{ name: 's', values: [3], lo: [2], hi: [4] }],
    horizontal: true,
  });
  assert.equal(fig.data[0].orientation, 'h');
  assert.deepEqual(fig.data[0].y, ['a long model name']);
  assert.ok(fig.data[0].error_x);
});

test('table holds one column of shown strings per header, numbers to the given digits', () => {
  const fig = table({
    title: 'results',
    columns: ['model', 'test MSE', 'n'],
    rows: [
      ['RFM', 0.0123456, 1000],
      ['Laplace', NaN, 1000],
      ['NTK', null, 20],
    ],
  });
  assertPlainJson(fig);
  const trace = fig.data[0] as {
    type: string;
    header: { values: string[] };
    cells: { values: string[][]; align: string[] };
  };
  assert.equal(trace.type, 'table');
  assert.deepEqual(trace.header.values, ['model', 'test MSE', 'n']);
  assert.deepEqual(trace.cells.values, [
    ['RFM', 'Laplace', 'NTK'],
    ['0.01235', 'NaN', ''],
    ['1000', '1000', '20'],
  ]);
  assert.deepEqual(trace.cells.align, ['left', 'right', 'right']);
  assert.ok((fig.layout.height as number) > 3 * 28, 'tall enough for every row');
  assert.ok((fig.layout.width as number) >= textWidthPx('results', 17), 'as wide as its title');
  assert.throws(() => table({ columns: ['a', 'b'], rows: [['x']] }), /row 0 has length 1 but columns has length 2/);
});

test('a table is as wide as its columns need and as tall as its rows, wrapped lines counted', () => {
  const long = 'a model name long enough that it would not fit a narrow column at all';
  const rows = [
    ['n-gram', 0.5],
    ['Laplace', 0.25],
    ['RFM', 0.125],
  ];
  const narrow = table({ columns: ['model', 'bits'], rows });
  const wide = table({ columns: ['model', 'bits'], rows: [...rows, [long, 1]] });
  const widths = (f: Figure) => f.data[0].columnwidth as number[];
  assert.ok(widths(wide)[0] > widths(narrow)[0], 'a longer entry widens its column');
  assert.ok(widths(wide)[0] >= textWidthPx(long, 12), 'wide enough for the entry on one line');
  const wrapped = table({ columns: ['model', 'bits'], rows: [...rows, [`${long} ${long} ${long}`, 1]] });
  assert.ok(
    (wrapped.layout.height as number) > (wide.layout.height as number),
    'an entry past the column limit wraps, and its extra lines are counted',
  );
  const titled = table({
    title: 'A title much longer than the two narrow columns of this table',
    columns: ['a', 'b'],
    rows: [[1, 2]],
  });
  assert.ok(
    (titled.layout.width as number) >= textWidthPx('A title much longer than the two narrow columns of this table', 17),
  );
});
