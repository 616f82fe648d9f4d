import { OptionError } from '../core/errors';
import { Matrix } from '../linalg/matrix';

/**
 * Conjugate gradients for H X = B with H symmetric positive definite, given only as a product P -> H P, and B with
 * several columns solved at once (one product per iteration for all of them; each column keeps its own step sizes,
 * so the columns are independent CG runs that share the expensive product). Preconditioning is the caller's change
 * of variables (Falkon solves B' H B beta = B' b, nystrom.ts), so this is plain CG. Float64 throughout.
 */

export interface ConjugateGradientOptions {
  /** Stop a column when ||r|| <= tolerance ||b||. */
  tolerance: number;
  maxIterations: number;
  /** Called after each iteration with the largest relative residual over the columns. */
  onIteration?: (iteration: number, relativeResidual: number) => void | Promise<void>;
}

export interface ConjugateGradientResult {
  x: Matrix;
  iterations: number;
  /** max over columns of ||r|| / ||b|| after each iteration. */
  residuals: number[];
  converged: boolean;
}

function columnDots(a: Matrix, b: Matrix): Float64Array {
  const c = a.cols;
  const out = new Float64Array(c);
  for (let i = 0; i < a.rows; i++) for (let k = 0; k < c; k++) out[k] += a.data[i * c + k] * b.data[i * c + k];
  return out;
}

function maxRelative(rr: Float64Array, bb: Float64Array): number {
  let worst = 0;
  for (let k = 0; k < rr.length; k++) worst = Math.max(worst, bb[k] > 0 ? Math.sqrt(rr[k] / bb[k]) : 0);
  return worst;
}

export async function conjugateGradient(
  apply: (p: Matrix) => Promise<Matrix>,
  b: Matrix,
  options: ConjugateGradientOptions,
): Promise<ConjugateGradientResult> {
  const { tolerance, maxIterations } = options;
  if (!(tolerance > 0)) throw new OptionError(`conjugate gradients: tolerance must be > 0, got ${tolerance}`);
  if (!Number.isInteger(maxIterations) || maxIterations < 1)
    throw new OptionError(`conjugate gradients: maxIterations must be an integer >= 1, got ${maxIterations}`);
  const c = b.cols;
  const x = new Matrix(b.rows, c);
  const r = b.astype('float64').clone();
  const p = r.clone();
  const bb = columnDots(r, r);
  let rr = bb.slice();
  const residuals: number[] = [];
  let iterations = 0;
  for (let it = 1; it <= maxIterations && maxRelative(rr, bb) > tolerance; it++) {
    const hp = await apply(p);
    const php = columnDots(p, hp);
    const step = new Float64Array(c);
    for (let k = 0; k < c; k++) step[k] = php[k] > 0 && rr[k] > 0 ? rr[k] / php[k] : 0;
    for (let i = 0; i < x.data.length; i++) {
      const k = i % c;
      x.data[i] += step[k] * p.data[i];
      r.data[i] -= step[k] * hp.data[i];
    }
    const rrNext = columnDots(r, r);
    for (let i = 0; i < p.data.length; i++) {
      const k = i % c;
      p.data[i] = r.data[i] + (rr[k] > 0 ? rrNext[k] / rr[k] : 0) * p.data[i];
    }
    rr = rrNext;
    iterations = it;
    residuals.push(maxRelative(rr, bb));
    await options.onIteration?.(it, residuals[residuals.length - 1]);
  }
  return { x, iterations, residuals, converged: maxRelative(rr, bb) <= tolerance };
}
