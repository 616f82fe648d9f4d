import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

/**
 * With the native backend disabled or its addon missing, backendInfo() says why, float64 runs on js, float32 on
 * tfjs (or js), and computations give the same answers. Each case runs in a child process so the registry probes
 * afresh under the environment it is given.
 */

const root = join(__dirname, '..', '..');

interface ChildReport {
  info: {
    active: Record<string, string>;
    reasons: Record<string, string>;
    backends: { name: string; available: boolean; detail: string }[];
  };
  runs: Record<string, { backend: string; product: number[]; x: number[]; kernelDtype: string }>;
  available: string[];
  direct?: string;
}

const otherDisabled = (process.env.RFM_DISABLE_BACKENDS ?? '')
  .split(',')
  .filter((name) => name && name !== 'native')
  .join(',');

function child(env: Record<string, string>): ChildReport {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'fallback-child.ts')], {
    cwd: root,
    // Keep what the parent disabled except native, so each case controls how native is missing.
    env: { ...process.env, RFM_BACKEND: '', RFM_NATIVE_ADDON: '', RFM_DISABLE_BACKENDS: otherDisabled, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildReport;
}

function checkRuns(report: ChildReport): void {
  assert.equal(report.info.active.float64, 'js', 'float64 falls back to js');
  assert.ok(
    ['tfjs', 'js'].includes(report.info.active.float32),
    `float32 falls back to tfjs or js, got ${report.info.active.float32}`,
  );
  assert.ok(!report.available.includes('native'));
  for (const dtype of ['float64', 'float32']) {
    const run = report.runs[dtype];
    assert.equal(run.backend, report.info.active[dtype]);
    assert.deepEqual(run.product, [8, 8]);
    // [[4, 2], [2, 3]] x = [1, 2]  ->  x = [-1/8, 3/4]
    assert.ok(Math.abs(run.x[0] + 0.125) < 1e-5 && Math.abs(run.x[1] - 0.75) < 1e-5, `${dtype} solve ${run.x}`);
    assert.equal(run.kernelDtype, dtype);
  }
}

describe('without the native backend', () => {
  it('RFM_DISABLE_BACKENDS=native: reported as disabled, computations still run', () => {
    const report = child({ RFM_DISABLE_BACKENDS: 'native' });
    const native = report.info.backends.find((b) => b.name === 'native')!;
    assert.equal(native.available, false);
    assert.match(native.detail, /disabled by RFM_DISABLE_BACKENDS/);
    checkRuns(report);
    assert.match(report.info.reasons.float64, /native: disabled by RFM_DISABLE_BACKENDS/);
  });

  it('addon missing: reported as not built, with how to build it', () => {
    const report = child({ RFM_NATIVE_ADDON: join(root, 'native', 'build', 'no-such-dir', 'rfm_native.node') });
    const native = report.info.backends.find((b) => b.name === 'native')!;
    assert.equal(native.available, false);
    assert.match(native.detail, /native addon not built/);
    assert.match(native.detail, /npm run build:native/);
    assert.match(native.detail, /libopenblas-dev liblapacke-dev/);
    assert.equal(report.direct, native.detail, 'loadNativeBackend throws the message backendInfo shows');
    checkRuns(report);
  });

  it('addon that fails to load: reported with the loader error', () => {
    // A .node file that is not a shared object stands in for an addon whose libopenblas is gone.
    const dir = mkdtempSync(join(tmpdir(), 'rfm-native-test-'));
    const fake = join(dir, 'rfm_native.node');
    writeFileSync(fake, 'not a shared object');
    let report: ChildReport;
    try {
      report = child({ RFM_NATIVE_ADDON: fake });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const native = report.info.backends.find((b) => b.name === 'native')!;
    assert.equal(native.available, false);
    assert.match(native.detail, /failed to load: .*(ELF|invalid|too short)/);
    assert.match(native.detail, /npm run build:native/);
    checkRuns(report);
  });
});
