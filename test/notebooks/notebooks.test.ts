import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { displayed, notebooksUnavailable, readNotebook, ROOT, runNotebooks, streamText } from './notebook-run';
import type { Figure } from '../../src/plot/figures';

/**
 * Every notebook the project ships runs top to bottom in quick mode (RFM_QUICK=1) through Jupyter and the project
 * kernel, and its outputs hold what a reader needs: figures published, numbers finite, tables complete.
 */

const skip = notebooksUnavailable();
const out = mkdtempSync(join(tmpdir(), 'rfm-notebooks-'));
after(() => rmSync(out, { recursive: true, force: true }));

function run(name: string): ReturnType<typeof readNotebook> {
  const result = runNotebooks(['--quick', '--out', out, join(ROOT, 'notebooks', name)]);
  assert.equal(result.status, 0, `${name} failed:\n${result.stdout}\n${result.stderr}`);
  return readNotebook(join(out, name));
}

function figures(nb: ReturnType<typeof readNotebook>): Figure[] {
  return displayed(nb, 'application/vnd.plotly.v1+json') as Figure[];
}

function titles(figs: Figure[]): string[] {
  return figs.map((f) => (f.layout.title as { text?: string } | undefined)?.text ?? '');
}

/** Every number in `text` after `label` (e.g. "R^2 = 0.81"): parsed, so NaN or garbage fails. */
function numbersAfter(text: string, label: RegExp): number[] {
  const found: number[] = [];
  for (const m of text.matchAll(new RegExp(`${label.source}\\s*(-?[0-9.eE+-]+|NaN|Infinity)`, 'g'))) found.push(Number(m[1]));
  return found;
}

test('00-quickstart: both models fit, M is shown, the RFM beats the plain kernel, figures export', { skip }, () => {
  const nb = run('00-quickstart.ipynb');
  const stdout = streamText(nb, 'stdout');
  const [krr] = numbersAfter(stdout, /Laplace kernel: test R\^2 =/);
  const [rfm] = numbersAfter(stdout, /RFM: kept iteration \d+; test R\^2 =/);
  assert.ok(Number.isFinite(krr) && Number.isFinite(rfm), stdout);
  assert.ok(rfm > krr, `the RFM (R^2 ${rfm}) should beat the Laplace kernel (${krr}) on a target of two coordinates`);
  const [restored] = numbersAfter(stdout, /restored RFM: test R\^2 =/);
  assert.equal(restored, rfm, 'the JSON round trip predicts the same');
  assert.deepEqual(titles(figures(nb)), ['RFM: MSE per iteration', 'RFM feature matrix M', 'Test R<sup>2</sup>']);
  assert.match(stdout, /^parameters:\n {2}n +\= 200 +\(training points\)/m, 'the parameters cell prints the configuration');
  for (const file of ['M.png', 'M.svg', 'M.html', 'curve.png']) assert.ok(existsSync(join(out, '00-quickstart', file)), file);
});

test('01-scaling-test: curves for both models with bands, the comparison table, exports', { skip }, () => {
  const nb = run('01-scaling-test.ipynb');
  const figs = figures(nb);
  assert.equal(figs.length, 3);
  const [mse, normalised, comparison] = figs;
  const names = mse.data.map((t) => t.name);
  for (const want of ['RFM', 'Laplace kernel (M = I)', 'study: RFM (read off its figure)']) assert.ok(names.includes(want), `${want} in ${names}`);
  for (const fig of [mse, normalised]) {
    for (const trace of fig.data.filter((t) => t.mode === 'lines+markers')) {
      const y = trace.y as (number | null)[];
      assert.ok(y.length > 0 && y.every((v) => v !== null && Number.isFinite(v) && v > 0), `${trace.name}: ${y}`);
    }
  }
  const cells = (comparison.data[0].cells as { values: string[][] }).values;
  assert.ok(cells[2].every((v) => Number.isFinite(Number(v))), `RFM column: ${cells[2]}`);
  assert.match((mse.layout.title as { subtitle: { text: string } }).subtitle.text, /L = 1, ridge 0\.001, T = 3/, 'the hyperparameters in the caption');
  for (const file of ['mse.png', 'normalised.svg', 'table.html']) assert.ok(existsSync(join(out, '01-scaling-test', file)), file);
  const progress = displayed(nb, 'text/plain').filter((t) => String(t).startsWith('scaling test: ['));
  assert.deepEqual(progress.length, 1, 'one progress line, updated in place');
  assert.match(String(progress[0]), /100 % \(10\/10\).*done/);
});

