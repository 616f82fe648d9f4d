#!/usr/bin/env node
// Builds the native linear-algebra addon (native/, node-gyp) over OpenBLAS + LAPACKE.
//
// Run by the package's `install` script: a build that cannot happen (no compiler, no OpenBLAS/LAPACKE headers or
// libraries, no Node headers on this machine) prints a warning with the reason and exits 0, so `npm install` still
// succeeds and the library runs on its fallbacks (backendInfo() then says why native is unavailable). It never
// downloads anything unless asked to with --allow-download (what `npm run build:native` passes).
//
// Options: --allow-download  let node-gyp fetch the Node headers when none are found locally
//          --strict          exit 1 when the addon cannot be built (for an explicit build)
// Environment: RFM_SKIP_NATIVE=1          skip the build
//              RFM_NATIVE_CFLAGS / RFM_NATIVE_LIBS   compiler / linker flags for OpenBLAS + LAPACKE
//                                       (default: probe `-lopenblas -llapacke`, `-lopenblas`, pkg-config openblas)
//              npm_config_nodedir / RFM_NODEDIR   where the Node headers are (include/node/common.gypi)
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const nativeDir = path.join(root, 'native');
const buildDir = path.join(nativeDir, 'build');
const addonPath = path.join(buildDir, 'Release', 'rfm_native.node');
const statusPath = path.join(buildDir, 'status.json');
const args = new Set(process.argv.slice(2));
const allowDownload = args.has('--allow-download');
const strict = args.has('--strict');
const HOW = 'build it later with `npm run build:native`';
const THEN = 'then run `npm run build:native`';

function log(message) {
  process.stderr.write(`rfm-lab native: ${message}\n`);
}

function writeStatus(ok, reason) {
  try {
    fs.mkdirSync(buildDir, { recursive: true });
    fs.writeFileSync(
      statusPath,
      JSON.stringify({ ok, reason, node: process.version, time: new Date().toISOString() }, null, 2) + '\n',
    );
  } catch {
    // The status file only improves the message backendInfo() gives; never fail the install over it.
  }
}

/** Records the cause (what backendInfo() will quote), prints it with the fix, and exits (0 unless --strict). */
function give_up(reason, fix = THEN) {
  writeStatus(false, reason);
  log(`WARNING: the native backend was not built: ${reason}`);
  if (fix) log(`To get it: ${fix}`);
  log(
    'rfm-lab still works without it (float64 on the js backend, float32 on tfjs-wasm); backendInfo() reports why native is unavailable.',
  );
  process.exit(strict ? 1 : 0);
}

function run(cmd, argv, options = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  return {
    ok: !r.error && r.status === 0,
    status: r.status,
    error: r.error,
    out: `${r.stdout ?? ''}${r.stderr ?? ''}`,
  };
}

function have(cmd, argv = ['--version']) {
  return run(cmd, argv).ok;
}

function tail(text, lines = 25) {
  return text.trim().split('\n').slice(-lines).join('\n');
}

// --- Node headers, found locally (node-gyp would otherwise download them) ------------------------------------------
function headersIn(dir) {
  return (
    Boolean(dir) &&
    fs.existsSync(path.join(dir, 'include', 'node', 'common.gypi')) &&
    fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h'))
  );
}

function localVersionOk(dir) {
  try {
    const h = fs.readFileSync(path.join(dir, 'include', 'node', 'node_version.h'), 'utf8');
    const v = ['MAJOR', 'MINOR', 'PATCH']
      .map((k) => (h.match(new RegExp(`#define NODE_${k}_VERSION (\\d+)`)) || [])[1])
      .join('.');
    return v === process.versions.node;
  } catch {
    return false;
  }
}

