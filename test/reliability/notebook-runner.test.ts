import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { notebooksUnavailable, readNotebook, runNotebooks } from '../notebooks/notebook-run';

// Issue 13, item 10: the runner's --timeout works (nbclient wants an int), and a failure outside any cell's await
// (an unawaited rejection, a throw in a timer) fails the run instead of exiting 0.

const skip = notebooksUnavailable();
const dir = mkdtempSync(join(tmpdir(), 'rfm-reliability-notebooks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function notebook(name: string, sources: string[]): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 4,
      metadata: { kernelspec: { name: 'rfm-lab-tslab', display_name: 'rfm-lab (TypeScript)', language: 'typescript' } },
      cells: sources.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
    }),
  );
  return path;
}

test(
  'item 10: --timeout 5 bounds a hanging cell (no TraitError); a fractional timeout is a usage error',
  { skip },
  () => {
    const hang = notebook('hang.ipynb', ['await new Promise((resolve) => setTimeout(resolve, 120000));']);
    const run = runNotebooks(['--timeout', '5', '--out', join(dir, 'out'), hang]);
    assert.equal(run.status, 1);
    assert.doesNotMatch(run.stderr, /TraitError/);
    assert.match(run.stderr, /the cell ran longer than --timeout 5s/);
    const fractional = runNotebooks(['--timeout', '1.5', hang]);
    assert.equal(fractional.status, 2);
    assert.match(fractional.stderr, /--timeout: expected a whole number of seconds, got '1.5'/);
  },
);

test('item 10: an unawaited rejection and a late timer throw each fail the run, naming the error', { skip }, () => {
  const rejected = notebook('rejected.ipynb', [
    'Promise.reject(new Error("nobody awaits 7")); console.log("a");',
    'console.log("b");',
  ]);
  const late = notebook('late.ipynb', [
    'setTimeout(() => { throw new Error("late throw 8"); }, 200); console.log("a");',
  ]);
  const run = runNotebooks(['--out', join(dir, 'out'), rejected, late]);
  assert.equal(run.status, 1);
  assert.match(
    run.stderr,
    /FAILED rejected\.ipynb after its last cell[\s\S]*unhandled promise rejection[\s\S]*nobody awaits 7/,
  );
  assert.match(run.stderr, /FAILED late\.ipynb after its last cell[\s\S]*uncaught exception[\s\S]*late throw 8/);
  assert.match(run.stderr, /2 of 2 notebooks failed/);
});

test('item 10: a clean notebook still passes, and its saved copy has only its own cells', { skip }, () => {
  const clean = notebook('clean.ipynb', [
    'const p = Promise.reject(new Error("handled")); await p.catch(() => undefined);',
    'console.log("done");',
  ]);
  const run = runNotebooks(['--out', join(dir, 'clean-out'), clean]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(readNotebook(join(dir, 'clean-out', 'clean.ipynb')).cells.length, 2);
});
