import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, sep } from 'node:path';
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Backend, GemmOptions, SyrkOptions } from '../backend';
import { checkCholeskyInput, checkTriangularSolve, gemmShape, syrkShape } from '../checks';
import { EnvironmentError } from '../../core/errors';
import { jsBackend } from './js';
import { extendBackend } from './extend';
import { FloatArray, Matrix } from '../matrix';
import { Product, blockedCholesky, blockedTriangularSolve } from './tfjs-cholesky';
import { withoutEmscriptenHandlers } from './emscripten-handlers';

/**
 * float32 linear algebra on @tensorflow/tfjs-core: on tfjs-node's native 'tensorflow' backend when that optional
 * dependency is installed, else on tfjs-backend-wasm. Matrices stay plain typed arrays; each call uploads its
 * operands as float32 tensors, computes, and downloads the result. tfjs has no float64, so neither has this backend.
 */

type Tf = typeof TfCore;

interface Runtime {
  tf: Tf;
  detail: string;
  threads: number;
}

function isMissing(e: unknown, id: string): boolean {
  const err = e as NodeJS.ErrnoException;
  return err?.code === 'MODULE_NOT_FOUND' && err.message.includes(`'${id}'`);
}

/** Which binary tfjs-backend-wasm will load: it picks one by the same two feature flags. */
function wasmBinary(simd: boolean, threads: boolean): string {
  if (simd && threads) return 'tfjs-backend-wasm-threaded-simd.wasm';
  return simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
}

async function startWasm(tf: Tf): Promise<{ binary: string; simd: boolean; threads: number }> {
  const wasm: typeof import('@tensorflow/tfjs-backend-wasm') = require('@tensorflow/tfjs-backend-wasm');
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  // tfjs-backend-wasm disables its threaded build under Node (no cross-origin isolation there).
  const threaded = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  const file = wasmBinary(simd, threaded);
  if (tf.getBackend() !== 'wasm') {
    // The binaries ship in the package's dist folder, next to its main script; naming it explicitly means the file
    // reported in `detail` is the one read from disk, never fetched.
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + sep;
    if (!existsSync(join(dist, file)))
      throw new EnvironmentError(`tfjs-backend-wasm is installed without ${file} (looked in ${dist})`);
    wasm.setWasmPaths(dist);
    const started = await withoutEmscriptenHandlers(() => tf.setBackend('wasm'));
    if (!started) throw new EnvironmentError(`tfjs-backend-wasm failed to initialise ${file}`);
  }
  await withoutEmscriptenHandlers(() => tf.ready());
  return { binary: file, simd, threads: wasm.getThreadsCount() };
}

async function start(): Promise<Runtime> {
  const tf: Tf = require('@tensorflow/tfjs-core');
  let nodeProblem = '';
  try {
    // Registers and activates the 'tensorflow' backend, on this same tfjs-core when npm has deduplicated it.
    require('@tensorflow/tfjs-node');
    if (tf.findBackendFactory('tensorflow') === null)
      nodeProblem = 'tfjs-node loaded but registered on another copy of tfjs-core';
  } catch (e) {
    if (!isMissing(e, '@tensorflow/tfjs-node'))
      nodeProblem = `tfjs-node is installed but failed to load: ${(e as Error).message}`;
  }
  // The engine is shared with the networks in src/nn: keep a backend that is already active if it is one of ours.
  const active = tf.getBackend();
  const useNode = active === 'tensorflow' || (active !== 'wasm' && tf.findBackendFactory('tensorflow') !== null);
  if (useNode) {
    if (active !== 'tensorflow' && !(await tf.setBackend('tensorflow'))) {
      nodeProblem = "tfjs-node's tensorflow backend failed to initialise";
    } else {
      await tf.ready();
      // TensorFlow's intra-op pool defaults to one thread per core and cannot be resized once it has started.
      const threads = cpus().length;
      return { tf, detail: `tfjs-core ${tf.version_core} on tensorflow (tfjs-node, ${threads} threads)`, threads };
    }
  }
  const { binary, simd, threads } = await startWasm(tf);
  const how = `${binary}: ${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}`;
  return {
    tf,
    detail: `tfjs-core ${tf.version_core} on wasm (${how})${nodeProblem ? `; ${nodeProblem}` : ''}`,
    threads,
  };
}

/** out = alpha p + beta out, where p (null for an empty inner dimension) is the product; beta = 0 ignores out. */
function combine(out: FloatArray, p: Float32Array | null, alpha: number, beta: number): void {
  for (let i = 0; i < out.length; i++) {
    const v = p === null ? 0 : alpha * p[i];
    out[i] = beta === 0 ? v : v + beta * out[i];
  }
}

/**
 * The tensor's values, then the tensor disposed. Called outside tf.tidy: a tidy callback that returns a typed array
 * has tidy walk every element looking for tensors, which made a 1000 x 1000 product 10x slower.
 */
