import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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
  assert.deepEqual(titles(figures(nb)), ['RFM: MSE per iteration', 'RFM feature matrix M', 'Test R^2']);
  assert.ok(existsSync(join(out, '00-quickstart-M.png')) && existsSync(join(out, '00-quickstart-M.svg')));
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
  assert.ok(existsSync(join(out, '01-scaling-mse.png')) && existsSync(join(out, '01-scaling-normalised.svg')));
});
