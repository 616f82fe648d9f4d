import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Matrix } from '../../src/linalg/matrix';

/**
 * The numpy reference (<repo>/../shared/bench/rfm_ref.py) and its ".rfmdata" format: one line of JSON
 * {"n", "d", "c", "fit", "val", "test"}, a newline, then little-endian float64 X (n x d) and Y (n x c), row-major.
 * Shared by the tests and bench/rfm.bench.ts.
 */
export const REF_SCRIPT = join(__dirname, '..', '..', '..', 'shared', 'bench', 'rfm_ref.py');
export const HAS_REF = existsSync(REF_SCRIPT);
export const SKIP_NO_REF: string | false = HAS_REF
  ? false
  : 'needs ../shared/bench/rfm_ref.py (present in CI, absent in a user clone)';

export interface RfmData {
  X: Matrix;
  Y: Matrix;
  fit: number[];
  val: number[];
  test: number[];
}

export function readRfmData(path: string): RfmData {
  const buf = readFileSync(path);
  const nl = buf.indexOf(10);
  const head = JSON.parse(buf.subarray(0, nl).toString('utf8')) as {
    n: number;
    d: number;
    c: number;
    fit: number[];
    val: number[];
    test: number[];
  };
  const { n, d, c } = head;
  const need = nl + 1 + 8 * (n * d + n * c);
  if (buf.byteLength !== need) throw new Error(`${path}: ${buf.byteLength} bytes, the header implies ${need}`);
  // Copy into aligned memory: the payload starts right after the header line, at any byte offset.
  const values = new Float64Array(n * d + n * c);
  new Uint8Array(values.buffer).set(buf.subarray(nl + 1));
  return {
    X: new Matrix(n, d, values.slice(0, n * d)),
    Y: new Matrix(n, c, values.slice(n * d)),
    fit: head.fit,
    val: head.val,
    test: head.test,
  };
}

/** Runs rfm_ref.py with arguments; returns stdout. */
export function runReference(args: string[]): string {
  return execFileSync('python3', [REF_SCRIPT, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
}

export interface ReferenceFit {
  form: string;
  val_mse: number[];
  test_mse: number[];
  best_iter: number;
  best_test_mse: number;
  seconds: number;
}

export function referenceFit(path: string, args: string[] = []): ReferenceFit {
  return JSON.parse(runReference(['fit', path, ...args])) as ReferenceFit;
}
