import type { DistanceKernelOptions, GemmOptions, GradientCoefficientsOptions, SyrkOptions } from './backend';
import { DTypeError, NonFiniteError, OptionError, ShapeError } from '../core/errors';
import { checkOptions } from '../core/options';
import { Matrix, assertNonEmpty, assertSameDtype, assertSquare, FloatArray } from './matrix';

/** Argument checks shared by every backend, so all of them fail the same way on the same bad input. */

export function gemmShape(a: Matrix, b: Matrix, o: GemmOptions): { m: number; n: number; k: number } {
  checkOptions('gemm', o, ['transA', 'transB', 'alpha', 'beta', 'out']);
  assertSameDtype('gemm', a, b);
  const m = o.transA ? a.cols : a.rows;
  const k = o.transA ? a.rows : a.cols;
  const kb = o.transB ? b.cols : b.rows;
  const n = o.transB ? b.rows : b.cols;
  if (k !== kb) {
    throw new ShapeError(`gemm: inner dimensions differ: op(A) is ${m} x ${k}, op(B) is ${kb} x ${n}`);
  }
  if (o.out) {
    assertSameDtype('gemm', a, o.out);
    if (o.out.rows !== m || o.out.cols !== n)
      throw new ShapeError(`gemm: out is ${o.out.rows} x ${o.out.cols}, the product is ${m} x ${n}`);
    if (o.out.data.buffer === a.data.buffer || o.out.data.buffer === b.data.buffer) {
      throw new ShapeError('gemm: out must not share memory with an operand');
    }
  }
  return { m, n, k };
}

export function syrkShape(a: Matrix, o: SyrkOptions): number {
  checkOptions('syrk', o, ['trans', 'alpha', 'beta', 'out']);
  const n = o.trans ? a.cols : a.rows;
  if (o.out) {
    assertSameDtype('syrk', a, o.out);
    if (o.out.rows !== n || o.out.cols !== n)
      throw new ShapeError(`syrk: out is ${o.out.rows} x ${o.out.cols}, the product is ${n} x ${n}`);
    if (o.out.data.buffer === a.data.buffer) throw new ShapeError('syrk: out must not share memory with the operand');
  }
  return n;
}

export function checkCholeskyInput(a: Matrix): void {
  assertNonEmpty(a, 'cholesky input');
  assertSquare(a, 'cholesky input');
  assertFiniteNamed(a.data, 'cholesky input');
}

export function checkTriangularSolve(l: Matrix, b: Matrix): void {
  assertNonEmpty(l, 'triangular factor');
  assertSquare(l, 'triangular factor');
  assertSameDtype('triangularSolve', l, b);
  if (b.rows !== l.rows) {
    throw new ShapeError(`triangularSolve: factor is ${l.rows} x ${l.cols} but the right-hand side has ${b.rows} rows`);
  }
}

export function checkDistanceKernel(gram: Matrix, pa: FloatArray, pb: FloatArray, o: DistanceKernelOptions): void {
  checkOptions('distanceKernel', o, ['bandwidth', 'exponent', 'zeroTol', 'weights', 'outKernel', 'outWeights']);
  if (!(o.bandwidth > 0) || !Number.isFinite(o.bandwidth))
    throw new OptionError(`bandwidth must be a positive number, got ${o.bandwidth}`);
  if (!(o.exponent > 0 && o.exponent <= 2))
    throw new OptionError(`kernel exponent q must be in (0, 2], got ${o.exponent}`);
  if (!(o.zeroTol >= 0)) throw new OptionError(`zeroTol must be >= 0, got ${o.zeroTol}`);
  if (pa.length !== gram.rows || pb.length !== gram.cols) {
    throw new ShapeError(
      `distanceKernel: Gram is ${gram.rows} x ${gram.cols} but the norms have ${pa.length} and ${pb.length} entries`,
    );
  }
  if (
    pa instanceof Float32Array !== gram.data instanceof Float32Array ||
    pb instanceof Float32Array !== gram.data instanceof Float32Array
  ) {
    throw new DTypeError('distanceKernel: norms must have the Gram matrix dtype');
  }
  for (const out of [o.outKernel, o.outWeights]) {
    if (out && (out.rows !== gram.rows || out.cols !== gram.cols || out.dtype !== gram.dtype)) {
      throw new ShapeError(
        `distanceKernel: output is ${out.rows} x ${out.cols} ${out.dtype}, expected ${gram.rows} x ${gram.cols} ${gram.dtype}`,
      );
    }
  }
}

export function checkGradientCoefficients(
  wj: Matrix,
  alpha: Matrix,
  scores: Matrix,
  o: GradientCoefficientsOptions,
): void {
  checkOptions('gradientCoefficients', o, ['rows', 'output', 'kappa', 'centering', 'out']);
  assertSameDtype('gradientCoefficients', wj, alpha, scores, o.out);
  const m = wj.rows;
  const n = alpha.rows;
  const c = alpha.cols;
  if (wj.cols !== n || scores.rows !== m || scores.cols !== c || o.out.rows !== m || o.out.cols !== n) {
    throw new ShapeError(
      `gradientCoefficients: W_J ${m} x ${wj.cols}, alpha ${n} x ${c}, scores ${scores.rows} x ${scores.cols}, out ${o.out.rows} x ${o.out.cols}; expected out ${m} x ${n}`,
    );
  }
  if (!Number.isInteger(o.output) || o.output < 0 || o.output >= c)
    throw new OptionError(`gradientCoefficients: output must be an integer in [0, ${c}), got ${o.output}`);
  if (o.rows === null ? m !== n : o.rows.length !== m)
    throw new ShapeError(`gradientCoefficients: ${m} rows of W_J for ${o.rows === null ? n : o.rows.length} points`);
  const rows = o.rows;
  if (rows)
    for (let r = 0; r < m; r++)
      if (!(rows[r] >= 0 && rows[r] < n))
        throw new ShapeError(`gradientCoefficients: row index ${rows[r]} outside [0, ${n})`);
  for (const x of [wj, alpha, scores])
    if (x.data.buffer === o.out.data.buffer)
      throw new ShapeError('gradientCoefficients: out must not share memory with an input');
}

export function assertFiniteNamed(data: FloatArray, name: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v || v === Infinity || v === -Infinity) throw new NonFiniteError(`${name} contains ${v} at index ${i}`);
  }
}