function findNodedir() {
  for (const [dir, source] of [
    [process.env.RFM_NODEDIR, 'RFM_NODEDIR'],
    [process.env.npm_config_nodedir, 'npm config nodedir'],
  ]) {
    if (dir) {
      if (headersIn(dir)) return { args: [`--nodedir=${dir}`], where: `${dir} (${source})` };
      log(`${source} is ${dir} but ${path.join(dir, 'include/node/common.gypi')} is missing; looking elsewhere`);
    }
  }
  // The headers of a distribution's node package (e.g. Debian's nodejs: /usr/include/node), if they match this node.
  const prefix = path.dirname(path.dirname(process.execPath));
  if (headersIn(prefix) && localVersionOk(prefix))
    return { args: [`--nodedir=${prefix}`], where: `${prefix} (beside ${process.execPath})` };
  // node-gyp's own cache from an earlier download: it uses it without downloading again.
  const caches = [
    process.env.npm_config_devdir,
    process.env.XDG_CACHE_HOME && path.join(process.env.XDG_CACHE_HOME, 'node-gyp'),
    path.join(os.homedir(), '.cache', 'node-gyp'),
    path.join(os.homedir(), 'Library', 'Caches', 'node-gyp'),
    process.env.LOCALAPPDATA && path.join(process.env.LOCALAPPDATA, 'node-gyp', 'Cache'),
  ].filter(Boolean);
  for (const dir of caches) {
    const versioned = path.join(dir, process.versions.node);
    if (headersIn(versioned) && fs.existsSync(path.join(versioned, 'installVersion'))) {
      return { args: [`--devdir=${dir}`], where: `${versioned} (node-gyp cache)` };
    }
  }
  return undefined;
}

// --- OpenBLAS + LAPACKE: compile and link a probe with each candidate set of flags ------------------------------
const PROBE = `#include <cblas.h>
#include <lapacke.h>
extern "C" int openblas_get_num_threads(void);
int main() {
  double a[1] = {4.0}, b[1] = {1.0}, c[1] = {0.0};
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, 1, 1, 1.0, a, 1, b, 1, 0.0, c, 1);
  float f[1] = {4.0f};
  return (int)LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', 1, a, 1) + (int)LAPACKE_spotrf_work(LAPACK_COL_MAJOR, 'U', 1, f, 1) +
         (openblas_get_num_threads() < 1);
}
`;

function split(flags) {
  return (flags || '').trim().split(/\s+/).filter(Boolean);
}

