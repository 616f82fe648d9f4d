import { NotSPDError } from '../core/errors';
import type { NystromProgress } from '../kernels/nystrom';
import { NystromOptions, SolverChoice, SolverName } from '../kernels/solver-choice';
import { DType, FloatArray, Matrix } from '../linalg/matrix';
import { backendFor } from '../linalg/registry';
import { Rng } from '../random';
import { ProductKernel } from '../kernels/kernel';
import { CostInput, Form, FormChoice, Normalization, chooseForm } from './cost-model';
import { DualSEngine } from './dual';
import { DualQEngine } from './dual-q';
import { Engine, EngineSetup, TrackedPoints, flopsOf } from './engine';
import { Features, stackFeatures, stackRows } from './features';
import type { FitInputs } from './inputs';
import { NYSTROM_AGOP_SAMPLE, chooseRfmSolver, startNystromEngine } from './nystrom-setup';
import { PrimalEngine } from './primal';
import { Profile } from './profile';
import type { EngineChecks } from './degeneracy';

/**
 * From parsed inputs to a running engine: the form chosen by the cost model (cost-model.ts), the memory guard on its
 * estimate, the backend, the AGOP subsample stream and the tracked points stacked into one block.
 */

export interface EngineSettings {
  kernel: ProductKernel;
  ridge: number;
  iterations: number;
  diagonal: boolean;
  groupSize: number | undefined;
  centering: boolean;
  normalization: Normalization;
  agopSampleSize: number | undefined;
  form: 'auto' | Form;
  dtype: DType;
  seed: number;
  solver: SolverName;
  nystrom: NystromOptions | undefined;
  signal?: AbortSignal;
  onProgress?: (p: NystromProgress) => void;
  /** Score the test set once after the fit (kept iteration and iteration 0) where the form can replay the kept state. */
  deferTest: boolean;
}

export interface EngineRun {
  engine: Engine;
  choice: FormChoice;
  dtype: DType;
  profile: Profile;
  /** |J|: the points the AGOP averages over. */
  sample: number;
  /** The iteration the engine is on (for the jitter events, which the engine raises inside solve). */
  iteration: { current: number };
  /** Exact or Nystrom, and why. */
  solver: SolverChoice;
  /** The test set is scored after the fit by engine.predictDeferred, not every iteration. */
  deferredTest: boolean;
  /** The sets scored every iteration, in the order of the engine's stacked block (validation first). */
  scored: FitInputs['tracked'];
}

/** Q_k logged per update for replaying a deferred set: c T |J| n values, which a large c cannot afford. */
const MAX_REPLAY_LOG_BYTES = 512 * 2 ** 20;

/** Whether the form can score the test set after the fit from the kept state (the explicit-S dual form cannot). */
function canDefer(form: Form, c: number, sample: number, n: number, iterations: number, dtype: DType): boolean {
  if (form === 'primal') return true;
  return form === 'dual-q' && c * iterations * sample * n * (dtype === 'float32' ? 4 : 8) <= MAX_REPLAY_LOG_BYTES;
}

export async function startEngine(
  inputs: FitInputs,
  s: EngineSettings,
  onJitter: (iteration: number, jitter: number, failure: NotSPDError) => void,
  onChoice: (choice: FormChoice) => void,
  makeChecks?: (iteration: { current: number }) => EngineChecks,
): Promise<EngineRun> {
  const { train, n, c } = inputs;
  const test = inputs.tracked.find((t) => t.name === 'test');
  const wantDefer = test !== undefined && s.deferTest;
  // The cost model prices the points scored every iteration; a deferred test set is scored once.
  const everyIteration = (defer: boolean) => (defer ? inputs.tracked.filter((t) => t !== test) : inputs.tracked);
  const x64 = train.kind === 'points' ? train.x : undefined;
  const costInput: CostInput = {
    n,
    d: train.features,
    c,
    sample: Math.min(s.agopSampleSize ?? n, n),
    tracked: rowsOf(everyIteration(wantDefer)),
    iterations: s.iterations,
    dtype: s.dtype,
    diagonal: s.diagonal,
    normalization: s.normalization,
    gramOnly: train.kind === 'gram',
    oneHotWidth: x64?.oneHotWidth,
  };
  // Exact or Nystrom, priced before any allocation: what does not fit is refused here (MemoryError).
  const solver = chooseRfmSolver(
    { ...costInput, sample: Math.min(s.agopSampleSize ?? NYSTROM_AGOP_SAMPLE, n) },
    s.form,
    s.solver,
    s.nystrom,
  );
  const nystrom = solver.solver === 'nystrom';
  const sample = nystrom ? Math.min(s.agopSampleSize ?? NYSTROM_AGOP_SAMPLE, n) : costInput.sample;
  const choice = nystrom ? nystromFormChoice(solver) : chooseForm(costInput, s.form);
  onChoice(choice);
  const dtype = choice.dtype;
  const deferredTest = !nystrom && wantDefer && canDefer(choice.form, c, sample, n, s.iterations, dtype);
  const scored = everyIteration(deferredTest);
  const profile = new Profile();
  const rng = new Rng(s.seed);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const iteration = { current: 0 };
  const setup: EngineSetup = {
    backend: await backendFor(dtype),
    dtype,
    kernel: s.kernel,
    ridge: s.ridge,
    y: inputs.targets.y.astype(dtype),
    tracked: [],
    sample: () => (sample >= n ? null : rng.shuffle(perm).slice(0, sample).sort()),
    centering: s.centering,
    normalization: s.normalization,
    diagonal: s.diagonal,
    groupSize: s.groupSize,
    gradients: choice.gradients,
    features: train.features,
    profile,
    onJitter: (jitter: number, failure: NotSPDError) => onJitter(iteration.current, jitter, failure),
    checks: makeChecks?.(iteration),
  };
  const sets = { scored, deferred: deferredTest ? test : undefined };
  const engine = await buildEngine(inputs, s, setup, choice, nystrom ? solver : undefined, sets);
  return { engine, choice, dtype, profile, sample, iteration, solver, deferredTest, scored };
}

