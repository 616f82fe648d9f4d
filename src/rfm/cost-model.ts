import type { DType } from '../linalg/matrix';
import { OptionError } from '../linalg/errors';

/**
 * Which form of the RFM iteration to run (rfm-math.md sections 3-5), from flop counts per iteration.
 *
 * With n training points, d features, c outputs, j = |J| AGOP points, m tracked points (validation + test), and a
 * GEMM of (a x b)(b x e) counted as 2abe flops, a SYRK of an a x b matrix as a^2 b, Cholesky n^3/3:
 *   primal   X M (2nd^2; nd for a diagonal M), X M X' (2n^2 d), Cholesky, tracked points (2md^2 + 2mnd), and the
 *            gradients either per output, c (2jnd + jd^2), or through the Hadamard S (float64 only):
 *            n^2 j + n^2 c + 4jnc (S) + 2n^2 d + 2nd^2.
 *   dual-q   c (2jn^2 + jn^2 + 4jnm) (per output: Q_k = B_k P, P += Q_k'Q_k, tracked points), Cholesky; plus the
 *            Gram matrices once (n^2 d + 2mnd) when X is given. Grows with c.
 *   dual     explicit S (float64 only): n^2 j + n^2 c + 4jnc (S), P S and (P S) P (4n^3), R = G C tracking (2n^3),
 *            tracked points (4mn^2), Cholesky; the Gram matrices once. Independent of c.
 * float32 flops count half (twice the throughput). Exclusions: a diagonal M and max-normalisation exist only in the
 * primal form; trace-normalisation needs C, which only the explicit-S dual tracks; the explicit S is never formed
 * in float32 (it spans ~1e-7..2e11: the kernel matrix went indefinite by the second iteration), so with dtype
 * float32 the explicit-S candidate is priced, and run, in float64; Gram matrices given directly rule out the primal
 * form; the Q form keeps each iteration's W (n^2 values) to rebuild C for new points, which is capped by memoryLimit.
 */

export type Form = 'primal' | 'dual' | 'dual-q';
export type Normalization = 'none' | 'max' | 'trace';
export type GradientPath = 'per-output' | 'hadamard';

export interface CostInput {
  n: number;
  /** Feature count; undefined when only Gram matrices were given. */
  d?: number;
  c: number;
  /** |J|, the number of points the AGOP averages over. */
  sample: number;
  /** Validation + test rows whose predictions are tracked every iteration. */
  tracked: number;
  iterations: number;
  dtype: DType;
  diagonal: boolean;
  normalization: Normalization;
  gramOnly: boolean;
  /** Bytes the Q form may keep for its per-iteration W matrices. */
  memoryLimit?: number;
}

export interface FormCost {
  form: Form;
  dtype: DType;
  gradients?: GradientPath;
  flopsPerIteration: number;
  oneTimeFlops: number;
  /** Total flops of the fit, float32 counted half: what the choice minimises. */
  cost: number;
  memoryBytes: number;
  excluded?: string;
}

export interface FormChoice {
  form: Form;
  dtype: DType;
  gradients?: GradientPath;
  reason: string;
  candidates: FormCost[];
}

export const DEFAULT_MEMORY_LIMIT = 4 * 1024 ** 3;

export function primalGradientCosts(n: number, d: number, c: number, j: number, diagonal: boolean): Record<GradientPath, number> {
  return {
    'per-output': c * (2 * j * n * d + (diagonal ? 2 * j * d : j * d * d)),
    hadamard: n * n * j + n * n * c + 4 * j * n * c + 2 * n * n * d + (diagonal ? 2 * n * d : 2 * n * d * d),
  };
}

