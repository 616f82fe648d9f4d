/**
 * `npm run bench`: GEMM GFLOPS and SPD-solve time (Cholesky + two triangular solves, 60 right-hand sides) for each
 * available backend at n = 1000, 2000, 4000, 8000 (tfjs up to 4000, js up to 1000), medians of 5 runs (3 at 8000),
 * against numpy/scipy measured in the same run by the `python3` on PATH (bench/numpy_linalg.py, one process whose runs
 * alternate with the first backend's, so both sides see the same machine load). Then two concurrent float32 GEMM
 * streams at n = 640 on one OpenBLAS thread each versus one stream on two threads (native), and distanceKernel at
 * n = 640 and 2000.
 *
 * Environment: RFM_BENCH_SIZES=1000,2000 (subset), RFM_BENCH_RUNS=5, RFM_BENCH_BACKENDS=native,js (subset),
 * RFM_BENCH_PYTHON=python3, RFM_BENCH_MAX_RUN_S=12.
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, when set (for Debian's OpenBLAS on some processors), are removed from the
 * numpy command only, together, so numpy's own OpenBLAS picks its kernels as it would for a user.
 */
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Backend, BackendName } from '../src/linalg/backend';
import { DType, Matrix } from '../src/linalg/matrix';
import { availableBackends, backendInfo } from '../src/linalg/registry';
import { spdSolve } from '../src/linalg/spd-solve';

const SIZES = (process.env.RFM_BENCH_SIZES ?? '1000,2000,4000,8000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const RUNS = Number(process.env.RFM_BENCH_RUNS ?? 5);
const RUNS_LARGE = Math.min(RUNS, 3);
const RHS = 60;
const DTYPES: DType[] = ['float32', 'float64'];
const MAX_N: Record<BackendName, number> = { native: Infinity, tfjs: 4000, js: 1000 };
/** The first of these that is available is the one whose runs alternate with numpy's. */
const ORDER: BackendName[] = ['native', 'tfjs', 'js'];
const PYTHON = process.env.RFM_BENCH_PYTHON ?? 'python3';
const HELPER = join(__dirname, 'numpy_linalg.py');
/**
 * A backend whose run at a size is predicted (from its median at the previous size, scaled by n^3) to take longer than
 * this is skipped there and above, which keeps the whole bench near 10 minutes on a 2-core machine.
 */
const MAX_RUN_S = Number(process.env.RFM_BENCH_MAX_RUN_S ?? 12);

type Op = 'gemm' | 'spd';
interface Row {
  op: Op;
  n: number;
  dtype: DType;
  backend: string;
  median: number;
  numpy?: number;
  /** Why it was not measured. */
  skipped?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function flops(op: Op, n: number): number {
  return op === 'gemm' ? 2 * n ** 3 : n ** 3 / 3 + 2 * n * n * RHS;
}

/** Uniform [0, 1), like the numpy side. A small LCG: Math.random over 64M entries is slow and not reproducible. */
function uniform(rows: number, cols: number, dtype: DType, seed: number): Matrix {
  const m = new Matrix(rows, cols, dtype);
  let s = seed >>> 0;
  const d = m.data;
  for (let i = 0; i < d.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    d[i] = s / 4294967296;
  }
  return m;
}

/** R + R' + 2n I: diagonally dominant, so SPD. */
function spdMatrix(n: number, dtype: DType): Matrix {
  const r = uniform(n, n, 'float64', 7);
  const a = new Matrix(n, n, dtype);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) a.data[i * n + j] = r.data[i * n + j] + r.data[j * n + i] + (i === j ? 2 * n : 0);
  }
  return a;
}

async function time(fn: () => Promise<unknown>, runs: number, warmup: boolean): Promise<number[]> {
  if (warmup) await fn();
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    await fn();
    out.push((performance.now() - t) / 1000);
  }
  return out;
}

