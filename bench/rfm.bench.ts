/**
 * RFM benchmark against peers measured in the same run (`npm run bench:rfm`).
 *   Scaling data (rfm_ref.py gen --d D, n = 640 fit / 160 validation / 200 test, T = 10, L = 1):
 *     - PyTorch (bench/rfm_torch.py): LaplaceRFM of the RFM authors' pip package `rfm` (its batched AGOP), in
 *       float32 on 2 threads, validation and test scored every iteration; a warm-up fit, then the minimum of 3; its
 *       kept iteration and test MSE are printed against ours in float64. Found through RFM_TORCH_PYTHON (a python
 *       with torch, numpy and opt_einsum) or `python3` if it imports torch; the column says "skipped" when neither
 *       has torch. torch is never a dependency of rfm-lab.
 *     - the numpy reference (`fit --form primal`, float64, one fit).
 *     - ours in float64 and float32 on the path the cost model picks (warm-up, minimum of 3, 2 BLAS threads), with
 *       RFM.fit's default (test set scored once after the fit) and with testEveryIteration (the published loop's
 *       work); float32 counted only when it picks float64's best iteration with a test MSE within 1e-3 relative.
 *   Text-shaped data (rfm_ref.py gen-text --n 1500: d = 2400 one-hot, 50 outputs, L = 48, T = 5): the reference's
 *     per-output AGOP vs ours (float64).
 * Options: --dims 100,2000, --rounds R (repeat the torch / ours pair R times, keep each side's minimum), --threads N
 * (both sides; default 2), --no-text, --no-reference (no numpy reference), --no-torch.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendInfo, setThreads } from '../src/linalg/registry';
import { RFM } from '../src/rfm/rfm';
import { HAS_REF, REF_SCRIPT, ReferenceFit, readRfmData, referenceFit, runReference } from '../test/rfm/rfmdata';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dims = (option('--dims') ?? '100,500,1000,2000').split(',').map(Number);
const withReference = !flag('--no-reference');
const rounds = Number(option('--rounds') ?? '1');
// The issue's comparison is on 2 threads; --threads 1 gives a reading less distorted by a busy machine (threads that
// spin while waiting for a descheduled partner slow both sides, torch's OpenMP pool most).
const THREADS = Number(option('--threads') ?? '2');
const TORCH_SCRIPT = join(__dirname, 'rfm_torch.py');

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

interface OursOptions {
  dtype: 'float64' | 'float32';
  bandwidth: number;
  iterations: number;
  testEveryIteration?: boolean;
  repeats?: number;
}

/** Ours on one data file: `repeats` fits (after the caller's warm-up), the fastest kept. */
async function fitOurs(path: string, options: OursOptions) {
  const data = readRfmData(path);
  const part = (rows: number[]) => ({ X: data.X.selectRows(rows), Y: data.Y.selectRows(rows) });
  const fit = part(data.fit);
  const val = part(data.val);
  const test = part(data.test);
  let seconds = Infinity;
  let rfm = new RFM();
  for (let r = 0; r < (options.repeats ?? 1); r++) {
    rfm = new RFM({ bandwidth: options.bandwidth, ridge: 1e-3, iterations: options.iterations, dtype: options.dtype });
    const t0 = performance.now();
    await rfm.fit(fit.X, fit.Y, { validation: val, test, testEveryIteration: options.testEveryIteration ?? false });
    seconds = Math.min(seconds, (performance.now() - t0) / 1000);
  }
  return { rfm, seconds, best: rfm.bestIteration, testMse: rfm.history[rfm.bestIteration].test!.mse };
}

/** A python that imports torch: RFM_TORCH_PYTHON, else python3; undefined (with the reason) when none does. */
function torchPython(): { python?: string; why: string } {
  const candidates = process.env.RFM_TORCH_PYTHON ? [process.env.RFM_TORCH_PYTHON] : ['python3'];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python, why: `${python}: torch ${r.stdout.trim()}` };
  }
  return {
    why: `no python with torch (${candidates.join(', ')}; set RFM_TORCH_PYTHON to a python with torch and numpy)`,
  };
}

