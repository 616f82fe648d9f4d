import type { Backend } from '../linalg/backend';
import { yieldToEventLoop } from '../core/async';
import { OptionError } from '../core/errors';
import { Matrix } from '../linalg/matrix';
import { Rng } from '../random';
import { NystromKernels, choleskyWithJitter } from './nystrom';

/**
 * Nystrom centres: m of the n training points, drawn without replacement and seeded.
 *   uniform   every point equally likely (Falkon's default).
 *   leverage  proportional to approximate ridge leverage scores l_i = [K (K + lambda I)^-1]_ii, estimated through a
 *             uniform pilot set S: with Phi = K_nS L_S^-T (the pilot's Nystrom features), K ~ Phi Phi' and
 *             l_i ~ phi_i' (Phi' Phi + lambda I)^-1 phi_i (Alaoui and Mahoney 2015; Rudi et al. 2018, BLESS)
 *             + r_i / (r_i + lambda) with r_i = K_ii - ||phi_i||^2 (K_ii = 1 here) the part of the point the pilot does
 *             not explain: without it a point far from every pilot centre gets phi_i ~ 0 and a score ~ 0, the
 *             opposite of its true leverage (seen in the test). Points the pilot explains well (dense regions)
 *             get fewer centres, isolated ones more.
 * The weighted draw without replacement is Efraimidis and Spirakis': the m largest u^(1/l_i).
 */

export type CentreSampling = 'uniform' | 'leverage';

export function uniformCentres(n: number, m: number, rng: Rng): Int32Array {
  if (!Number.isInteger(m) || m < 1 || m > n)
    throw new OptionError(
      `Nystrom: the number of centres must be an integer in 1 .. ${n} (the training points), got ${m}`,
    );
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  return rng.shuffle(perm).slice(0, m).sort();
}

/** m indices drawn without replacement with probabilities proportional to `weights` (all > 0). */
export function weightedCentres(weights: ArrayLike<number>, m: number, rng: Rng): Int32Array {
  const n = weights.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = Math.log(Math.max(rng.next(), 1e-300)) / Math.max(weights[i], 1e-300);
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[b] - keys[a]);
  return order.slice(0, m).sort();
}

/**
 * Approximate ridge leverage scores of all n points from a pilot kernel source (its centres the pilot set S):
 * two passes over K_nS, one for Phi' Phi, one for the scores.
 */
export async function leverageScores(
  backend: Backend,
  pilot: NystromKernels,
  ridge: number,
  blockRows: number,
  signal?: AbortSignal,
): Promise<Float64Array> {
  const { n, m } = pilot;
  const { factor: l } = await choleskyWithJitter(
    backend,
    await pilot.centreKernel(),
    0,
    `the pilot centres' kernel matrix (${m} x ${m})`,
  );
  const blockPhi = async (start: number, end: number) => {
    await yieldToEventLoop(signal, 'the leverage scores');
    return backend.triangularSolve(l, await pilot.block(start, end), { inPlace: true });
  };
  const gram = new Matrix(m, m);
  for (let start = 0; start < n; start += blockRows) {
    await backend.syrk(await blockPhi(start, Math.min(n, start + blockRows)), { beta: start > 0 ? 1 : 0, out: gram });
  }
  const { factor } = await choleskyWithJitter(
    backend,
    gram,
    Math.max(ridge, 1e-12),
    `the pilot's Phi'Phi + ridge I (${m} x ${m})`,
  );
  const scores = new Float64Array(n);
  for (let start = 0; start < n; start += blockRows) {
    const end = Math.min(n, start + blockRows);
    const phi = await blockPhi(start, end);
    const b = end - start;
    const explained = new Float64Array(b);
    for (let r = 0; r < m; r++) for (let i = 0; i < b; i++) explained[i] += phi.data[r * b + i] ** 2;
    // phi_i' (Phi'Phi + lambda I)^-1 phi_i = || F^-1 phi_i ||^2 with F F' the Cholesky factor.
    const z = await backend.triangularSolve(factor, phi, { inPlace: true });
    for (let r = 0; r < m; r++) for (let i = 0; i < b; i++) scores[start + i] += z.data[r * b + i] ** 2;
    for (let i = 0; i < b; i++) {
      const residual = Math.max(0, 1 - explained[i]);
      scores[start + i] += residual / (residual + ridge);
    }
  }
  return scores;
}

/**
 * The m centres for a fit, as a solver choice's Nystrom plan says: uniform, or by leverage scores estimated with a
 * uniform pilot of m points (`sourceFor` builds the kernel blocks for a set of centres). Seeded.
 */
export async function chooseCentres(
  backend: Backend,
  n: number,
  plan: { centres: number; sampling: CentreSampling; blockRows: number },
  sourceFor: (centres: Int32Array) => Promise<NystromKernels>,
  o: { seed: number; ridge: number; signal?: AbortSignal },
): Promise<Int32Array> {
  const m = plan.centres;
  const rng = new Rng(o.seed);
  const pilot = uniformCentres(n, m, rng);
  if (plan.sampling === 'uniform' || m === n) return pilot;
  const scores = await leverageScores(backend, await sourceFor(pilot), o.ridge, plan.blockRows, o.signal);
  return weightedCentres(scores, m, rng);
}
