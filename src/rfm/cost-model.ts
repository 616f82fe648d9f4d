import type { DType } from '../linalg/matrix';
import { OptionError } from '../core/errors';

/**
 * Which form of the RFM iteration to run (docs/rfm-math.md sections 3-5), from flop counts per iteration.
 *
 * With n training points, d features, c outputs, j = |J| AGOP points, m tracked points (validation + test), and a
 * GEMM of (a x b)(b x e) counted as 2abe flops, a SYRK of an a x b matrix as a^2 b, Cholesky n^3/3:
 *   primal   X M (2nd^2; nd for a diagonal M), X M X' (2n^2 d), Cholesky, tracked points (2md^2 + 2mnd), and the
 *            gradients either per output, c (2jnd + jd^2), or through the Hadamard S (float64 only):
 *            n^2 j + n^2 c + 4jnc (S), then (X M)' S (X M) (2n^2 d + 2nd^2) or M (X' S X) M (X' S X, then 4d^3).
 *   dual-q   c (2jn^2 + jn^2 + 4jnm) (per output: Q_k = B_k P, P += Q_k'Q_k, tracked points), Cholesky; plus the
 *            Gram matrices once (n^2 d + 2mnd) when X is given. Grows with c.
 *   dual     explicit S (float64 only): n^2 j + n^2 c + 4jnc (S), P S and (P S) P (4n^3), R = G C tracking (2n^3),
 *            tracked points (4mn^2), Cholesky; the Gram matrices once. Independent of c.
 * A one-hot X (w ones per row, features.ts) replaces the products with X by sums and gathers, each priced at
 * ONE_HOT_OP_COST flops: X M n w d, (X M) X' n^2 w / 2, X X' n^2 w / 2, X' S X n^2 w + n w d / 2; tracked points
 * are priced as one-hot too. M (X' S X) M then beats (X M)' S (X M) whenever d is not much larger than n.
 * float32 flops count half (twice the throughput). Exclusions: a diagonal M and max-normalisation exist only in the
 * primal form; trace-normalisation needs C, which only the explicit-S dual tracks; the explicit S is never formed
 * in float32 (it spans ~1e-7..2e11: the kernel matrix went indefinite by the second iteration), so with dtype
 * float32 the explicit-S candidate is priced, and run, in float64; Gram matrices given directly rule out the primal
 * form; the Q form keeps each iteration's W (n^2 values) to rebuild C for new points, which is capped by memoryLimit.
 */

export type Form = 'primal' | 'dual' | 'dual-q';
export type Normalization = 'none' | 'max' | 'trace';
/** 'hadamard-congruence': S by the Hadamard identity, then M (X' S X) M with X' S X from X's structure. */
export type GradientPath = 'per-output' | 'hadamard' | 'hadamard-congruence';

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
  /** Ones per row when X is one-hot (features.ts); undefined for a dense X. */
  oneHotWidth?: number;
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

/**
 * Flops one add or gather of the one-hot products is worth: the JS loops of features.ts ran ~1e9 of them a second
 * (n = 5000, w = 48, V = 50) where the native backend's float64 GEMM ran ~36 GFLOPS on the same 2 cores.
 */
export const ONE_HOT_OP_COST = 36;

/** Flops of the products with X (n x d) of features.ts, dense or one-hot with w ones per row. */
export interface FeatureProductCosts {
  /** X M for m rows (a tracked block of m points is priced as X's structure). */
  times(m: number): number;
  /** A X' for an m x d A; half when symmetric (A = X M). */
  cross(m: number, symmetric?: boolean): number;
  gram: number;
  congruence: number;
}

export function featureProductCosts(n: number, d: number, oneHotWidth?: number): FeatureProductCosts {
  if (oneHotWidth === undefined) {
    return {
      times: (m) => 2 * m * d * d,
      cross: (m) => 2 * m * n * d,
      gram: n * n * d,
      congruence: 2 * n * n * d + 2 * n * d * d,
    };
  }
  const w = oneHotWidth;
  const g = ONE_HOT_OP_COST;
  return {
    times: (m) => g * m * w * d,
    cross: (m, symmetric) => (g * m * n * w) / (symmetric ? 2 : 1),
    gram: (g * n * n * w) / 2,
    congruence: g * (n * n * w + (n * w * d) / 2),
  };
}