interface TorchFit {
  seconds: number;
  best_iter: number;
  best_test_mse: number;
  torch: string;
  threads: number;
}

function torchFit(python: string, path: string): TorchFit {
  const env = {
    ...process.env,
    OMP_NUM_THREADS: String(THREADS),
    OPENBLAS_NUM_THREADS: String(THREADS),
    MKL_NUM_THREADS: String(THREADS),
  };
  const out = execFileSync(
    python,
    [TORCH_SCRIPT, path, '--L', '1', '--T', '10', '--threads', String(THREADS), '--repeats', '3'],
    { encoding: 'utf8', env },
  );
  return JSON.parse(out) as TorchFit;
}

function profileLine(rfm: RFM): string {
  return rfm.profile
    .summary()
    .filter((s) => s.seconds > 0.005)
    .map((s) => `${s.step} ${s.seconds.toFixed(3)}s${s.flops > 0 ? ` ${s.gflops.toFixed(1)} GFLOPS` : ''}`)
    .join('; ');
}

type Ours = Awaited<ReturnType<typeof fitOurs>>;

/** One d of the scaling data: torch and ours in alternating rounds (each side's minimum), then the numpy reference. */
async function scalingCase(dir: string, d: number, torch: { python?: string; why: string }): Promise<void> {
  const path = join(dir, `scaling-${d}.rfmdata`);
  runReference(['gen', '--d', String(d), '--seed', '0', '--out', path]);
  console.log(
    `\nd = ${d}   (load before: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')})`,
  );
  let peer: TorchFit | undefined;
  const ours: Record<'f64' | 'f32' | 'f32every', Ours | undefined> = {
    f64: undefined,
    f32: undefined,
    f32every: undefined,
  };
  const faster = (a: Ours | undefined, b: Ours) => (a && a.seconds <= b.seconds ? a : b);
  for (let r = 0; r < rounds; r++) {
    if (torch.python) {
      const t = torchFit(torch.python, path);
      if (!peer || t.seconds < peer.seconds) peer = t;
    }
    await fitOurs(path, { dtype: 'float32', bandwidth: 1, iterations: 10 }); // warm-up at this size
    ours.f32 = faster(ours.f32, await fitOurs(path, { dtype: 'float32', bandwidth: 1, iterations: 10, repeats: 3 }));
    ours.f32every = faster(
      ours.f32every,
      await fitOurs(path, { dtype: 'float32', bandwidth: 1, iterations: 10, repeats: 3, testEveryIteration: true }),
    );
    ours.f64 = faster(ours.f64, await fitOurs(path, { dtype: 'float64', bandwidth: 1, iterations: 10, repeats: 3 }));
    console.log(
      `  round ${r + 1}: torch ${peer ? peer.seconds.toFixed(4) : '-'} s, ours float32 ${ours.f32.seconds.toFixed(4)} s (minima so far; load ${loadavg()[0].toFixed(2)})`,
    );
  }
  const f64 = ours.f64!;
  const f32 = ours.f32!;
  const verified = f32.best === f64.best && rel(f32.testMse, f64.testMse) < 1e-3;
  const ref = withReference ? referenceFit(path, ['--form', 'primal']) : undefined;
  const line = (name: string, o: Ours) =>
    `  ours ${name}: ${o.seconds.toFixed(4)} s, ${o.rfm.summary.form} ${o.rfm.summary.dtype}, best t = ${o.best}, test MSE ${o.testMse.toPrecision(8)}` +
    (peer ? `, torch / ours ${(peer.seconds / o.seconds).toFixed(2)}x` : '') +
    (ref
      ? `, numpy reference / ours ${(ref.seconds / o.seconds).toFixed(1)}x (test MSE ${rel(o.testMse, ref.best_test_mse).toExponential(2)} relative)`
      : '');
  console.log(
    peer
      ? `  torch float32 (the rfm package's LaplaceRFM, ${peer.threads} threads, torch ${peer.torch}): ${peer.seconds.toFixed(4)} s, best t = ${peer.best_iter}, test MSE ${peer.best_test_mse.toPrecision(8)} (against ours float64: ${peer.best_iter === f64.best ? 'same' : 'DIFFERENT'} best t, test MSE ${rel(peer.best_test_mse, f64.testMse).toExponential(2)} relative)`
      : `  torch: skipped (${torch.why})`,
  );
  if (ref)
    console.log(
      `  numpy reference (float64, primal, one fit): ${ref.seconds.toFixed(4)} s, best t = ${ref.best_iter}, test MSE ${ref.best_test_mse.toPrecision(8)}`,
    );
  console.log(
    line('float32', f32) +
      (verified
        ? ' (verified: same best iteration as float64, test MSE within 1e-3)'
        : ' (NOT verified against float64: not counted)'),
  );
  console.log(line('float32, test every iteration', ours.f32every!));
  console.log(line('float64', f64));
  if (peer)
    console.log(
      `  => torch float32 / ours ${verified ? 'float32' : 'float64'}: ${(peer.seconds / (verified ? f32 : f64).seconds).toFixed(2)}x   (load after: ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')})`,
    );
  console.log(`  float32 steps: ${profileLine(f32.rfm)}`);
}

