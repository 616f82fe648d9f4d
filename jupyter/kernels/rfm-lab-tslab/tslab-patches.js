'use strict';
// What the project kernel changes in tslab 1.0.22, from outside it (launch.js applies these before tslab starts):
//
// 1. Shorthand properties. tslab runs each cell as a module whose references to earlier cells' variables it rewrites
//    to `exports.name`; its rewrite asks the type checker for the symbol of each identifier, and for the `x` of
//    `{ x }` the checker answers with the new object's property, declared in the cell itself, so `x` is left bare
//    and fails with "ReferenceError: x is not defined". Cells are therefore compiled with every shorthand property
//    written out (`{ x }` -> `{ x: x }`, the same meaning in every position, destructuring assignments included),
//    and positions in compiler messages are mapped back to the cell as typed.
// 2. Interrupt. tslab's interrupt only stops waiting for the cell (it ends with "Interrupted asynchronously") and
//    leaves its work running in the background. Each cell now gets an AbortController (read by src/notebook/cell.ts);
//    Interrupt aborts it, so work that checks the signal stops, and tslab's own interrupt follows only if the cell
//    has not ended within GRACE_MS (or on a second Interrupt).
// 3. Folder imports. tslab loads the project's modules from its compiler's output by exact file name, so
//    `import ... from "./src/core"` (a folder with an index.ts) type-checks but fails at run time with "Cannot find
//    module". Relative requires in the compiled code that name such a folder are pointed at its index.
// 4. Earlier values. A cell is compiled as a module that starts with `exports.x = exports.y = void 0;` for the names
//    it declares, so a cell that redeclares `result` and then fails or is interrupted before assigning it has
//    already wiped the earlier cell's `result`. That line is dropped: a name keeps its value until the cell assigns
//    it (within the cell, code uses its own local binding, never exports.x).
// 5. Error messages. A failing cell prints tslab's whole stack trace; errors of the project's own family
//    (RfmLabError: messages written to be read without a stack) and interrupts print one line instead.

const fs = require('fs');
const path = require('path');

/** Symbol.for key of the running cell's state on globalThis; src/notebook/cell.ts reads the same key. */
const CELL_KEY = Symbol.for('rfm-lab.notebook.cell');
/** How long an interrupted cell may take to stop by itself before tslab stops waiting for it. */
const GRACE_MS = 1500;
const INTERRUPT_REASON = 'interrupted from the notebook';

