#!/usr/bin/env node
// `npm run lab [-- jupyter options]`: JupyterLab if installed, else the classic notebook, with the project's
// "rfm-lab (TypeScript)" kernel available (via JUPYTER_PATH). The server is rooted at the project, not at
// notebooks/: charts fetch plotly.js from node_modules/ through the server (src/plot/figure-html.ts), and the
// files a notebook exports to reports/ open from the links it prints.
'use strict';
const { join, delimiter } = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const env = {
  ...process.env,
  JUPYTER_PATH: [join(root, 'jupyter'), process.env.JUPYTER_PATH].filter(Boolean).join(delimiter),
};

function installed(app) {
  return spawnSync('jupyter', [app, '--version'], { env, stdio: 'ignore' }).status === 0;
}

const app = ['lab', 'notebook'].find(installed);
if (app === undefined) {
  console.error(
    'lab: neither "jupyter lab" nor "jupyter notebook" runs here.\n' +
      'Install one: pip install jupyterlab (in a virtualenv), or apt-get install jupyter-notebook (Debian/Ubuntu).',
  );
  process.exit(1);
}
console.log(`Starting jupyter ${app} at the project root: the notebooks are in notebooks/, their exports in reports/.`);
const child = spawn('jupyter', [app, `--notebook-dir=${root}`, ...process.argv.slice(2)], {
  env,
  stdio: 'inherit',
  cwd: root,
});
// Ctrl-C reaches Jupyter too, which asks whether to shut down; stay alive until it decides.
process.on('SIGINT', () => {});
child.on('exit', (code, signal) => process.exit(code === null ? (signal === 'SIGINT' ? 130 : 1) : code));
