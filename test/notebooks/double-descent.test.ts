import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { displayed, notebooksUnavailable, readNotebook, ROOT, runNotebooks, streamText } from './notebook-run';
import type { Figure } from '../../src/plot/figures';

const NOTEBOOK = join(ROOT, 'notebooks', '03-double-descent.ipynb');
const skip = notebooksUnavailable();
const dir = mkdtempSync(join(tmpdir(), 'rfm-double-descent-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the double-descent notebook is committed with its outputs cleared and its conclusions written', () => {
  const nb = JSON.parse(readFileSync(NOTEBOOK, 'utf8')) as { cells: { cell_type: string; source: string[]; outputs?: unknown[]; execution_count?: number | null }[] };
  for (const cell of nb.cells.filter((c) => c.cell_type === 'code')) {
    assert.deepEqual(cell.outputs, []);
    assert.equal(cell.execution_count, null);
  }
  const last = nb.cells[nb.cells.length - 1];
  assert.equal(last.cell_type, 'markdown');
  assert.match(last.source.join(''), /stronger than the kernel's/);
});

// The CI run of the notebook: quick mode, every sweep, every figure, the export.
test('the double-descent notebook runs in quick mode', { skip }, () => {
  const out = join(dir, 'out');
  const run = runNotebooks(['--quick', '--out', out, NOTEBOOK]);
  assert.equal(run.status, 0, run.stderr);
  const nb = readNotebook(join(out, '03-double-descent.ipynb'));
  assert.match(streamText(nb, 'stdout'), /^double descent:\n {2}study: .*\n/m, 'the parameters cell prints the configuration');
  const figures = displayed(nb, 'application/vnd.plotly.v1+json') as Figure[];
  const titles = figures.map((f) => (f.layout.title as { text: string }).text);
  for (const expected of ['Test MSE against d', 'Test MSE / Var(y) against d', 'Test MSE against n', 'Test MSE against p', 'Test MSE against the ridge']) {
    assert.ok(titles.some((t) => t.startsWith(expected)), `no figure titled "${expected}..." among ${titles.join(' | ')}`);
  }
  for (const file of ['study-normalised.html', 'model-wise-clean.html', 'ridge.html', 'results.json']) {
    assert.ok(existsSync(join(out, '03-double-descent', file)), `${file} was not exported`);
  }
});