/** Every `{ x }` in `src` written out as `{ x: x }`; `inserts` records where text went in (original offsets). */
function expandShorthand(ts, src) {
  const file = ts.createSourceFile('cell.ts', src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const inserts = [];
  const visit = (node) => {
    if (ts.isShorthandPropertyAssignment(node)) {
      inserts.push({ pos: node.name.end, text: `: ${src.slice(node.name.getStart(file), node.name.end)}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (inserts.length === 0) return { code: src, inserts };
  inserts.sort((a, b) => a.pos - b.pos);
  let code = '';
  let at = 0;
  for (const { pos, text } of inserts) {
    code += src.slice(at, pos) + text;
    at = pos;
  }
  return { code: code + src.slice(at), inserts };
}

/** An offset in the expanded code -> the offset in the cell as typed (inside inserted text: where it went in). */
function originalOffset(inserts, offset) {
  let shift = 0;
  for (const { pos, text } of inserts) {
    const start = pos + shift;
    if (offset < start) break;
    if (offset < start + text.length) return pos;
    shift += text.length;
  }
  return offset - shift;
}

function lineAndCharacter(src, offset) {
  const before = src.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { offset, line, character: offset - (before.lastIndexOf('\n') + 1) };
}

/** `require("./x")` -> `require("./x/index")` where x is a folder holding an index.ts and there is no x.ts. */
function folderRequires(js, fromDir, exists = fs.existsSync) {
  return js.replace(/\brequire\((["'])(\.{1,2}(?:\/[^"']*)?)\1\)/g, (whole, quote, id) => {
    const target = path.resolve(fromDir, id);
    if (
      path.extname(id) !== '' ||
      exists(`${target}.ts`) ||
      exists(`${target}.tsx`) ||
      !exists(path.join(target, 'index.ts'))
    )
      return whole;
    return `require(${quote}${id.replace(/\/$/, '')}/index${quote})`;
  });
}

const WIPE_EXPORTS = /^exports\.[\w$]+(?: = exports\.[\w$]+)* = void 0;\n?/m;

/** The compiled cell without the line that sets every name it declares to undefined before it runs. */
function keepEarlierValues(js) {
  return js.replace(WIPE_EXPORTS, '');
}

/** Wraps a tslab converter: shorthand properties written out, folder imports pointed at their index. */
function patchConverter(ts, converter, cwd = process.cwd()) {
  const convert = converter.convert;
  converter.convert = (prevDecl, src) => {
    const { code, inserts } = expandShorthand(ts, src);
    const result = convert(prevDecl, code);
    if (result.output) result.output = keepEarlierValues(folderRequires(result.output, cwd));
    for (const side of result.sideOutputs || []) side.data = folderRequires(side.data, path.dirname(side.path));
    if (inserts.length === 0 || !result.diagnostics) return result;
    for (const d of result.diagnostics) {
      if (d.fileName) continue; // a message about an imported file, not the cell
      d.start = lineAndCharacter(src, originalOffset(inserts, d.start.offset));
      d.end = lineAndCharacter(src, originalOffset(inserts, d.end.offset));
    }
    return result;
  };
  return converter;
}

/** True when `e` is an instance of a class named `name`, by name: tslab compiles a module afresh on each import. */
function isA(e, name) {
  for (let p = e && Object.getPrototypeOf(e); p; p = Object.getPrototypeOf(p)) {
    if (p.constructor && p.constructor.name === name) return true;
  }
  return false;
}

function whereItStopped(cell) {
  const where = cell && typeof cell.where === 'function' ? cell.where() : undefined;
  return where ? ` (at ${where})` : '';
}

/** The one line printed for an error, or undefined to let tslab print it as it does. */
function oneLine(e, cell) {
  if (!(e instanceof Error) && !isA(e, 'Error')) return undefined;
  if (e.message === 'Interrupted asynchronously' && cell && cell.gaveUp) {
    return `Interrupted: the cell's work did not stop within ${GRACE_MS / 1000} s (it does not watch the interrupt signal) and may still be running in the background; restart the kernel to be sure it stops.`;
  }
  if (isA(e, 'CancelledError') || (e.name === 'AbortError' && cell && cell.signal.aborted)) {
    const what = e.message === INTERRUPT_REASON ? 'the cell stopped' : e.message;
    return `Interrupted: ${what}${whereItStopped(cell)}. Results from before this run are unchanged.`;
  }
  if (isA(e, 'RfmLabError')) return `${e.name}: ${e.message}`;
  return undefined;
}

/** Wraps a tslab executor: a fresh AbortController per cell, Interrupt aborting it, one-line errors. */
function patchExecutor(executor, output, timers = { setTimeout, clearTimeout }) {
  const execute = executor.execute;
  const interrupt = executor.interrupt;
  let running;
  executor.execute = async (src) => {
    const controller = new AbortController();
    const cell = { controller, signal: controller.signal, gaveUp: false, timer: undefined, where: undefined };
    globalThis[CELL_KEY] = cell;
    running = cell;
    output.current = cell;
    try {
      return await execute(src);
    } finally {
      if (cell.timer !== undefined) timers.clearTimeout(cell.timer);
      if (running === cell) running = undefined;
    }
  };
  executor.interrupt = () => {
    const cell = running;
    if (cell === undefined) return interrupt();
    if (cell.signal.aborted) {
      // A second Interrupt: stop waiting now.
      cell.gaveUp = true;
      return interrupt();
    }
    // An AbortError, as fetch and other abortable APIs use; throwIfAborted() rethrows it.
    cell.controller.abort(new DOMException(INTERRUPT_REASON, 'AbortError'));
    cell.timer = timers.setTimeout(() => {
      if (running !== cell) return;
      cell.gaveUp = true;
      interrupt();
    }, GRACE_MS);
  };
  return executor;
}

/** A console for tslab's executor that prints the project's errors and interrupts in one line. */
function errorConsole(base, output) {
  return {
    log: (...args) => base.log(...args),
    error: (...args) => {
      const line = args.length === 1 ? oneLine(args[0], output.current) : undefined;
      if (line === undefined) base.error(...args);
      else base.error(line);
    },
  };
}

/** Patches tslab's modules in place; call before tslab's startKernel. */
function applyPatches({ ts, converterModule, executorModule }) {
  const createConverter = converterModule.createConverter;
  converterModule.createConverter = (...args) => patchConverter(ts, createConverter(...args));
  const createExecutor = executorModule.createExecutor;
  executorModule.createExecutor = (rootDir, convs, console) => {
    const output = { current: undefined };
    return patchExecutor(createExecutor(rootDir, convs, errorConsole(console, output)), output);
  };
}

module.exports = {
  applyPatches,
  expandShorthand,
  folderRequires,
  keepEarlierValues,
  originalOffset,
  patchConverter,
  patchExecutor,
  errorConsole,
  oneLine,
  CELL_KEY,
  GRACE_MS,
  INTERRUPT_REASON,
};