function findBlas(cxx) {
  const candidates = [];
  if (process.env.RFM_NATIVE_LIBS !== undefined || process.env.RFM_NATIVE_CFLAGS !== undefined) {
    candidates.push({
      cflags: process.env.RFM_NATIVE_CFLAGS || '',
      libs: process.env.RFM_NATIVE_LIBS || '-lopenblas -llapacke',
      source: 'RFM_NATIVE_CFLAGS/RFM_NATIVE_LIBS',
    });
  } else {
    candidates.push({ cflags: '', libs: '-lopenblas -llapacke', source: 'default' });
    candidates.push({ cflags: '', libs: '-lopenblas', source: 'OpenBLAS with LAPACKE built in' });
    const pc = run('pkg-config', ['--cflags', '--libs', 'openblas']);
    if (pc.ok) {
      const cf = run('pkg-config', ['--cflags', 'openblas']).out.trim();
      const lb = run('pkg-config', ['--libs', 'openblas']).out.trim();
      candidates.push({ cflags: cf, libs: lb, source: 'pkg-config openblas' });
      candidates.push({ cflags: cf, libs: `${lb} -llapacke`, source: 'pkg-config openblas + lapacke' });
    }
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rfm-native-probe-'));
  const src = path.join(tmp, 'probe.cc');
  fs.writeFileSync(src, PROBE);
  const failures = [];
  try {
    for (const c of candidates) {
      const exe = path.join(tmp, 'probe');
      const r = run(cxx, [...split(c.cflags), src, '-o', exe, ...split(c.libs)]);
      if (r.ok) {
        const x = run(exe, []);
        if (x.ok) return { ...c, failures };
        failures.push(`${c.libs}: the probe built but did not run (${tail(x.out, 3) || `exit ${x.status}`})`);
      } else {
        failures.push(`${c.cflags ? c.cflags + ' ' : ''}${c.libs}: ${describeCompileError(r.out)}`);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { failures };
}

function describeCompileError(out) {
  const header = out.match(/fatal error: ([\w./-]+\.h): No such file or directory/);
  if (header) return `header ${header[1]} not found`;
  const lib = out.match(/cannot find -l([^\s:]+)/);
  if (lib) return `library lib${lib[1]} not found`;
  const sym = out.match(/undefined reference to [`']([^'`]+)'/);
  if (sym) return `symbol ${sym[1]} missing`;
  return tail(out, 3).replace(/\s*\n\s*/g, ' | ');
}

// --- main --------------------------------------------------------------------------------------------------------
function main() {
  if (process.env.RFM_SKIP_NATIVE && process.env.RFM_SKIP_NATIVE !== '0') {
    writeStatus(false, 'the build was skipped (RFM_SKIP_NATIVE is set)');
    log(`skipped (RFM_SKIP_NATIVE is set); ${HOW}`);
    return;
  }
  if (!fs.existsSync(path.join(nativeDir, 'binding.gyp')))
    give_up('native/binding.gyp is missing from this copy of rfm-lab', '');

  let nodeGyp;
  try {
    nodeGyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
  } catch {
    give_up('node-gyp is not installed in node_modules', 'run `npm install` first');
  }

  const cxx = process.env.CXX || 'c++';
  if (!have(cxx))
    give_up(`no C++ compiler (\`${cxx}\` not found)`, `install one (Debian/Ubuntu: apt-get install g++ make), ${THEN}`);
  if (process.platform !== 'win32' && !have('make'))
    give_up('`make` not found', `install it (Debian/Ubuntu: apt-get install make), ${THEN}`);
  const python = process.env.PYTHON || process.env.npm_config_python || 'python3';
  if (!have(python))
    give_up(`node-gyp needs Python 3 (\`${python}\` not found)`, `install python3 or set PYTHON, ${THEN}`);

  const blas = findBlas(cxx);
  if (!blas.libs) {
    give_up(
      `OpenBLAS/LAPACKE not usable: ${blas.failures.join('; ')}`,
      'install them (Debian/Ubuntu: apt-get install libopenblas-dev liblapacke-dev; macOS: brew install openblas and set ' +
        'RFM_NATIVE_CFLAGS="-I$(brew --prefix openblas)/include" RFM_NATIVE_LIBS="-L$(brew --prefix openblas)/lib -lopenblas"; ' +
        `elsewhere set RFM_NATIVE_CFLAGS / RFM_NATIVE_LIBS), ${THEN}`,
    );
  }

  const headers = findNodedir();
  if (!headers && !allowDownload) {
    writeStatus(
      false,
      `no Node ${process.version} headers were found on this machine, and the install step does not download them`,
    );
    log(
      `skipped: no Node ${process.version} headers found locally (nodedir, ${path.dirname(path.dirname(process.execPath))}/include/node, node-gyp's cache).`,
    );
    log(`The install does not download; ${HOW}, which lets node-gyp download the headers once.`);
    process.exit(strict ? 1 : 0);
  }

  log(
    `building with ${blas.libs}${blas.cflags ? ` (${blas.cflags})` : ''}, Node headers from ${headers ? headers.where : 'a node-gyp download'}`,
  );
  const env = { ...process.env, RFM_NATIVE_LIBS: blas.libs, RFM_NATIVE_CFLAGS: blas.cflags };
  const gypArgs = [nodeGyp, 'rebuild', '--release', ...(headers ? headers.args : [])];
  const r = run(process.execPath, gypArgs, { cwd: nativeDir, env });
  if (!r.ok) {
    process.stderr.write(tail(r.out, 40) + '\n');
    give_up(
      `node-gyp rebuild failed (${r.error ? r.error.message : `exit ${r.status}`}): ${describeCompileError(r.out)}`,
      `fix what the output above says, ${THEN}`,
    );
  }
  // Load it in a child process: a missing shared library or symbol shows here, not in a user's notebook.
  const check = run(process.execPath, [
    '-e',
    `const a = require(${JSON.stringify(addonPath)}); console.log(a.config() + ', ' + a.getThreads() + ' threads')`,
  ]);
  if (!check.ok) give_up(`the addon was built but does not load: ${tail(check.out, 5).replace(/\s*\n\s*/g, ' | ')}`);
  writeStatus(true, check.out.trim());
  log(`built ${path.relative(root, addonPath)}: ${check.out.trim()}`);
}

main();