function costOf(form: Form, input: CostInput, dtype: DType): FormCost {
  const { n, c, sample: j, tracked: m, iterations, diagonal } = input;
  const d = input.d ?? 0;
  const bytes = dtype === 'float32' ? 4 : 8;
  const chol = (n * n * n) / 3;
  const weight = dtype === 'float32' ? 0.5 : 1;
  let flops: number;
  let once = 0;
  let memory: number;
  let gradients: GradientPath | undefined;
  if (form === 'primal') {
    const g = primalGradientCosts(n, d, c, j, diagonal);
    gradients = dtype === 'float64' && g.hadamard < g['per-output'] ? 'hadamard' : 'per-output';
    flops = (diagonal ? n * d : 2 * n * d * d) + 2 * n * n * d + chol + (diagonal ? m * d : 2 * m * d * d) + 2 * m * n * d + 2 * m * n * c + g[gradients];
    memory = bytes * (4 * n * n + 2 * n * d + 2 * d * d + m * (2 * d + 2 * n));
  } else {
    once = input.d === undefined ? 0 : n * n * d + 2 * m * n * d;
    if (form === 'dual-q') {
      flops = c * (3 * j * n * n + 4 * j * n * m) + chol + 2 * m * n * c;
      memory = bytes * (6 * n * n + 4 * m * n) + bytes * n * n * iterations;
    } else {
      flops = n * n * j + n * n * c + 4 * j * n * c + 6 * n * n * n + 4 * m * n * n + chol + 2 * m * n * c;
      memory = bytes * (11 * n * n + 5 * m * n);
    }
  }
  const total = flops * (iterations + 1) + once;
  return { form, dtype, gradients, flopsPerIteration: flops, oneTimeFlops: once, cost: total * weight, memoryBytes: memory };
}

function exclusion(form: Form, input: CostInput, dtype: DType): string | undefined {
  const limit = input.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  if (form === 'primal') return input.gramOnly ? 'only Gram matrices were given' : undefined;
  if (input.diagonal) return 'a diagonal M is not of the form X\'CX';
  if (input.normalization === 'max') return 'max-normalisation needs the entries of M';
  if (form === 'dual-q') {
    if (input.normalization === 'trace') return 'trace-normalisation needs C, which only the explicit-S dual tracks';
    const kept = (dtype === 'float32' ? 4 : 8) * input.n * input.n * input.iterations;
    if (kept > limit) return `its per-iteration W matrices need ${(kept / 1024 ** 3).toFixed(1)} GiB (limit ${(limit / 1024 ** 3).toFixed(1)} GiB)`;
  }
  if (input.normalization === 'trace' && input.d === undefined) return 'trace-normalisation needs the feature count d';
  return undefined;
}

/** The form to run: `requested` if it is possible (else an Error naming why), or the cheapest under 'auto'. */
export function chooseForm(input: CostInput, requested: 'auto' | Form): FormChoice {
  const candidates: FormCost[] = (['primal', 'dual-q', 'dual'] as const).map((form) => {
    const dtype: DType = form === 'dual' ? 'float64' : input.dtype;
    const cost = costOf(form, input, dtype);
    const excluded = exclusion(form, input, dtype);
    return excluded ? { ...cost, excluded } : cost;
  });
  const fmt = (x: FormCost) => `${x.form} ${x.dtype} ~${(x.flopsPerIteration / 1e9).toPrecision(3)} GFLOP/iteration`;
  if (requested !== 'auto') {
    const chosen = candidates.find((x) => x.form === requested)!;
    if (chosen.excluded) throw new OptionError(`form '${requested}' is not possible here: ${chosen.excluded}`);
    if (requested === 'dual' && input.dtype === 'float32') {
      throw new OptionError("form 'dual' (explicit S) runs only in float64: in float32 S spans ~1e-7..2e11 and the kernel matrix went indefinite; use form 'dual-q' or dtype 'float64'");
    }
    return { form: chosen.form, dtype: chosen.dtype, gradients: chosen.gradients, reason: `requested (${fmt(chosen)})`, candidates };
  }
  const open = candidates.filter((x) => !x.excluded);
  if (open.length === 0) throw new OptionError(`no RFM form is possible: ${candidates.map((x) => `${x.form}: ${x.excluded}`).join('; ')}`);
  const best = open.reduce((a, b) => (b.cost < a.cost ? b : a));
  const others = candidates.filter((x) => x !== best).map((x) => (x.excluded ? `${x.form}: ${x.excluded}` : fmt(x)));
  let reason = `auto: cheapest, ${fmt(best)} (vs ${others.join('; ')})`;
  if (best.dtype !== input.dtype) reason += `; float32 was requested, but the explicit S is formed only in float64`;
  return { form: best.form, dtype: best.dtype, gradients: best.gradients, reason, candidates };
}
