import { EnvironmentError } from '../core/errors';
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Matrix } from '../linalg/matrix';
import { withoutEmscriptenHandlers } from '../linalg/backends/emscripten-handlers';

/**
 * The one tfjs instance the networks train on. tfjs keeps a single engine per process, shared with the float32
 * linear-algebra backend (src/linalg/backends/tfjs.ts), so this module never switches away from a backend that is
 * already active: it only picks one when nobody has, preferring tfjs-node's native 'tensorflow' (an optional
 * dependency) over 'wasm'.
 */

export type Tf = typeof TfCore;

export interface TfRuntime {
  tf: Tf;
  /** The engine's backend the networks run on, e.g. 'tensorflow' or 'wasm'. */
  backend: string;
}

let runtime: Promise<TfRuntime> | undefined;

/** Loads an optional dependency if it is installed and loads; src/linalg/backends/tfjs.ts reports why it did not. */
function optionalRequire(id: string): void {
  try {
    require(id);
  } catch {
    // Absent or broken: the networks run on wasm instead.
  }
}

async function load(): Promise<TfRuntime> {
  const tf: Tf = require('@tensorflow/tfjs-core');
  // Training needs tfjs's gradients. tfjs-core's CommonJS build ships none (its register_all_gradients is an ES module
  // with extensionless imports, which plain Node, and so tslab, cannot load); tfjs-layers' bundle registers them all
  // in tfjs-core's global registry.
  require('@tensorflow/tfjs-layers');
  // tfjs-node registers the 'tensorflow' backend on the same tfjs-core when versions match (npm dedupes them).
  optionalRequire('@tensorflow/tfjs-node');
  require('@tensorflow/tfjs-backend-wasm');
  const active = tf.getBackend();
  if (!active) {
    const preferred = tf.findBackendFactory('tensorflow') !== null ? 'tensorflow' : 'wasm';
    if (!(await withoutEmscriptenHandlers(() => tf.setBackend(preferred))))
      throw new EnvironmentError(`tfjs: the '${preferred}' backend failed to initialise`);
  }
  await withoutEmscriptenHandlers(() => tf.ready());
  return { tf, backend: tf.getBackend() };
}

/** Loads tfjs once per process (the promise is reused, so concurrent callers share one initialisation). */
export function loadTf(): Promise<TfRuntime> {
  if (!runtime) {
    runtime = load();
    // A failed load (e.g. wasm could not start) may succeed later; do not cache the rejection.
    runtime.catch(() => {
      runtime = undefined;
    });
  }
  return runtime;
}

/** A matrix as a float32 tfjs tensor (the caller disposes it). */
export function matrixTensor(tf: Tf, m: Matrix): TfCore.Tensor2D {
  return tf.tensor2d(m.data instanceof Float32Array ? m.data : Float32Array.from(m.data), [m.rows, m.cols]);
}

/**
 * op(a) op(b) with any transpose done explicitly first: tfjs-wasm's matMul with a transpose flag leaves its fast
 * XNNPACK path: measured here 2.7-7x slower for the products of a gradient step (784 x 64 by 64 x 128, 64 x 128 by
 * 128 x 784) and 10x slower (4.9 s against 0.45 s) for the 784 x 784 Gram matrix of 2560 gradients.
 */
export function matMulExplicit(
  tf: Tf,
  a: TfCore.Tensor2D,
  b: TfCore.Tensor2D,
  transposeA: boolean,
  transposeB: boolean,
): TfCore.Tensor2D {
  return tf.tidy(() => tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b));
}
