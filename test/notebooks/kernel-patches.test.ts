import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT } from './notebook-run';

/**
 * The project kernel's changes to tslab (jupyter/kernels/rfm-lab-tslab/tslab-patches.js), tested on tslab's own
 * converter and executor in this process: cells compile and run as they do in the kernel, without Jupyter.
 */

const patches = require(join(ROOT, 'jupyter', 'kernels', 'rfm-lab-tslab', 'tslab-patches.js'));
const tslabDist = join(ROOT, 'node_modules', 'tslab', 'dist');
const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDist] }));
const { createConverter } = require(join(tslabDist, 'converter.js'));
const { createExecutor } = require(join(tslabDist, 'executor.js'));

interface Diagnostic { start: { offset: number; line: number; character: number }; messageText: string }
interface Converted { output?: string; declOutput?: string; diagnostics: Diagnostic[] }
interface Converter { convert(prevDecl: string, src: string): Converted; close(): void }

test('shorthand properties are written out, in literals and destructuring assignments, not in binding patterns', () => {
  const { code } = patches.expandShorthand(ts, 'const o = { bandwidth, ridge: 2, seed };\n({ a, b = 1 } = o);\nconst { c } = o;');
  assert.equal(code, 'const o = { bandwidth: bandwidth, ridge: 2, seed: seed };\n({ a: a, b: b = 1 } = o);\nconst { c } = o;');
  assert.deepEqual(patches.expandShorthand(ts, 'f({ x: 1 })').inserts, [], 'nothing to do: the cell is unchanged');
});

test('an earlier cell\'s variable in a shorthand property compiles to the kernel\'s exports, and messages keep the typed positions', () => {
  const converter: Converter = patches.patchConverter(ts, createConverter({ isJS: false, isBrowser: false }));
  after(() => converter.close());
  const first = converter.convert('', 'const bandwidth = 10;');
  const second = converter.convert(first.declOutput ?? '', 'const o = { bandwidth, ridge: 2 };');
  assert.deepEqual(second.diagnostics, []);
  assert.match(second.output ?? '', /bandwidth: exports\.bandwidth/);

  const bad = converter.convert(first.declOutput ?? '', 'const o = { bandwidth };\nconst p = { bandwidth }; const z: number = "s";');
  assert.equal(bad.diagnostics.length, 1);
  assert.deepEqual([bad.diagnostics[0].start.line, bad.diagnostics[0].start.character], [1, 31], 'line 2, column 32 (at z) as typed');
});

interface Executor { execute(src: string): Promise<boolean>; interrupt(): void; close(): void }

function kernelExecutor(): { executor: Executor; errors: string[] } {
  const errors: string[] = [];
  const converters = { node: patches.patchConverter(ts, createConverter({ isJS: false, isBrowser: false })), browser: undefined, close() { this.node.close(); } };
  const base = { log: () => {}, error: (...args: unknown[]) => errors.push(args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}\n${a.stack}` : String(a))).join(' ')) };
  const output = { current: undefined };
  const executor: Executor = patches.patchExecutor(createExecutor(ROOT, converters, patches.errorConsole(base, output)), output);
  return { executor, errors };
}

test('Interrupt aborts the running cell\'s signal: work that checks it stops at once, with one line saying where', async () => {
  const { executor, errors } = kernelExecutor();
  after(() => executor.close());
  assert.ok(await executor.execute('import { cellSignal } from "./src/notebook/cell";\nimport { progressLine } from "./src/notebook/progress";'));
  assert.ok(await executor.execute('let steps = 0;'));
  const started = Date.now();
  const running = executor.execute([
    'const signal = cellSignal();',
    'const onProgress = progressLine({ title: "toy sweep" });',
    'for (let i = 0; i < 1000; i++) {',
    '  await new Promise((done) => setTimeout(done, 10));',
    '  signal.throwIfAborted();',
    '  steps = i + 1;',
    '  onProgress({ done: i + 1, total: 1000, label: `step ${i + 1}` });',
    '}',
  ].join('\n'));
  await new Promise((done) => setTimeout(done, 300));
  executor.interrupt();
  assert.equal(await running, false, 'the cell fails');
  assert.ok(Date.now() - started < 1200, 'it stopped before tslab\'s own interrupt would have been needed');
  assert.equal(errors.length, 1, errors.join('\n'));
  assert.match(errors[0], /^Interrupted: the cell stopped \(at toy sweep: \[[#.]+\] \d+ % \(\d+\/1000\).*· step \d+\)\. Results from before this run are unchanged\.$/);
  assert.doesNotMatch(errors[0], /\n/, 'one line, no stack');

  // The next cell gets a fresh signal and runs normally.
  assert.ok(await executor.execute('if (cellSignal().aborted) throw new Error("stale signal");'));
  assert.ok(await executor.execute('if (steps === 0) throw new Error("steps was reset");'));
});

test('a cell that redeclares a variable and fails before assigning it leaves the earlier value', async () => {
  const { executor } = kernelExecutor();
  after(() => executor.close());
  assert.ok(await executor.execute('const result = { trials: 2 };'));
  assert.equal(await executor.execute('const result = await Promise.reject(new Error("interrupted")) as { trials: number };'), false);
  assert.ok(await executor.execute('if (result.trials !== 2) throw new Error(`result is ${JSON.stringify(result)}`);'));
  assert.ok(await executor.execute('const result = { trials: 3 };'));
  assert.ok(await executor.execute('if (result.trials !== 3) throw new Error("not replaced");'));
});

test('a cell that ignores the signal is given up on after the grace period, with a line saying it may still run', async () => {
  const { executor, errors } = kernelExecutor();
  after(() => executor.close());
  const started = Date.now();
  const running = executor.execute('await new Promise((done) => setTimeout(done, 5000));');
  await new Promise((done) => setTimeout(done, 200));
  executor.interrupt();
  assert.equal(await running, false);
  const waited = Date.now() - started;
  assert.ok(waited >= 200 + patches.GRACE_MS - 50 && waited < 200 + patches.GRACE_MS + 1000, `waited ${waited} ms`);
  assert.equal(errors.length, 1);
  assert.match(errors[0], /^Interrupted: the cell's work did not stop within 1\.5 s .* restart the kernel/);
});

test('the project\'s errors print as one line; other errors as tslab prints them', () => {
  class RfmLabError extends Error {}
  class OptionError extends RfmLabError {
    constructor(message: string) {
      super(message);
      this.name = 'OptionError';
    }
  }
  assert.equal(patches.oneLine(new OptionError('bandwidth must be > 0, got -1'), undefined), 'OptionError: bandwidth must be > 0, got -1');
  assert.equal(patches.oneLine(new TypeError('x is not a function'), undefined), undefined);
  assert.equal(patches.oneLine('a string', undefined), undefined);
});

test('a relative import of a folder with an index.ts loads its index, as the type checker resolved it', () => {
  const files = new Set(['/p/src/core/index.ts', '/p/src/plot/figures.ts', '/p/src/plot/index.ts']);
  const exists = (f: string) => files.has(f);
  assert.equal(patches.folderRequires('const c = require("../core");', '/p/src/notebook', exists), 'const c = require("../core/index");');
  assert.equal(patches.folderRequires("require('./src/core/')", '/p', exists), "require('./src/core/index')");
  assert.equal(patches.folderRequires('require("../plot/figures"); require("fs"); require("./x.js")', '/p/src/notebook', exists), 'require("../plot/figures"); require("fs"); require("./x.js")', 'files and packages stay');
});