async function textCase(dir: string): Promise<void> {
  console.log('\n== text-shaped data (n = 1500, d = 2400 one-hot, 50 outputs, L = 48, T = 5)');
  const path = join(dir, 'text.rfmdata');
  runReference(['gen-text', '--n', '1500', '--seed', '0', '--out', path]);
  let ref: ReferenceFit | undefined;
  if (withReference) {
    ref = referenceFit(path, ['--L', '48', '--T', '5', '--form', 'primal']);
    console.log(`reference (per-output AGOP): ${JSON.stringify(ref)}`);
  }
  const ours = await fitOurs(path, { dtype: 'float64', bandwidth: 48, iterations: 5 });
  console.log(
    `  ours float64: ${ours.seconds.toFixed(3)} s, form ${ours.rfm.summary.form}, best iteration ${ours.best}, test MSE ${ours.testMse.toPrecision(8)}` +
      (ref
        ? `, vs reference ${rel(ours.testMse, ref.best_test_mse).toExponential(2)} relative, speed-up ${(ref.seconds / ours.seconds).toFixed(1)}x`
        : ''),
  );
  console.log(`  steps: ${profileLine(ours.rfm)}`);
}

async function main(): Promise<void> {
  if (!HAS_REF) {
    console.log(`skipped: needs ${REF_SCRIPT} (../shared beside the clone: present in CI, absent in a user clone)`);
    return;
  }
  await setThreads(THREADS);
  const info = await backendInfo();
  const torch = flag('--no-torch') ? { why: '--no-torch' } : torchPython();
  console.log(
    `backends: float64 ${info.active.float64}, float32 ${info.active.float32}, ${info.threads} threads; torch peer: ${torch.python ? torch.why : `skipped (${torch.why})`}`,
  );
  console.log(
    `${new Date().toISOString()}, load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} (shared machine: compare the same-run ratios)`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'rfm-bench-'));
  try {
    // Warm-up: JIT and the backend's first calls.
    const warm = join(dir, 'warm.rfmdata');
    runReference(['gen', '--d', '50', '--seed', '1', '--out', warm]);
    await fitOurs(warm, { dtype: 'float64', bandwidth: 1, iterations: 1 });
    await fitOurs(warm, { dtype: 'float32', bandwidth: 1, iterations: 1 });
    console.log('\n== scaling data (n = 640, T = 10, L = 1, one trial); seconds per fit');
    for (const d of dims) await scalingCase(dir, d, torch);
    if (!flag('--no-text')) await textCase(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
