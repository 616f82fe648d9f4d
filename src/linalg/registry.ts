import type { Backend, BackendName } from './backend';
import { jsBackend } from './backends/js';
import { OptionError } from '../core/errors';
import type { DType } from './matrix';

/**
 * Chooses a backend per dtype at start-up: the best available one that supports the dtype, unless a preference is
 * set by `setBackend` or the RFM_BACKEND environment variable. tfjs has no float64, so a float64 request goes to
 * native, else js, whatever the preference; `backendInfo()` says so.
 */

export interface BackendStatus {
  name: BackendName;
  available: boolean;
  dtypes: readonly DType[];
  /** Why it is unavailable, or which library it runs on. */
  detail: string;
}

export interface BackendInfo {
  preference: BackendName | 'auto';
  preferenceSource: 'default' | 'RFM_BACKEND' | 'setBackend';
  active: Record<DType, BackendName>;
  /** Why each dtype's active backend was chosen. */
  reasons: Record<DType, string>;
  backends: BackendStatus[];
  threads: number;
}

type Loader = () => Promise<{ backend: Backend; detail: string }>;

// Lazy so that importing the library never pays for loading tfjs or the addon it does not use. require, not
// import(): tsx's hooks do not reach a worker thread's import() (the scaling test's workers), only its require.
/* eslint-disable @typescript-eslint/no-var-requires */
const loaders: Record<Exclude<BackendName, 'js'>, Loader> = {
  native: async () => (require('./backends/native') as typeof import('./backends/native')).loadNativeBackend(),
  tfjs: async () => (require('./backends/tfjs') as typeof import('./backends/tfjs')).loadTfjsBackend(),
};
/* eslint-enable @typescript-eslint/no-var-requires */

const ORDER: Record<DType, BackendName[]> = {
  float64: ['native', 'js'],
  float32: ['native', 'tfjs', 'js'],
};

const BACKEND_NAMES: readonly string[] = ['native', 'tfjs', 'js', 'auto'];

let statuses: Promise<Map<BackendName, { backend?: Backend; status: BackendStatus }>> | undefined;
let preference: BackendName | 'auto' = 'auto';
let preferenceSource: BackendInfo['preferenceSource'] = 'default';
let threadCount: number | undefined;

function parsePreference(value: string, source: string): BackendName | 'auto' {
  if (!BACKEND_NAMES.includes(value))
    throw new OptionError(`${source}: unknown backend "${value}" (use native, tfjs, js or auto)`);
  return value as BackendName | 'auto';
}

const envPreference = process.env.RFM_BACKEND;
if (envPreference) {
  preference = parsePreference(envPreference, 'RFM_BACKEND');
  preferenceSource = 'RFM_BACKEND';
}

/** RFM_DISABLE_BACKENDS, checked once: a misspelt name silently disabling nothing is a wrong fallback test. */
function parseDisabled(value: string): BackendName[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of names) {
    if (name === 'js')
      throw new OptionError('RFM_DISABLE_BACKENDS: js cannot be disabled (every backend falls back to it)');
    if (name !== 'native' && name !== 'tfjs') {
      throw new OptionError(
        `RFM_DISABLE_BACKENDS: unknown backend "${name}" (the ones that can be disabled: native, tfjs)`,
      );
    }
  }
  return names as BackendName[];
}

const disabled = parseDisabled(process.env.RFM_DISABLE_BACKENDS ?? '');

function probe(): Promise<Map<BackendName, { backend?: Backend; status: BackendStatus }>> {
  if (!statuses) {
    statuses = (async () => {
      const found = new Map<BackendName, { backend?: Backend; status: BackendStatus }>();
      found.set('js', {
        backend: jsBackend,
        status: { name: 'js', available: true, dtypes: jsBackend.dtypes, detail: 'plain TypeScript' },
      });
      for (const name of ['native', 'tfjs'] as const) {
        // Disabling a backend by env var lets tests and users check the fallbacks on a machine that has it.
        if (disabled.includes(name)) {
          found.set(name, {
            status: { name, available: false, dtypes: [], detail: 'disabled by RFM_DISABLE_BACKENDS' },
          });
          continue;
        }
        try {
          const { backend, detail } = await loaders[name]();
          found.set(name, { backend, status: { name, available: true, dtypes: backend.dtypes, detail } });
        } catch (e) {
          found.set(name, { status: { name, available: false, dtypes: [], detail: (e as Error).message } });
        }
      }
      if (threadCount !== undefined) for (const { backend } of found.values()) backend?.setThreads(threadCount);
      return found;
    })();
  }
  return statuses;
}

function choose(
  found: Map<BackendName, { backend?: Backend; status: BackendStatus }>,
  dtype: DType,
): { backend: Backend; reason: string } {
  const order = ORDER[dtype];
  if (preference !== 'auto') {
    const entry = found.get(preference)!;
    if (entry.backend && entry.backend.dtypes.includes(dtype)) {
      return { backend: entry.backend, reason: `${preference} requested (${preferenceSource})` };
    }
    const why = entry.backend ? `${preference} has no ${dtype}` : `${preference} unavailable: ${entry.status.detail}`;
    for (const name of order) {
      const b = found.get(name)!.backend;
      if (b && b.dtypes.includes(dtype))
        return { backend: b, reason: `${why}; using ${name}, the best that has ${dtype}` };
    }
  }
  const skipped: string[] = [];
  for (const name of order) {
    const entry = found.get(name)!;
    if (entry.backend && entry.backend.dtypes.includes(dtype)) {
      return {
        backend: entry.backend,
        reason: skipped.length ? `best available (${skipped.join('; ')})` : 'best available',
      };
    }
    skipped.push(`${name}: ${entry.status.detail}`);
  }
  return { backend: jsBackend, reason: 'fallback' };
}

/** The backend that runs `dtype` computations under the current preference. */
export async function backendFor(dtype: DType = 'float64'): Promise<Backend> {
  return choose(await probe(), dtype).backend;
}

/** Prefer a backend ('auto' restores the default order). A backend lacking a dtype still falls back for it. */
export function setBackend(name: BackendName | 'auto'): void {
  preference = parsePreference(name, 'setBackend');
  preferenceSource = name === 'auto' ? 'default' : 'setBackend';
}

/** Threads per call for every backend that has them (OpenBLAS's thread count for native). */
export async function setThreads(count: number): Promise<void> {
  if (!Number.isInteger(count) || count < 1)
    throw new OptionError(`thread count must be a positive integer, got ${count}`);
  threadCount = count;
  for (const { backend } of (await probe()).values()) backend?.setThreads(count);
}

export async function backendInfo(): Promise<BackendInfo> {
  const found = await probe();
  const f64 = choose(found, 'float64');
  const f32 = choose(found, 'float32');
  return {
    preference,
    preferenceSource,
    active: { float64: f64.backend.name, float32: f32.backend.name },
    reasons: { float64: f64.reason, float32: f32.reason },
    backends: [...found.values()].map((e) => e.status),
    threads: f64.backend.getThreads(),
  };
}

/** Every available backend, for tests that compare each against the js reference. */
export async function availableBackends(): Promise<Backend[]> {
  return [...(await probe()).values()].flatMap((e) => (e.backend ? [e.backend] : []));
}
