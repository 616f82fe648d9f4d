/**
 * Kernel machines beyond memory (`npm run bench:large`): time, peak memory and accuracy against n for the exact and
 * the Nystrom solvers side by side. Every fit runs in its own child process, so its peak memory (the kernel's VmHWM
 * for the process) is its own. Prints the load average with every row: the machine is shared.
 *   (default)        --sections sweep,mnist
 *   sweep            next-character prediction on Moby-Dick windows of 48 (the plain Laplace kernel: an RFM with
 *                    T = 0), n = 2,500 .. 100,000: exact up to --exact-max (default 10,000; above it the exact
 *                    solver's estimate is printed, and its refusal where it does not fit), Nystrom at every n.
 *   mnist            every image the `mnist` package ships (10,000), ten classes, 80 % train (7,200 fit + 800
 *                    validation) / 20 % test: Laplace kernel and RFM (T = 5), exact and Nystrom.
 *   text             the text case: 100,000 training windows, RFM T = 5 with one weight per position (diagonal M tied over the symbols), trace-normalised,
 *                    Nystrom; held-out bits per character against Kneser-Ney order 5 trained on the whole train split.
 *   eigenpro         the same kernel (Laplace, identity metric, ridge 1e-3) solved by the exact solver, Nystrom (direct)
 *                    and EigenPro 2 (src/kernels/eigenpro.ts), scored alike (test accuracy of argmax K alpha): MNIST
 *                    (7,200 fit images) through KernelRegressor's solver: 'exact' | 'nystrom' | 'eigenpro' with
 *                    --mnist-epochs (default 1,3: one run each); text windows (--n, default 20000; 'none' skips them)
 *                    on their one-hot codes, Nystrom m = --centres (default 2000) and EigenPro for --epochs (default 5),
 *                    scored after every epoch (bench/eigenpro-compare.ts)
 *   --n a,b          the text case's training windows (default 100000)
 * The text rows are the text models themselves (KernelCharModel: scored through RFM.predict, calibrated by their
 * softmax layer on the validation windows).
 *   --centres m      Nystrom centres (default: 1000 for text windows, 2000 for MNIST)
 *   --sampling s     the text case's centres: uniform (default) or leverage
 *   --method s       the text case's Nystrom solve: direct or cg (default: the cost model's choice)
 *   --tolerance t, --max-iterations k   the text case's CG stopping rule
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { backendInfo } from '../src/linalg/registry';
import { runChild, type ChildConfig, type ChildResult } from './large-child';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const numberOption = (name: string) => (option(name) === undefined ? undefined : Number(option(name)));
const sections = (option('--sections') ?? 'sweep,mnist').split(',');
const exactMax = Number(option('--exact-max') ?? 10000);
const centresOption = option('--centres');

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** Runs one configuration in a child process (its own peak memory) and returns its result line. */
function inChild(config: ChildConfig): ChildResult {
  // The child's progress lines (stderr) show as they come; its result is the RESULT line on stdout.
  const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), __filename, '--child', JSON.stringify(config)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line)
    return {
      ok: false,
      error: `no result (exit ${r.status}): ${r.stdout.trim().split('\n').slice(-3).join(' | ')}`,
      seconds: 0,
      peakGiB: 0,
      load: load(),
    };
  return JSON.parse(line.slice(7)) as ChildResult;
}

function row(cells: Array<string | number>): string {
  return cells
    .map((c) => (typeof c === 'number' ? (Number.isInteger(c) ? String(c) : c.toPrecision(4)) : c))
    .join(' | ');
}

function describe(r: ChildResult): Array<string | number> {
  if (!r.ok) return [`failed/refused: ${r.error}`, '', '', '', '', r.load];
  return [r.seconds, r.peakGiB, r.accuracy ?? '', r.bitsPerCharacter ?? '', r.detail ?? '', r.load];
}

function sweep(): void {
  const centres = Number(centresOption ?? 1000);
  console.log(
    `\n## Moby-Dick windows (w = 48), Laplace kernel L = 5 (RFM T = 0): exact vs Nystrom (m = ${centres}) against n`,
  );
  console.log('n | solver | fit s | peak GiB | test accuracy | test bits/char | detail | load (1, 5, 15 min)');
  for (const n of [2500, 5000, 10000, 20000, 50000, 100000]) {
    const exact: ChildConfig = { task: 'text', n, solver: 'exact', iterations: 0 };
    if (n <= exactMax) console.log(row([n, 'exact', ...describe(inChild(exact))]));
    else console.log(row([n, 'exact', ...describe(inChild({ ...exact, priceOnly: true }))]));
    console.log(
      row([n, `nystrom`, ...describe(inChild({ task: 'text', n, solver: 'nystrom', centres, iterations: 0 }))]),
    );
  }
}