test('04-feature-learning: matrices compared on both targets and MNIST, with finite correlations and exports', { skip }, () => {
  const nb = run('04-feature-learning.ipynb');
  const stdout = streamText(nb, 'stdout');
  assert.match(stdout, /^feature learning:\n {2}scaling: .*\n {4}dim +\= 20 /m, 'the parameters cell prints the configuration');
  const correlations = numbersAfter(stdout, /r =/);
  assert.ok(correlations.length >= 6, stdout);
  assert.ok(correlations.every((r) => Number.isFinite(r) && r >= -1 && r <= 1), `correlations ${correlations}`);
  const t = titles(figures(nb));
  for (const want of ['feature matrices', 'MNIST test accuracy', 'diagonal of each matrix as a 28 x 28 image']) {
    assert.ok(t.some((x) => x.includes(want)), `no figure with "${want}" among ${t.join(' | ')}`);
  }
  const accuracy = figures(nb).find((f) => ((f.layout.title as { text: string }).text ?? '').startsWith('MNIST test accuracy'))!;
  const cells = (accuracy.data[0].cells as { values: string[][] }).values;
  assert.ok(cells.flat().some((v) => v === '0.995'), 'the study\'s 0.995 stands beside ours');
  assert.ok(existsSync(join(out, '04-feature-learning', 'mnist-diagonals-18.png')));
});

test('every notebook is committed with its outputs cleared', () => {
  for (const name of readdirSync(join(ROOT, 'notebooks')).filter((f) => f.endsWith('.ipynb'))) {
    const nb = JSON.parse(readFileSync(join(ROOT, 'notebooks', name), 'utf8')) as { cells: { cell_type: string; outputs?: unknown[]; execution_count?: number | null }[] };
    for (const cell of nb.cells.filter((c) => c.cell_type === 'code')) {
      assert.deepEqual(cell.outputs, [], `${name} has outputs`);
      assert.equal(cell.execution_count, null, `${name} has execution counts`);
    }
  }
});

test('02-text-1984: the table has both n-grams, the kernel models with finite metrics beside the study\'s row, the learning curve and the weights', { skip }, () => {
  const nb = run('02-text-1984.ipynb');
  const table = figures(nb).find((f) => ((f.layout.title as { text?: string }).text ?? '').startsWith('Next-character models'));
  assert.ok(table, 'the results table is displayed');
  const [header] = [(table.data[0].header as { values: string[] }).values];
  const cells = (table.data[0].cells as { values: string[][] }).values;
  const models = cells[0];
  assert.equal(models.length, 4);
  for (const want of [/n-gram .*train split/, /n-gram .*kernel models' text/, /Laplace/, /RFM .*kept t=\d/]) assert.ok(models.some((m) => want.test(m)), `${want} among ${models}`);
  for (const metric of ['accuracy', 'perplexity', 'bits / char', 'greedy: distinct 4-grams', 'sampled: distinct 4-grams']) {
    const column = cells[header.indexOf(metric)];
    assert.ok(column && column.every((v) => Number.isFinite(Number(v)) && Number(v) >= 0), `${metric}: ${column}`);
  }
  assert.deepEqual(cells[header.indexOf('study (its method): BLEU')], ['', '0.449', '0.453', '0.472']);
  assert.match(streamText(nb, 'stdout'), /greedy "/);
  const all = titles(figures(nb));
  for (const want of [/^RFM weights diag\(M\)/, /accuracy against training windows/, /bits per character against training windows/]) assert.ok(all.some((t) => want.test(t)), `${want} among ${all}`);
  // The learning curve's larger points use the Nystrom solver, with their own lines.
  assert.match(streamText(nb, 'stdout'), /600 windows, rfm \(Nystrom, m = 150\): accuracy 0\.\d+/);
  const curve = figures(nb).find((f) => /accuracy against training windows/.test((f.layout.title as { text?: string }).text ?? ''))!;
  assert.ok(curve.data.some((t) => t.name === 'RFM (Nystrom, m = 150)'), 'the Nystrom RFM line');
  assert.ok(existsSync(join(out, '02-text-1984', 'table.png')));
});
