import * as fs from 'fs';
import * as path from 'path';
import type {
  Backend,
  CholeskyOptions,
  DistanceKernelOptions,
  DistanceKernelResult,
  GemmOptions,
  GradientCoefficientsOptions,
  SyrkOptions,
  TriangularSolveOptions,
} from '../backend';
import {
  checkCholeskyInput,
  checkDistanceKernel,
  checkGradientCoefficients,
  checkTriangularSolve,
  gemmShape,
  syrkShape,
} from '../checks';
import { checkColumnSquares } from '../elementwise';
import { EnvironmentError, LinAlgError, NotSPDError, OptionError } from '../../core/errors';
import { extendBackend } from './extend';
import { jsBackend } from './js';
import { FloatArray, Matrix, allocate, assertNonEmpty, assertSquare } from '../matrix';

/**
 * The `native` backend: our N-API addon (native/rfm_native.cc) over OpenBLAS (cblas) and LAPACKE, float32 and
 * float64, working in place on the typed arrays' memory. Heavy calls run on libuv's thread pool and return Promises,
 * so a notebook stays responsive; OpenBLAS's thread count is the backend's thread count (process-wide: it applies to
 * calls started after it is set).
 *
 * The addon is built by scripts/build-native.js during `npm install` (or `npm run build:native`); when it is missing
 * or does not load, loadNativeBackend throws an Error saying why and how to build it, which the registry reports.
 */

/** What native/rfm_native.cc exports (ABI 3). Dimensions are of the row-major buffers. */
interface Addon {
  abi: number;
  gemm(
    a: FloatArray,
    b: FloatArray,
    c: FloatArray,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    alpha: number,
    beta: number,
  ): Promise<number>;
  syrk(
    a: FloatArray,
    c: FloatArray,
    n: number,
    k: number,
    trans: boolean,
    alpha: number,
    beta: number,
  ): Promise<number>;
  /**
   * Checks src for NaN/Infinity, copies its lower triangle to dst (unless dst is src) and factors it there, all in the
   * worker. Resolves to LAPACK's info: 0, or the 1-based column whose pivot was not positive; -1 for a non-finite input.
   */
  potrf(src: FloatArray, dst: FloatArray, n: number): Promise<number>;
  trsm(l: FloatArray, b: FloatArray, n: number, m: number, trans: boolean): Promise<number>;
  distanceKernel(
    gram: FloatArray,
    pa: FloatArray,
    pb: FloatArray,
    kernel: FloatArray,
    weights: FloatArray | null,
    rows: number,
    cols: number,
    bandwidth: number,
    exponent: number,
    zeroTol: number,
  ): Promise<number>;
  gradientCoefficients(
    wj: FloatArray,
    alpha: FloatArray,
    scores: FloatArray,
    rows: Int32Array | null,
    out: FloatArray,
    m: number,
    n: number,
    c: number,
    output: number,
    kappa: number,
    centering: boolean,
  ): Promise<number>;
  addColumnSquares(
    a: FloatArray,
    rows: number,
    cols: number,
    out: FloatArray,
    scale: number,
    accumulate: boolean,
  ): Promise<number>;
  rowSquaredNorms(a: FloatArray, rows: number, cols: number, out: FloatArray): void;
  setThreads(count: number): void;
  getThreads(): number;
  /** Absent from builds before it was added (the ABI stays 3: nothing else changed). */
  setInline?(on: boolean): void;
  /** The degeneracy checks' one-pass scan (value-scan.ts); absent from older builds, like setInline. */
  scanValues?(a: FloatArray, rows: number, cols: number): number;
  /** elementwise.ts symmetrize on an n x n matrix, synchronously; absent from older builds, like setInline. */
  symmetrize?(a: FloatArray, n: number): void;
  config(): string;
  corename(): string;
}

const ABI = 3;
const ADDON_FILE = path.join('native', 'build', 'Release', 'rfm_native.node');
const HOW_TO_BUILD =
  'build it with `npm run build:native` (needs a C++ compiler, make, python3, OpenBLAS and LAPACKE; Debian/Ubuntu: apt-get install g++ make libopenblas-dev liblapacke-dev)';

