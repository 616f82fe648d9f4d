#!/usr/bin/env node
// Node 20's test runner does not expand globs or pick up .ts files, so collect test/**/*.test.ts here.
'use strict';
const { readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

function collect(dir, filter) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...collect(path, filter));
    else if (name.endsWith('.test.ts') && (!filter || path.includes(filter))) out.push(path);
  }
  return out;
}

const filter = process.argv[2];
const root = join(__dirname, '..');
// tsx strips types without checking them, and tslab refuses to run a notebook whose imports do not typecheck:
// a full run starts with the compiler, so a type error fails here with its message rather than in a notebook.
if (!filter) {
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--noEmit'],
    { stdio: 'inherit', cwd: root },
  );
  if (tsc.status !== 0) {
    console.error('typecheck failed (node node_modules/typescript/bin/tsc -p tsconfig.json --noEmit)');
    process.exit(1);
  }
}
const files = collect(join(__dirname, '..', 'test'), filter);
if (files.length === 0) {
  console.error(`no test files found${filter ? ` matching "${filter}"` : ''}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files],
  {
    stdio: 'inherit',
    cwd: root,
  },
);
process.exit(result.status === null ? 1 : result.status);