function mnist(): void {
  const centres = Number(centresOption ?? 2000);
  console.log(
    `\n## MNIST, all 10,000 images of the mnist package, ten classes: 7,200 fit + 800 validation / 2,000 test; L = 10, ridge 1e-3`,
  );
  console.log('model | solver | fit s | peak GiB | test accuracy | - | detail | load (1, 5, 15 min)');
  const started = performance.now();
  for (const iterations of [0, 5]) {
    for (const solver of ['exact', 'nystrom'] as const) {
      const r = inChild({
        task: 'mnist',
        n: 8000,
        solver,
        iterations,
        centres: solver === 'nystrom' ? centres : undefined,
      });
      console.log(
        row([
          iterations === 0 ? 'Laplace' : 'RFM T = 5',
          solver === 'nystrom' ? `nystrom m = ${centres}` : 'exact',
          ...describe(r),
        ]),
      );
    }
  }
  console.log(`MNIST section: ${((performance.now() - started) / 1000).toFixed(0)} s in all (load ${load()})`);
  const leverage = inChild({ task: 'mnist', n: 8000, solver: 'nystrom', iterations: 0, centres, sampling: 'leverage' });
  console.log(row(['Laplace', `nystrom m = ${centres}, leverage-score centres`, ...describe(leverage)]));
}

function text(): void {
  const centres = Number(centresOption ?? 1000);
  console.log(
    `\n## The text case: Moby-Dick windows (n below), RFM T = 5, one weight per position (the text models' M: diagonal tied over the 50 symbols), trace normalisation, Nystrom m = ${centres}`,
  );
  console.log('model | fit s | peak GiB | test accuracy | test bits/char | detail | load (1, 5, 15 min)');
  console.log(
    row([
      'Kneser-Ney order 5, whole train split',
      ...describe(inChild({ task: 'ngram', n: 0, solver: 'exact', iterations: 0 })),
    ]),
  );
  for (const n of (option('--n') ?? '100000').split(',').map(Number)) {
    const r = inChild({
      task: 'text',
      n,
      solver: 'nystrom',
      centres,
      iterations: 5,
      diagonal: true,
      groupSize: 50,
      normalization: 'trace',
      agopSampleSize: 2000,
      sampling: option('--sampling') as ChildConfig['sampling'],
      method: option('--method') as ChildConfig['method'],
      tolerance: numberOption('--tolerance'),
      maxIterations: numberOption('--max-iterations'),
    });
    console.log(row([`RFM (Nystrom), n = ${n}`, ...describe(r)]));
  }
}

function eigenpro(): void {
  console.log('\n## Exact vs Nystrom vs EigenPro 2 on the same kernel and data (Laplace, identity metric, ridge 1e-3)');
  console.log('data | solver | fit s | peak GiB | test accuracy | - | detail | load (1, 5, 15 min)');
  const epochs = numberOption('--epochs');
  const mnistEpochs = (option('--mnist-epochs') ?? '1,3').split(',').map(Number);
  const runs: Array<Record<string, unknown>> = [
    { data: 'mnist', n: 7200, solver: 'exact' },
    { data: 'mnist', n: 7200, solver: 'nystrom', centres: 2000 },
    ...mnistEpochs.map((e) => ({ data: 'mnist', n: 7200, solver: 'eigenpro', epochs: e })),
  ];
  if (option('--n') !== 'none')
    for (const n of (option('--n') ?? '20000').split(',').map(Number)) {
      runs.push({ data: 'text', n, solver: 'nystrom', centres: Number(centresOption ?? 2000) });
      runs.push({ data: 'text', n, solver: 'eigenpro', epochs: epochs ?? 5 });
    }
  for (const r of runs) {
    const result = inChild({ task: 'eigenpro', ...r } as unknown as ChildConfig);
    const what =
      r.solver === 'eigenpro' && r.data === 'mnist' ? `eigenpro, ${String(r.epochs)} epochs` : String(r.solver);
    console.log(row([String(r.data), what, ...describe(result)]));
  }
}

async function main(): Promise<void> {
  if (args[0] === '--child') return runChild(JSON.parse(args[1]) as ChildConfig);
  const info = await backendInfo();
  console.log(`backend: float64 ${info.active.float64}, ${info.threads} threads; load average at start ${load()}`);
  const memTotal = /MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'));
  if (memTotal) console.log(`machine memory ${(Number(memTotal[1]) / 1024 ** 2).toFixed(1)} GiB`);
  if (sections.includes('sweep')) sweep();
  if (sections.includes('mnist')) mnist();
  if (sections.includes('text')) text();
  if (sections.includes('eigenpro')) eigenpro();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