function pythonEnv(): { env: NodeJS.ProcessEnv; removed: string[] } {
  const env = { ...process.env };
  const removed: string[] = [];
  // Both together: a core type without its cache size (or the reverse) is a configuration nobody runs.
  if (env.OPENBLAS_CORETYPE !== undefined || env.OPENBLAS_L2_SIZE !== undefined) {
    for (const k of ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE']) {
      if (env[k] !== undefined) removed.push(`${k}=${env[k]}`);
      delete env[k];
    }
  }
  return { env, removed };
}

/** The numpy/scipy side: one long-lived python3 answering JSON-line requests (bench/numpy_linalg.py). */
class Numpy {
  private proc: ChildProcessWithoutNullStreams;
  private buffer = '';
  private waiting: ((line: string) => void)[] = [];
  private stderr = '';

  constructor() {
    this.proc = spawn(PYTHON, [HELPER], { env: pythonEnv().env });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      let i: number;
      while ((i = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 1);
        this.waiting.shift()?.(line);
      }
    });
    this.proc.stderr.on('data', (d) => (this.stderr += d));
    this.proc.on('exit', (code) => {
      for (const w of this.waiting.splice(0))
        w(JSON.stringify({ error: `${PYTHON} exited with ${code}: ${this.stderr.trim()}` }));
    });
  }

  async request(req: object): Promise<any> {
    const line = await new Promise<string>((resolve) => {
      this.waiting.push(resolve);
      this.proc.stdin.write(JSON.stringify(req) + '\n');
    });
    const reply = JSON.parse(line);
    if (reply.error) throw new Error(`numpy side: ${reply.error}`);
    return reply;
  }

  close(): void {
    this.proc.stdin.end(JSON.stringify({ cmd: 'quit' }) + '\n');
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fmt(x: number | undefined, digits = 3): string {
  if (x === undefined || !Number.isFinite(x)) return '-';
  return x >= 100 ? x.toFixed(1) : x.toPrecision(digits);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) => r.map((cell, c) => (c < 4 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '))
    .join('\n');
}

/**
 * Per size and dtype: the first backend (native when available) alternates its runs with numpy's, a short pause
 * between them (OpenBLAS's idle threads spin for a while after a call), so both see the same machine load; the other
 * backends run after it, and their ratios use numpy's median from the same size and dtype.
 */
async function mainBench(backends: Backend[], numpy: Numpy): Promise<Row[]> {
  const rows: Row[] = [];
  const last = new Map<string, { n: number; median: number }>();
  const predicted = (key: string, n: number) => {
    const l = last.get(key);
    return l ? l.median * (n / l.n) ** 3 : 0;
  };
  for (const n of SIZES) {
    const runs = n >= 8000 ? RUNS_LARGE : RUNS;
    const warmup = n < 8000;
    const t0 = performance.now();
    for (const dtype of DTYPES) {
      await numpy.request({ cmd: 'setup', n, dtype, rhs: RHS });
      const a = uniform(n, n, dtype, 1);
      const b = uniform(n, n, dtype, 2);
      const c = new Matrix(n, n, dtype);
      const spd = spdMatrix(n, dtype);
      const rhs = uniform(n, RHS, dtype, 3);
      const todo = [...backends]
        .sort((x, y) => ORDER.indexOf(x.name) - ORDER.indexOf(y.name))
        .filter((be) => be.dtypes.includes(dtype) && n <= MAX_N[be.name]);
      for (const op of ['gemm', 'spd'] as Op[]) {
        let npMedian: number | undefined;
        for (const [i, backend] of todo.entries()) {
          const key = `${backend.name} ${dtype} ${op}`;
          const guess = predicted(key, n);
          if (i > 0 && guess > MAX_RUN_S) {
            rows.push({
              op,
              n,
              dtype,
              backend: backend.name,
              median: NaN,
              numpy: npMedian,
              skipped: `skipped: ~${guess.toFixed(0)} s a run predicted`,
            });
            continue;
          }
          const fn = op === 'gemm' ? () => backend.gemm(a, b, { out: c }) : () => spdSolve(backend, spd, rhs);
          const paired = i === 0;
          const times: number[] = [];
          const npTimes: number[] = [];
          if (warmup || op === 'spd') {
            await fn();
            if (paired) await numpy.request({ cmd: 'run', op });
          }
          for (let r = 0; r < runs; r++) {
            await pause(100);
            const t = performance.now();
            await fn();
            times.push((performance.now() - t) / 1000);
            if (paired) {
              await pause(100);
              npTimes.push((await numpy.request({ cmd: 'run', op })).time);
            }
          }
          if (paired) npMedian = median(npTimes);
          last.set(key, { n, median: median(times) });
          rows.push({ op, n, dtype, backend: backend.name, median: median(times), numpy: npMedian });
        }
      }
    }
    process.stderr.write(`  n = ${n} done in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  return rows;
}

/** Two concurrent float32 GEMM streams at n = 640 on 1 OpenBLAS thread each, versus one stream on 2 threads. */
async function concurrency(native: Backend): Promise<string[]> {
  const n = 640;
  const calls = 150;
  const before = native.getThreads();
  const mats = [0, 1].map((s) => [
    uniform(n, n, 'float32', 10 + s),
    uniform(n, n, 'float32', 20 + s),
    new Matrix(n, n, 'float32'),
  ]);
  const stream = async ([a, b, c]: Matrix[], count: number) => {
    for (let i = 0; i < count; i++) await native.gemm(a, b, { out: c });
  };
  const gflops = (count: number, s: number) => (2 * n ** 3 * count) / s / 1e9;
  const lines: string[] = [];
  const measure = async (label: string, threads: number, streams: number) => {
    native.setThreads(threads);
    await Promise.all(mats.slice(0, streams).map((m) => stream(m, 5))); // warm-up
    const results: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      await Promise.all(mats.slice(0, streams).map((m) => stream(m, calls)));
      results.push(gflops(calls * streams, (performance.now() - t) / 1000));
    }
    lines.push(
      `  ${label.padEnd(44)} ${median(results).toFixed(1).padStart(6)} GFLOPS (median of 3 x ${calls * streams} calls)`,
    );
  };
  try {
    await measure('1 stream,  threads = 2', 2, 1);
    await measure('2 concurrent streams, threads = 1 each', 1, 2);
    await measure('1 stream,  threads = 1', 1, 1);
  } finally {
    native.setThreads(before);
  }
  return lines;
}

/** distanceKernel (q = 1 with weights) at n = 640 and 2000: native with 1 and 2 threads (it splits rows from 2^20 entries), and the others. */
async function distanceKernelBench(backends: Backend[]): Promise<string[]> {
  const lines: string[] = [];
  for (const n of [640, 2000]) {
    for (const dtype of DTYPES) {
      const x = uniform(n, 50, dtype, 5);
      for (const backend of backends) {
        if (!backend.dtypes.includes(dtype)) continue;
        const gram = await backend.gemm(x, x, { transB: true });
        const p = backend.rowSquaredNorms(x);
        const kernel = new Matrix(n, n, dtype);
        const weights = new Matrix(n, n, dtype);
        const o = { bandwidth: 2, exponent: 1, zeroTol: 1e-6, weights: true, outKernel: kernel, outWeights: weights };
        const threads = backend.name === 'native' ? [1, 2] : [backend.getThreads()];
        const before = backend.getThreads();
        for (const t of threads) {
          backend.setThreads(t);
          const times = await time(() => backend.distanceKernel(gram, p, p, o), n > 1000 ? 7 : 21, true);
          lines.push(
            `  ${String(n).padEnd(5)} ${backend.name.padEnd(7)} ${dtype}  threads = ${t}: ${(median(times) * 1000).toFixed(2)} ms`,
          );
        }
        backend.setThreads(before);
      }
    }
  }
  return lines;
}

async function main(): Promise<void> {
  const started = performance.now();
  const info = await backendInfo();
  const only = process.env.RFM_BENCH_BACKENDS?.split(',');
  const backends = (await availableBackends()).filter((b) => !only || only.includes(b.name));
  const py = pythonEnv();
  const numpy = new Numpy();
  const pyInfo = (await numpy.request({ cmd: 'info' })).info;
  console.log('rfm-lab linear-algebra bench');
  for (const b of info.backends)
    console.log(`  ${b.name.padEnd(6)} ${b.available ? 'available' : 'unavailable'}: ${b.detail}`);
  console.log(
    `  numpy ${pyInfo.numpy} (${pyInfo.python}): ${pyInfo.numpy_openblas.config ?? '?'}; core ${pyInfo.numpy_openblas.corename ?? '?'}, ${pyInfo.numpy_openblas.threads ?? '?'} threads`,
  );
  console.log(
    `  scipy ${pyInfo.scipy}: ${pyInfo.scipy_openblas.config ?? '?'}; core ${pyInfo.scipy_openblas.corename ?? '?'}`,
  );
  console.log(
    `  OPENBLAS_* in this process: ${
      Object.entries(process.env)
        .filter(([k]) => k.startsWith('OPENBLAS'))
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || 'none'
    }; removed for numpy: ${py.removed.join(' ') || 'nothing'}`,
  );
  console.log(
    `  sizes ${SIZES.join(', ')}; medians of ${RUNS} runs (${RUNS_LARGE} at n = 8000); SPD solve = Cholesky + 2 triangular solves, ${RHS} right-hand sides (numpy side: scipy cho_factor + cho_solve)`,
  );
  console.log('');

  const rows = await mainBench(backends, numpy);
  numpy.close();
  const header = ['op', 'n', 'dtype', 'backend', 'median s', 'GFLOPS', 'numpy s', 'numpy GFLOPS', 'speed vs numpy'];
  const body = rows
    .filter((r) => !r.skipped)
    .map((r) => {
      const f = flops(r.op, r.n);
      return [
        r.op === 'gemm' ? 'gemm' : `spd solve`,
        String(r.n),
        r.dtype,
        r.backend,
        fmt(r.median, 4),
        fmt(f / r.median / 1e9),
        fmt(r.numpy, 4),
        fmt(r.numpy ? f / r.numpy / 1e9 : undefined),
        r.numpy ? `${(r.numpy / r.median).toFixed(2)}x` : '-',
      ];
    });
  console.log(table([header, ...body]));
  console.log(
    '  speed vs numpy = numpy median time / backend median time (GEMM: the GFLOPS ratio; solve: 1 / time ratio)',
  );
  for (const r of rows.filter((x) => x.skipped))
    console.log(`  not run: ${r.op === 'gemm' ? 'gemm' : 'spd solve'} ${r.n} ${r.dtype} ${r.backend} (${r.skipped})`);
  console.log('');

  console.log('targets (native): GEMM >= 0.90x numpy at n = 2000, 4000; SPD solve time <= 1.25x scipy at n = 4000');
  for (const r of rows.filter((x) => x.backend === 'native' && x.numpy !== undefined)) {
    if (r.op === 'gemm' && (r.n === 2000 || r.n === 4000)) {
      const ratio = r.numpy! / r.median;
      console.log(`  gemm ${r.n} ${r.dtype}: ${ratio.toFixed(3)}x numpy GFLOPS  ${ratio >= 0.9 ? 'PASS' : 'FAIL'}`);
    }
    if (r.op === 'spd' && r.n === 4000) {
      const ratio = r.median / r.numpy!;
      console.log(`  spd solve ${r.n} ${r.dtype}: ${ratio.toFixed(3)}x scipy time  ${ratio <= 1.25 ? 'PASS' : 'FAIL'}`);
    }
  }
  console.log('');

  const native = backends.find((b) => b.name === 'native');
  if (native) {
    console.log('concurrent float32 GEMM, n = 640 (native):');
    for (const line of await concurrency(native)) console.log(line);
    console.log('');
  }
  console.log('distanceKernel, n x n, q = 1 with weights (median of 21 runs; 7 at n = 2000):');
  for (const line of await distanceKernelBench(backends)) console.log(line);
  console.log('');
  console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