export function primalGradientCosts(
  n: number,
  d: number,
  c: number,
  j: number,
  diagonal: boolean,
  oneHotWidth?: number,
): Record<GradientPath, number> {
  const s = n * n * j + n * n * c + 4 * j * n * c;
  return {
    'per-output': c * (2 * j * n * d + (diagonal ? 2 * j * d : j * d * d)),
    hadamard: s + 2 * n * n * d + (diagonal ? 2 * n * d : 2 * n * d * d),
    'hadamard-congruence': s + featureProductCosts(n, d, oneHotWidth).congruence + (diagonal ? d : 4 * d * d * d),
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
  const x = featureProductCosts(n, d, input.oneHotWidth);
  if (form === 'primal') {
    const g = primalGradientCosts(n, d, c, j, diagonal, input.oneHotWidth);
    // The explicit S only in float64 (docs/rfm-math.md section 5).
    const paths: GradientPath[] =
      dtype === 'float64' ? ['per-output', 'hadamard', 'hadamard-congruence'] : ['per-output'];
    gradients = paths.reduce((a, b) => (g[b] < g[a] ? b : a));
    flops =
      (diagonal ? n * d : x.times(n)) +
      x.cross(n, true) +
      chol +
      (diagonal ? m * d : x.times(m)) +
      x.cross(m) +
      2 * m * n * c +
      g[gradients];
    memory = bytes * (4 * n * n + 2 * n * d + 2 * d * d + m * (2 * d + 2 * n));
  } else {
    once = input.d === undefined ? 0 : x.gram + x.cross(m);
    if (form === 'dual-q') {
      flops = c * (3 * j * n * n + 4 * j * n * m) + chol + 2 * m * n * c;
      memory = bytes * (6 * n * n + 4 * m * n) + bytes * n * n * iterations;
    } else {
      flops = n * n * j + n * n * c + 4 * j * n * c + 6 * n * n * n + 4 * m * n * n + chol + 2 * m * n * c;
      memory = bytes * (11 * n * n + 5 * m * n);
    }
  }
  const total = flops * (iterations + 1) + once;
  return {
    form,
    dtype,
    gradients,
    flopsPerIteration: flops,
    oneTimeFlops: once,
    cost: total * weight,
    memoryBytes: memory,
  };
}

function exclusion(form: Form, input: CostInput, dtype: DType): string | undefined {
  const limit = input.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  if (form === 'primal') return input.gramOnly ? 'only Gram matrices were given' : undefined;
  if (input.diagonal) return "a diagonal M is not of the form X'CX";
  if (input.normalization === 'max') return 'max-normalisation needs the entries of M';
  if (form === 'dual-q') {
    if (input.normalization === 'trace') return 'trace-normalisation needs C, which only the explicit-S dual tracks';
    const kept = (dtype === 'float32' ? 4 : 8) * input.n * input.n * input.iterations;
    if (kept > limit)
      return `its per-iteration W matrices need ${(kept / 1024 ** 3).toFixed(1)} GiB (limit ${(limit / 1024 ** 3).toFixed(1)} GiB)`;
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
      throw new OptionError(
        "form 'dual' (explicit S) runs only in float64: in float32 S spans ~1e-7..2e11 and the kernel matrix went indefinite; use form 'dual-q' or dtype 'float64'",
      );
    }
    return {
      form: chosen.form,
      dtype: chosen.dtype,
      gradients: chosen.gradients,
      reason: `requested (${fmt(chosen)})`,
      candidates,
    };
  }
  const open = candidates.filter((x) => !x.excluded);
  if (open.length === 0)
    throw new OptionError(`no RFM form is possible: ${candidates.map((x) => `${x.form}: ${x.excluded}`).join('; ')}`);
  const best = open.reduce((a, b) => (b.cost < a.cost ? b : a));
  const others = candidates.filter((x) => x !== best).map((x) => (x.excluded ? `${x.form}: ${x.excluded}` : fmt(x)));
  let reason = `auto: cheapest, ${fmt(best)} (vs ${others.join('; ')})`;
  if (best.dtype !== input.dtype) reason += `; float32 was requested, but the explicit S is formed only in float64`;
  return { form: best.form, dtype: best.dtype, gradients: best.gradients, reason, candidates };
}
