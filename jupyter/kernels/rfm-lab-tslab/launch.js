#!/usr/bin/env node
// Starts tslab with the project root as its working directory. Jupyter starts a kernel in the
// notebook's directory and a kernelspec cannot choose another, while tslab resolves relative
// imports (and node_modules) from its working directory: without this, a notebook in notebooks/
// could not `import ... from "./src/..."`. Jupyter finds this kernelspec through
// JUPYTER_PATH=<project>/jupyter (set by scripts/lab.js and scripts/run-notebooks.py).
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..', '..');
const tslabMain = path.join(root, 'node_modules', 'tslab', 'dist', 'main.js');

if (process.argv.length !== 3) {
  console.error('usage: launch.js <connection_file> (Jupyter runs this through kernel.json)');
  process.exit(2);
}
const connectionFile = path.resolve(process.argv[2]);
if (!fs.existsSync(tslabMain)) {
  console.error(
    `rfm-lab kernel: ${tslabMain} not found. Run "npm ci" in ${root}. ` +
      'This launcher must stay in <project>/jupyter/kernels/rfm-lab-tslab/: point JUPYTER_PATH at <project>/jupyter rather than installing a copy of the kernelspec.',
  );
  process.exit(1);
}
process.chdir(root);

// tslab's compiler host allows one pending TypeScript timer. TypeScript also watches directories
// (to retry failed module lookups) and, when a .ts/.js/.json file appears or changes under src/
// during a session, schedules a second timer: tslab then throws "Unexpected pending rebuildTimer"
// on every later cell, or the kernel dies when the throw happens inside the watcher. Without
// directory watches, edits to imported files are still picked up (those are file watches); a
// module created after a failed import needs a kernel restart.
const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [path.dirname(tslabMain)] }));
ts.sys.watchDirectory = () => ({ close() {} });

// Shorthand properties, Interrupt and one-line errors: see tslab-patches.js.
require('./tslab-patches').applyPatches({
  ts,
  converterModule: require(path.join(path.dirname(tslabMain), 'converter.js')),
  executorModule: require(path.join(path.dirname(tslabMain), 'executor.js')),
});

// startKernel is the entry tslab keeps stable for other installations of tslab to call.
require(tslabMain).startKernel({ configPath: connectionFile, enableFindLocal: false });