function download(t: TfCore.Tensor): Float32Array {
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

/** The products on tfjs: a plain product (for the blocked triangular algorithms), GEMM and SYRK. */
function tfjsProducts(tf: Tf): {
  product: Product;
  gemm: (a: Matrix, b: Matrix, o?: GemmOptions) => Matrix;
  syrk: (a: Matrix, o?: SyrkOptions) => Matrix;
} {
  const product: Product = (a, rows, inner, b, cols) =>
    download(tf.tidy(() => tf.matMul(tf.tensor2d(a, [rows, inner]), tf.tensor2d(b, [inner, cols]))));

  /**
   * op(A) op(B) downloaded, or null when a dimension is 0. Transposes are explicit: matMul's own transpose flags
   * ran 10-20x slower on wasm (measured at n = 1000-4000), a separate transpose costs a few percent.
   */
  function multiply(a: Matrix, transA: boolean, b: Matrix, transB: boolean): Float32Array | null {
    if (a.size === 0 || b.size === 0) return null;
    return download(
      tf.tidy(() => {
        const ta = tf.tensor2d(a.data as Float32Array, [a.rows, a.cols]);
        const tb = a === b ? ta : tf.tensor2d(b.data as Float32Array, [b.rows, b.cols]);
        return tf.matMul(transA ? tf.transpose(ta) : ta, transB ? tf.transpose(tb) : tb);
      }),
    );
  }

  function gemm(a: Matrix, b: Matrix, o: GemmOptions = {}): Matrix {
    const { m, n } = gemmShape(a, b, o);
    const alpha = o.alpha ?? 1;
    const beta = o.beta ?? 0;
    const p = m * n === 0 ? null : multiply(a, Boolean(o.transA), b, Boolean(o.transB));
    if (!o.out && p !== null && alpha === 1) return new Matrix(m, n, p);
    const out = o.out ?? new Matrix(m, n, 'float32');
    combine(out.data, p, alpha, beta);
    return out;
  }

  function syrk(a: Matrix, o: SyrkOptions = {}): Matrix {
    const n = syrkShape(a, o);
    const alpha = o.alpha ?? 1;
    const beta = o.beta ?? 0;
    const out = o.out ?? new Matrix(n, n, 'float32');
    const p = n === 0 ? null : multiply(a, Boolean(o.trans), a, !o.trans);
    const c = out.data;
    // From the lower triangle only, mirrored, so the result is exactly symmetric whatever the GEMM's rounding.
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const v = p === null ? 0 : alpha * p[i * n + j];
        c[i * n + j] = beta === 0 ? v : v + beta * c[i * n + j];
        c[j * n + i] = c[i * n + j];
      }
    }
    return out;
  }

  return { product, gemm, syrk };
}

function createBackend({ tf, threads }: Runtime): Backend {
  const { product, gemm, syrk } = tfjsProducts(tf);

  // Only the products and the triangular algorithms run on tfjs; every other op is the js backend's (the elementwise
  // passes, the distance kernel and the gradient coefficients measured faster in JavaScript than a round trip
  // through tfjs tensors). extendBackend adds the float32 check to all of them.
  return extendBackend(jsBackend, {
    name: 'tfjs',
    dtypes: ['float32'],
    dtypeNote: ' (tfjs has no float64)',
    gemm: async (a, b, o) => gemm(a, b, o),
    syrk: async (a, o) => syrk(a, o),
    cholesky: async (a, o = {}) => {
      checkCholeskyInput(a);
      const out = o.inPlace ? a : a.clone();
      blockedCholesky(out.data as Float32Array, a.rows, product);
      return out;
    },
    triangularSolve: async (l, b, o = {}) => {
      checkTriangularSolve(l, b);
      const out = o.inPlace ? b : b.clone();
      blockedTriangularSolve(
        l.data as Float32Array,
        l.rows,
        out.data as Float32Array,
        b.cols,
        Boolean(o.transpose),
        product,
      );
      return out;
    },
    // wasm runs single-threaded under Node and libtensorflow fixes its pool at start-up: nothing to set.
    setThreads: () => undefined,
    getThreads: () => threads,
  });
}

let loading: Promise<{ backend: Backend; detail: string }> | undefined;

/**
 * Starts tfjs once per process and resolves to the backend and a line saying what it runs on, e.g.
 * 'tfjs-core 4.22.0 on wasm (tfjs-backend-wasm-simd.wasm: SIMD, 1 thread)'; rejects saying why tfjs is unavailable.
 */
export function loadTfjsBackend(): Promise<{ backend: Backend; detail: string }> {
  if (!loading) {
    loading = start().then((runtime) => ({ backend: createBackend(runtime), detail: runtime.detail }));
    // A failure (e.g. wasm could not start) is not cached, so a later call can try again.
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}