/** The package root: the nearest directory above this file that holds native/binding.gyp (works from src/ and dist/). */
function packageRoot(): string | undefined {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'native', 'binding.gyp'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

function buildStatus(root: string): string | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(root, 'native', 'build', 'status.json'), 'utf8')) as {
      ok: boolean;
      reason: string;
    };
    return s.ok ? undefined : s.reason;
  } catch {
    return undefined;
  }
}

let cached: Addon | undefined;

function loadAddon(): Addon {
  if (cached) return cached;
  let file = process.env.RFM_NATIVE_ADDON;
  if (!file) {
    const root = packageRoot();
    if (!root)
      throw new EnvironmentError(`native addon not found: no native/binding.gyp above ${__dirname}; ${HOW_TO_BUILD}`);
    file = path.join(root, ADDON_FILE);
    if (!fs.existsSync(file)) {
      const why = buildStatus(root);
      throw new EnvironmentError(
        `native addon not built (${why ?? `${path.relative(root, file)} is missing`}); ${HOW_TO_BUILD}`,
      );
    }
  } else if (!fs.existsSync(file)) {
    throw new EnvironmentError(
      `native addon not built (RFM_NATIVE_ADDON points to ${file}, which is missing); ${HOW_TO_BUILD}`,
    );
  }
  let addon: Addon;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    addon = require(file) as Addon;
  } catch (e) {
    throw new EnvironmentError(
      `native addon ${file} failed to load: ${(e as Error).message.split('\n')[0]}; rebuild it with \`npm run build:native\``,
    );
  }
  if (addon.abi !== ABI) {
    throw new EnvironmentError(
      `native addon ${file} is stale (interface ${addon.abi}, this code needs ${ABI}); rebuild it with \`npm run build:native\``,
    );
  }
  cached = addon;
  return addon;
}

/** potrf in the addon, with the errors of the js reference (NotSPDError at the failed pivot, the shared input check). */
async function nativeCholesky(addon: Addon, a: Matrix, o: CholeskyOptions): Promise<Matrix> {
  // checkCholeskyInput's shape checks here; its NaN/Infinity scan runs in the worker, in the same pass as the
  // copy (a 16M-entry scan costs the main thread ~20-40 ms), and on a find the shared check throws its own error.
  assertNonEmpty(a, 'cholesky input');
  assertSquare(a, 'cholesky input');
  const n = a.rows;
  const out = o.inPlace ? a : new Matrix(n, n, a.dtype);
  const info = await addon.potrf(a.data, out.data, n);
  if (info < 0) {
    checkCholeskyInput(a);
    throw new LinAlgError('native potrf reported a non-finite input that the shared check did not find');
  }
  if (info > 0) {
    // LAPACK leaves the failed pivot's value on the diagonal; report the 0-based column like the js reference.
    const j = info - 1;
    throw new NotSPDError(
      n,
      j,
      `pivot value ${out.data[j * n + j]}; LAPACK ${a.dtype === 'float32' ? 's' : 'd'}potrf info ${info}`,
    );
  }
  return out;
}

/** The addon's elementwise and kernel-building ops (the products and triangular algorithms are in makeBackend). */
function elementwiseOps(
  addon: Addon,
): Pick<Backend, 'distanceKernel' | 'gradientCoefficients' | 'addColumnSquares' | 'rowSquaredNorms'> {
  return {
    async distanceKernel(
      gram: Matrix,
      pa: FloatArray,
      pb: FloatArray,
      o: DistanceKernelOptions,
    ): Promise<DistanceKernelResult> {
      checkDistanceKernel(gram, pa, pb, o);
      const kernel = o.outKernel ?? new Matrix(gram.rows, gram.cols, gram.dtype);
      const weights = o.weights ? (o.outWeights ?? new Matrix(gram.rows, gram.cols, gram.dtype)) : undefined;
      await addon.distanceKernel(
        gram.data,
        pa,
        pb,
        kernel.data,
        weights ? weights.data : null,
        gram.rows,
        gram.cols,
        o.bandwidth,
        o.exponent,
        o.zeroTol,
      );
      return weights ? { kernel, weights } : { kernel };
    },

    async gradientCoefficients(
      wj: Matrix,
      alpha: Matrix,
      scores: Matrix,
      o: GradientCoefficientsOptions,
    ): Promise<Matrix> {
      checkGradientCoefficients(wj, alpha, scores, o);
      await addon.gradientCoefficients(
        wj.data,
        alpha.data,
        scores.data,
        o.rows,
        o.out.data,
        wj.rows,
        alpha.rows,
        alpha.cols,
        o.output,
        o.kappa,
        o.centering,
      );
      return o.out;
    },

    async addColumnSquares(a: Matrix, out: FloatArray, scale: number, accumulate: boolean): Promise<FloatArray> {
      checkColumnSquares(a, out);
      await addon.addColumnSquares(a.data, a.rows, a.cols, out, scale, accumulate);
      return out;
    },

    rowSquaredNorms(a: Matrix): FloatArray {
      const out = allocate(a.dtype, a.rows);
      addon.rowSquaredNorms(a.data, a.rows, a.cols, out);
      return out;
    },
  };
}

