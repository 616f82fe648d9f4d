#!/usr/bin/env node
// Lists the functions in src/ longer than a limit (default 80 lines), longest first: `node scripts/long-functions.js [limit]`.
// Functions, methods, constructors, accessors and arrow functions / function expressions are counted from their first
// to their last line; a nested function counts in its own right and inside its parent.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const limit = Number(process.argv[2] ?? 80);
const root = path.join(__dirname, '..', 'src');

function files(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

function nameOf(node, source) {
  if (node.name) return node.name.getText(source);
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(source);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  return '(anonymous)';
}

const long = [];
for (const file of files(root)) {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2020, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > limit)
        long.push({
          file: path.relative(path.join(root, '..'), file),
          line: start + 1,
          name: nameOf(node, source),
          lines,
        });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
long.sort((a, b) => b.lines - a.lines);
for (const f of long) console.log(`${String(f.lines).padStart(4)}  ${f.file}:${f.line}  ${f.name}`);
console.log(`${long.length} function(s) over ${limit} lines`);
