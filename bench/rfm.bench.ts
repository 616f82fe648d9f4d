/**
 * RFM benchmark against the numpy reference, measured in one run (`npm run bench:rfm`).
 *   Scaling data (rfm_ref.py gen --d D, n = 640 fit / 160 validation / 200 test, T = 10, L = 1):
 *     reference `fit --form primal` vs ours in float64 and in float32 on the path the cost model picks, the float32
 *     result counted only when it picks float64's best iteration with a test MSE within 1e-3 relative.
 *   Text-shaped data (rfm_ref.py gen-text --n 1500: d = 2400 one-hot, 50 outputs, L = 48, T = 5): the reference's
 *     per-output AGOP vs ours (float64).
 * Both sides score validation and test points every iteration, as the reference does. Options: --dims 100,2000,
 * --no-text, --no-reference (ours only, e.g. to profile).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendInfo } from '../src/linalg/registry';
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

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

async function fitOurs(path: string, options: { dtype: 'float64' | 'float32'; bandwidth: number; iterations: number }) {
  const data = readRfmData(path);
  const part = (rows: number[]) => ({ X: data.X.selectRows(rows), Y: data.Y.selectRows(rows) });
  const fit = part(data.fit);
  const rfm = new RFM({ bandwidth: options.bandwidth, ridge: 1e-3, iterations: options.iterations, dtype: options.dtype });
  const t0 = performance.now();
  await rfm.fit(fit.X, fit.Y, { validation: part(data.val), test: part(data.test) });
  const seconds = (performance.now() - t0) / 1000;
  return { rfm, seconds, best: rfm.bestIteration, testMse: rfm.history[rfm.bestIteration].test!.mse };
}

function profileLine(rfm: RFM): string {
  return rfm.profile
    .summary()
    .filter((s) => s.seconds > 0.005)
    .map((s) => `${s.step} ${s.seconds.toFixed(3)}s${s.flops > 0 ? ` ${s.gflops.toFixed(1)} GFLOPS` : ''}`)
    .join('; ');
}

async function main(): Promise<void> {
  if (!HAS_REF) {
    console.log(`skipped: needs ${REF_SCRIPT} (../shared beside the clone: present in CI, absent in a user clone)`);
    return;
  }
  const info = await backendInfo();
  console.log(`backends: float64 ${info.active.float64}, float32 ${info.active.float32}, ${info.threads} threads`);
  const dir = mkdtempSync(join(tmpdir(), 'rfm-bench-'));
  try {
    // Warm-up: JIT and the backend's first calls.
    const warm = join(dir, 'warm.rfmdata');
    runReference(['gen', '--d', '50', '--seed', '1', '--out', warm]);
    await fitOurs(warm, { dtype: 'float64', bandwidth: 1, iterations: 1 });
    await fitOurs(warm, { dtype: 'float32', bandwidth: 1, iterations: 1 });

    console.log('\n== scaling data (n = 640, T = 10, L = 1): reference primal vs ours');
    for (const d of dims) {
      const path = join(dir, `scaling-${d}.rfmdata`);
      runReference(['gen', '--d', String(d), '--seed', '0', '--out', path]);
      let ref: ReferenceFit | undefined;
      if (withReference) {
        ref = referenceFit(path, ['--form', 'primal']);
        console.log(`d = ${d} reference: ${JSON.stringify(ref)}`);
      }
      const f64 = await fitOurs(path, { dtype: 'float64', bandwidth: 1, iterations: 10 });
      const f32 = await fitOurs(path, { dtype: 'float32', bandwidth: 1, iterations: 10 });
      const verified = f32.best === f64.best && rel(f32.testMse, f64.testMse) < 1e-3;
      const line = (name: string, r: typeof f64) =>
        `  ours ${name}: ${r.seconds.toFixed(3)} s, form ${r.rfm.summary.form} ${r.rfm.summary.dtype}, best iteration ${r.best}, test MSE ${r.testMse.toPrecision(8)}` +
        (ref ? `, vs reference ${rel(r.testMse, ref.best_test_mse).toExponential(2)} relative, speed-up ${(ref.seconds / r.seconds).toFixed(1)}x` : '');
      console.log(line('float64', f64));
      console.log(line('float32', f32) + (verified ? ' (verified: same best iteration, test MSE within 1e-3 of float64)' : ' (NOT verified against float64: not counted)'));
      if (ref) {
        const fastest = verified ? Math.min(f32.seconds, f64.seconds) : f64.seconds;
        console.log(`  => speed-up ${(ref.seconds / fastest).toFixed(1)}x (float64 alone ${(ref.seconds / f64.seconds).toFixed(1)}x)`);
      }
      console.log(`  float64 steps: ${profileLine(f64.rfm)}`);
      console.log(`  float32 steps: ${profileLine(f32.rfm)}`);
    }

    if (!flag('--no-text')) {
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
          (ref ? `, vs reference ${rel(ours.testMse, ref.best_test_mse).toExponential(2)} relative, speed-up ${(ref.seconds / ours.seconds).toFixed(1)}x` : ''),
      );
      console.log(`  steps: ${profileLine(ours.rfm)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
