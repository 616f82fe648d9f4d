import type { Backend, BackendName } from '../backend';
import type { DType } from '../matrix';
import { Matrix } from '../matrix';
import { DTypeError } from '../../core/errors';

/** Ops that return their result directly (the others return Promises, so their errors are rejections). */
const SYNC_OPS: ReadonlySet<string> = new Set(['rowSquaredNorms', 'setThreads', 'getThreads']);

export interface BackendOverrides extends Partial<Omit<Backend, 'name' | 'dtypes'>> {
  name: BackendName;
  dtypes: readonly DType[];
  /** Added to the dtype error, e.g. ' (tfjs has no float64)'. */
  dtypeNote?: string;
}

/**
 * A backend made of `base`'s ops with some replaced (tfjs-core's registry: an op is written once, and a backend
 * registers only the kernels it runs faster). Every op, inherited or not, first checks that its matrices are in a
 * dtype this backend supports: a DTypeError naming the op when they all share an unsupported dtype (mixed dtypes are
 * left to the op's own check, so they fail with the same message on every backend).
 * Adding an op: declare it in backend.ts, write it in js.ts (the reference every backend inherits), and override it
 * only where a backend has a faster version (native.ts, tfjs.ts); the conformance test checks them all.
 */
export function extendBackend(base: Backend, overrides: BackendOverrides): Backend {
  const { dtypeNote = '', ...ops } = overrides;
  const merged: Record<string, unknown> = { ...base, ...ops };
  const backend: Record<string, unknown> = { name: overrides.name, dtypes: overrides.dtypes };
  for (const [key, value] of Object.entries(merged)) {
    if (key === 'name' || key === 'dtypes') continue;
    if (typeof value !== 'function') {
      backend[key] = value;
      continue;
    }
    const op = value as (...args: unknown[]) => unknown;
    backend[key] = (...args: unknown[]): unknown => {
      const unsupported = unsupportedDType(args, overrides.dtypes);
      if (unsupported) {
        const error = new DTypeError(
          `${key}: the ${overrides.name} backend is ${overrides.dtypes.join(' and ')} only${dtypeNote}, got ${unsupported}`,
        );
        if (SYNC_OPS.has(key)) throw error;
        return Promise.reject(error);
      }
      return op(...args);
    };
  }
  return backend as unknown as Backend;
}

/** The shared dtype of the matrix arguments when it is not supported; undefined when supported, absent or mixed. */
function unsupportedDType(args: unknown[], dtypes: readonly DType[]): DType | undefined {
  let dtype: DType | undefined;
  for (const a of args) {
    if (!(a instanceof Matrix)) continue;
    if (dtype !== undefined && a.dtype !== dtype) return undefined;
    dtype = a.dtype;
  }
  return dtype !== undefined && !dtypes.includes(dtype) ? dtype : undefined;
}
