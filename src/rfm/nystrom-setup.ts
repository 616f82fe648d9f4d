import { OptionError } from '../core/errors';
import type { Backend } from '../linalg/backend';
import { chooseCentres } from '../kernels/centres';
import { IDENTITY, ProductKernel } from '../kernels/kernel';
import { type NystromMethod, type NystromProgress, planSettings } from '../kernels/nystrom';
import { FeatureKernels } from '../kernels/nystrom-kernels';
import {
  NystromOptions,
  SolverChoice,
  SolverCost,
  SolverName,
  chooseSolver,
  nystromSolveCost,
} from '../kernels/solver-choice';
import { CostInput, Form, chooseForm, featureProductCosts } from './cost-model';
import { EngineSetup } from './engine';
import type { Features } from './features';
import type { FitInputs } from './inputs';
import { NystromEngine } from './nystrom-engine';

/**
 * The RFM's choice between its exact forms (cost-model.ts) and the Nystrom iteration (nystrom-engine.ts), priced
 * before anything is allocated (kernels/solver-choice.ts): an exact fit that would not fit memory (or V8's 2^32
 * elements per array) is refused at once with the largest n that would, or, under solver 'auto', replaced by the
 * Nystrom iteration. The Nystrom AGOP averages over a seeded subsample of the training points: agopSampleSize,
 * default NYSTROM_AGOP_SAMPLE.
 */

export const NYSTROM_AGOP_SAMPLE = 2000;
/** Training points the Nystrom fit scores for its train metrics each iteration (seeded, fixed). */
export const NYSTROM_TRAIN_SAMPLE = 2000;

/** The exact forms' cost at n points, as the cost model prices it (infinite when no form is possible). */
function exactCost(cost: CostInput, form: 'auto' | Form) {
  return (n: number): SolverCost => {
    try {
      const c = chooseForm({ ...cost, n, sample: Math.min(cost.sample, n) }, form);
      const chosen = c.candidates.find((k) => k.form === c.form && k.dtype === c.dtype)!;
      return {
        what: `RFM's exact ${c.form} form (${c.dtype}, n = ${n})`,
        bytes: chosen.memoryBytes,
        largestArray: n * n,
        flops: chosen.cost,
      };
    } catch {
      return { what: `RFM's exact forms (n = ${n})`, bytes: Infinity, largestArray: n * n, flops: Infinity };
    }
  };
}

/** One Nystrom RFM fit: T + 1 solves and T AGOPs over |J| points and the m centres. */
function nystromCost(cost: CostInput, blockRows: number, agopSample: number) {
  const { n, c, iterations } = cost;
  const d = cost.d ?? 0;
  return (m: number, method: NystromMethod, keepBlocks: boolean): SolverCost => {
    const products = featureProductCosts(n, d, cost.oneHotWidth);
    const solve = nystromSolveCost(n, m, c, blockRows, method, keepBlocks, products.cross(m));
    const j = Math.min(n, agopSample);
    const u = j + m;
    const agopFlops =
      featureProductCosts(m, d, cost.oneHotWidth).cross(j) +
      j * m * m +
      featureProductCosts(u, d, cost.oneHotWidth).congruence;
    const dense = cost.oneHotWidth === undefined ? 2 * u * d : d * u;
    const agopBytes = 8 * (3 * j * m + u * u + dense + 3 * d * d);
    const tracked = featureProductCosts(m, d, cost.oneHotWidth).cross(cost.tracked) + 2 * cost.tracked * m * c;
    const flops = (iterations + 1) * (solve.flops + tracked) + iterations * agopFlops;
    return {
      what: `RFM's Nystrom iteration (n = ${n}, m = ${m}, |J| = ${j})`,
      bytes: solve.bytes + agopBytes + 8 * (n + cost.tracked * m),
      largestArray: Math.max(solve.largestArray, u * u),
      flops,
    };
  };
}

export interface NystromRun {
  choice: SolverChoice;
  engine?: NystromEngine;
}

/** Decides exact or Nystrom for this fit; refuses (MemoryError) what does not fit. */
export function chooseRfmSolver(
  cost: CostInput,
  form: 'auto' | Form,
  requested: SolverName,
  o: NystromOptions | undefined,
): SolverChoice {
  // A form that is not possible here is the caller's error, said in the cost model's words (not priced as infinite).
  if (requested !== 'nystrom') chooseForm(cost, form);
  if (cost.gramOnly) {
    if (requested === 'nystrom') throw new OptionError("RFM: solver 'nystrom' needs the points X, not Gram matrices");
    return chooseSolver(
      {
        model: 'RFM',
        n: cost.n,
        exact: exactCost(cost, form),
        nystrom: () => ({ what: 'n/a', bytes: Infinity, largestArray: Infinity, flops: Infinity }),
      },
      'exact',
      o,
    );
  }
  if (requested === 'nystrom' && form !== 'auto' && form !== 'primal')
    throw new OptionError(
      `RFM: the Nystrom iteration is a primal form (M is d x d): form '${form}' cannot be combined with solver 'nystrom'`,
    );
  const agop = Math.min(cost.sample, cost.n);
  return chooseSolver(
    { model: 'RFM', n: cost.n, exact: exactCost(cost, form), nystrom: nystromCost(cost, o?.blockRows ?? 2048, agop) },
    requested,
    o,
  );
}

export interface NystromEngineInput {
  setup: EngineSetup;
  x: Features;
  inputs: FitInputs;
  plan: NonNullable<SolverChoice['nystrom']>;
  kernel: ProductKernel;
  ridge: number;
  seed: number;
  signal?: AbortSignal;
  onProgress?: (p: NystromProgress) => void;
}

/** The centres (uniform, or by leverage scores of the plain kernel M = I) and the engine. */
export async function startNystromEngine(backend: Backend, o: NystromEngineInput): Promise<NystromEngine> {
  const { plan, x } = o;
  const sourceFor = (centres: Int32Array) =>
    FeatureKernels.create(backend, x, centres, IDENTITY, o.kernel, plan.blockRows);
  const centres = await chooseCentres(backend, x.rows, plan, sourceFor, o);
  return new NystromEngine(o.setup, x, {
    ...planSettings(plan),
    centres,
    signal: o.signal,
    onProgress: o.onProgress,
    trainSample: NYSTROM_TRAIN_SAMPLE,
    seed: o.seed,
  });
}