const rowsOf = (sets: FitInputs['tracked']): number => sets.reduce((a, t) => a + t.points.rows, 0);

/** The engine of the chosen form, with the sets scored every iteration stacked into one block (one pair of products). */
async function buildEngine(
  inputs: FitInputs,
  s: EngineSettings,
  setup: EngineSetup,
  choice: FormChoice,
  nystromChoice: SolverChoice | undefined,
  sets: { scored: FitInputs['tracked']; deferred: FitInputs['tracked'][number] | undefined },
): Promise<Engine> {
  const { train, n } = inputs;
  const { dtype, profile } = setup;
  const x64 = train.kind === 'points' ? train.x : undefined;
  const featuresOf = (list: FitInputs['tracked']): Features =>
    stackFeatures(list.map((t) => t.z as Features)).astype(dtype);
  const trackedRows = rowsOf(sets.scored);
  const deferred = sets.deferred;
  if (nystromChoice) {
    const input = {
      setup,
      x: x64 as Features,
      inputs,
      plan: nystromChoice.nystrom!,
      kernel: s.kernel,
      ridge: s.ridge,
      seed: s.seed,
      signal: s.signal,
      onProgress: s.onProgress,
    };
    if (trackedRows > 0) setup.tracked = [{ z: featuresOf(sets.scored), rows: trackedRows }];
    return startNystromEngine(setup.backend, input);
  }
  if (choice.form === 'primal') {
    if (train.kind !== 'points') throw new Error('internal: the cost model gave a Gram fit the primal form'); // an invariant, not a user error
    if (trackedRows > 0) setup.tracked = [{ z: featuresOf(sets.scored), rows: trackedRows }];
    if (deferred) setup.deferred = { z: featuresOf([deferred]), rows: deferred.points.rows };
    return new PrimalEngine(setup, train.x.astype(dtype));
  }
  // Gram matrices from X in the run dtype (float32 runs keep G in float64 only if it was given; the rebuild of
  // C for new points forms it from X when first needed).
  const xRun = x64?.astype(dtype);
  const gram64 = train.kind === 'gram' ? train.gram : undefined;
  const d = train.features ?? 0;
  const gramRun =
    gram64 ?? (await profile.time("Gram X X'", flopsOf(xRun as Features, n * n * d), () => (xRun as Features).gram()));
  if (trackedRows > 0)
    setup.tracked = [await trackedGram(xRun, sets.scored, () => featuresOf(sets.scored), profile, n, d)];
  if (deferred) setup.deferred = await trackedGram(xRun, [deferred], () => featuresOf([deferred]), profile, n, d);
  const data = { x: x64, gram: gramRun.dtype === 'float64' ? gramRun : gram64 };
  return choice.form === 'dual-q' ? new DualQEngine(setup, gramRun, data) : new DualSEngine(setup, gramRun, data);
}

/** The Nystrom iteration is a primal form in float64 (M is d x d; nystrom-engine.ts). */
function nystromFormChoice(solver: SolverChoice): FormChoice {
  return {
    form: 'primal',
    dtype: 'float64',
    gradients: 'hadamard-congruence',
    reason: `Nystrom iteration (${solver.reason})`,
    candidates: [],
  };
}

/** The tracked points of a dual form: their cross products with the training points and their squared norms. */
async function trackedGram(
  xRun: Features | undefined,
  tracked: FitInputs['tracked'],
  trackedFeatures: () => Features,
  profile: Profile,
  n: number,
  d: number,
): Promise<TrackedPoints> {
  const rows = tracked.reduce((a, t) => a + t.points.rows, 0);
  if (xRun) {
    const z = trackedFeatures();
    const zDense = z.dense();
    const gram = await profile.time("Gram X X'", flopsOf(xRun, 2 * z.rows * n * d), () => xRun.crossProducts(zDense));
    return { gram, norms: z.rowDots(zDense), rows };
  }
  const gram = stackRows(tracked.map((t) => t.points.gram as Matrix));
  const norms: FloatArray = Float64Array.from(tracked.flatMap((t) => Array.from(t.points.norms as FloatArray)));
  return { gram, norms, rows };
}