function makeBackend(addon: Addon): Backend {
  // Every op runs in the addon; extendBackend gives a future op the js reference until the addon has its own.
  return extendBackend(jsBackend, {
    name: 'native',
    dtypes: ['float64', 'float32'],

    async gemm(a: Matrix, b: Matrix, o: GemmOptions = {}): Promise<Matrix> {
      const { m, n, k } = gemmShape(a, b, o);
      const out = o.out ?? new Matrix(m, n, a.dtype);
      await addon.gemm(a.data, b.data, out.data, m, n, k, !!o.transA, !!o.transB, o.alpha ?? 1, o.beta ?? 0);
      return out;
    },

    async syrk(a: Matrix, o: SyrkOptions = {}): Promise<Matrix> {
      const n = syrkShape(a, o);
      const k = o.trans ? a.rows : a.cols;
      const out = o.out ?? new Matrix(n, n, a.dtype);
      await addon.syrk(a.data, out.data, n, k, !!o.trans, o.alpha ?? 1, o.beta ?? 0);
      return out;
    },

    cholesky: (a: Matrix, o: CholeskyOptions = {}) => nativeCholesky(addon, a, o),

    async triangularSolve(l: Matrix, b: Matrix, o: TriangularSolveOptions = {}): Promise<Matrix> {
      checkTriangularSolve(l, b);
      const out = o.inPlace ? b : b.clone();
      await addon.trsm(l.data, out.data, l.rows, b.cols, !!o.transpose);
      return out;
    },

    ...elementwiseOps(addon),

    setThreads(count: number): void {
      if (!Number.isInteger(count) || count < 1)
        throw new OptionError(`thread count must be a positive integer, got ${count}`);
      addon.setThreads(count);
    },

    getThreads(): number {
      return addon.getThreads();
    },
  });
}

/**
 * Whether the calling JavaScript thread runs its native calls on itself instead of the thread pool (for a worker
 * thread with a core to itself: the scaling test's workers). Returns false when the addon predates the option or
 * does not load.
 */
export function runNativeCallsInline(on: boolean): boolean {
  try {
    const addon = loadAddon();
    if (!addon.setInline) return false;
    addon.setInline(on);
    return true;
  } catch {
    return false;
  }
}

/** One of the addon's synchronous helpers, or undefined when the addon does not load or predates it. */
function addonHelper<K extends 'scanValues' | 'symmetrize'>(name: K): NonNullable<Addon[K]> | undefined {
  try {
    const addon = loadAddon();
    const f = addon[name];
    return f ? (f.bind(addon) as NonNullable<Addon[K]>) : undefined;
  } catch {
    return undefined;
  }
}

/** The addon's scanValues (value-scan.ts), or undefined. */
export function nativeScanValues(): ((a: FloatArray, rows: number, cols: number) => number) | undefined {
  return addonHelper('scanValues');
}

/** The addon's symmetrize (elementwise.ts), or undefined. */
export function nativeSymmetrize(): ((a: FloatArray, n: number) => void) | undefined {
  return addonHelper('symmetrize');
}

let backend: Backend | undefined;

/** The native backend and a description of the library under it; throws an Error saying why when unavailable. */
export function loadNativeBackend(): { backend: Backend; detail: string } {
  const addon = loadAddon();
  backend ??= makeBackend(addon);
  return { backend, detail: `${addon.config()}, ${addon.getThreads()} threads` };
}
