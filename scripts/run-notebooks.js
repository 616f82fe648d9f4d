#!/usr/bin/env node
// `npm run notebooks [-- --quick] [-- notebooks/01-x.ipynb ...]`: finds a Python that has Jupyter's
// nbclient (the Debian one is not always first on PATH, e.g. under pyenv) and runs
// scripts/run-notebooks.py with it. Set RFM_PYTHON to choose the interpreter yourself.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const CANDIDATES = ['/usr/bin/python3', 'python3', 'python'];

function hasNbclient(python) {
  const probe = spawnSync(python, ['-c', 'import nbclient, nbformat'], { stdio: 'ignore' });
  return probe.status === 0;
}

function findPython() {
  if (process.env.RFM_PYTHON) return hasNbclient(process.env.RFM_PYTHON) ? process.env.RFM_PYTHON : undefined;
  return CANDIDATES.find(hasNbclient);
}

function main() {
  if (!existsSync(join(root, 'node_modules', 'tslab'))) {
    console.error(`run-notebooks: tslab is not installed; run "npm ci" in ${root} first.`);
    process.exit(2);
  }
  const python = findPython();
  if (python === undefined) {
    const tried = process.env.RFM_PYTHON ? `RFM_PYTHON=${process.env.RFM_PYTHON}` : CANDIDATES.join(', ');
    console.error(
      `run-notebooks: no Python with Jupyter's nbclient found (tried ${tried}).\n` +
        'Install it: apt-get install python3-nbclient (Debian/Ubuntu) or pip install nbclient,\n' +
        'or set RFM_PYTHON to a Python that has it.',
    );
    process.exit(2);
  }
  const result = spawnSync(python, [join(__dirname, 'run-notebooks.py'), ...process.argv.slice(2)], {
    stdio: 'inherit',
    cwd: root,
  });
  if (result.error) {
    console.error(`run-notebooks: could not start ${python}: ${result.error.message}`);
    process.exit(2);
  }
  process.exit(result.status === null ? 1 : result.status);
}

// Tests ask findPython() whether notebooks can run here at all.
module.exports = { findPython };
if (require.main === module) main();
