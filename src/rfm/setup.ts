import { NotSPDError, checkAllocation } from '../core';
import { DType, FloatArray, Matrix } from '../linalg/matrix';
import { backendFor } from '../linalg/registry';
import { Rng } from '../random';
import { ProductKernel } from '../kernels/kernel';
import { Form, FormChoice, Normalization, chooseForm } from './cost-model';
import { DualSEngine } from './dual';
import { DualQEngine } from './dual-q';
import { Engine, EngineSetup, TrackedPoints, flopsOf } from './engine';
import { Features, stackFeatures } from './features';
import type { FitInputs } from './inputs';
import { PrimalEngine } from './primal';
import { Profile } from './profile';

/**
 * From parsed inputs to a running engine: the form chosen by the cost model (cost-model.ts), the memory guard on its
 * estimate, the backend, the AGOP subsample stream and the tracked points stacked into one block.
 */

export interface EngineSettings {
  kernel: ProductKernel;
  ridge: number;
  iterations: number;
  diagonal: boolean;
  centering: boolean;
  normalization: Normalization;
  agopSampleSize: number | undefined;
  form: 'auto' | Form;
  dtype: DType;
  seed: number;
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

/** The form the cost model picks, announced, then its estimate checked against the memory guard. */
function chooseRunForm(inputs: FitInputs, s: EngineSettings, sample: number, trackedRows: number, onChoice: (choice: FormChoice) => void): FormChoice {
  const { train, n, c } = inputs;
  const choice = chooseForm(
    {
      n,
      d: train.features,
      c,
      sample,
      tracked: trackedRows,
      iterations: s.iterations,
      dtype: s.dtype,
      diagonal: s.diagonal,
      normalization: s.normalization,
      gramOnly: train.kind === 'gram',
      oneHotWidth: train.kind === 'points' ? train.x.oneHotWidth : undefined,
    },
    s.form,
  );
  onChoice(choice);
  const cost = choice.candidates.find((k) => k.form === choice.form && k.dtype === choice.dtype && !k.excluded);
  if (cost) {
    checkAllocation(
      cost.memoryBytes,
      `RFM.fit (${choice.form} form, ${choice.dtype}, n = ${n})`,
      'use fewer training points, agopSampleSize, float32, or a large-n solver',
    );
  }
  return choice;
}

export async function startEngine(
  inputs: FitInputs,
  s: EngineSettings,
  onJitter: (iteration: number, jitter: number, failure: NotSPDError) => void,
  onChoice: (choice: FormChoice) => void,
): Promise<EngineRun> {
  const { train, n, c } = inputs;
  const sample = Math.min(s.agopSampleSize ?? n, n);
  const test = inputs.tracked.find((t) => t.name === 'test');
  const wantDefer = test !== undefined && s.deferTest;
  // The cost model prices the points scored every iteration; a deferred test set is scored once.
  const everyIteration = (defer: boolean) => (defer ? inputs.tracked.filter((t) => t !== test) : inputs.tracked);
  const rowsOf = (sets: FitInputs['tracked']) => sets.reduce((a, t) => a + t.points.rows, 0);
  const x64 = train.kind === 'points' ? train.x : undefined;
  const choice = chooseRunForm(inputs, s, sample, rowsOf(everyIteration(wantDefer)), onChoice);
  const dtype = choice.dtype;
  const deferredTest = wantDefer && canDefer(choice.form, c, sample, n, s.iterations, dtype);
  const tracked = everyIteration(deferredTest);
  const trackedRows = rowsOf(tracked);
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
    gradients: choice.gradients,
    features: train.features,
    profile,
    onJitter: (jitter: number, failure: NotSPDError) => onJitter(iteration.current, jitter, failure),
  };
  // Validation and test points are stacked into one block: one pair of products per iteration instead of two.
  const featuresOf = (sets: FitInputs['tracked']): Features => stackFeatures(sets.map((t) => t.z as Features)).astype(dtype);
  const trackedFeatures = (): Features => featuresOf(tracked);
  let engine: Engine;
  if (choice.form === 'primal') {
    if (train.kind !== 'points') throw new Error('internal: the cost model gave a Gram fit the primal form'); // an invariant, not a user error
    if (trackedRows > 0) setup.tracked = [{ z: trackedFeatures(), rows: trackedRows }];
    if (deferredTest) setup.deferred = { z: featuresOf([test!]), rows: test!.points.rows };
    engine = new PrimalEngine(setup, train.x.astype(dtype));
  } else {
    // Gram matrices from X in the run dtype (float32 runs keep G in float64 only if it was given; the rebuild of
    // C for new points forms it from X when first needed).
    const xRun = x64?.astype(dtype);
    const gram64 = train.kind === 'gram' ? train.gram : undefined;
    const d = train.features ?? 0;
    const gramRun =
      gram64 ?? (await profile.time("Gram X X'", flopsOf(xRun as Features, n * n * d), () => (xRun as Features).gram()));
    if (trackedRows > 0) setup.tracked = [await trackedGram(xRun, tracked, trackedFeatures, profile, n, d)];
    if (deferredTest) setup.deferred = await trackedGram(xRun, [test!], () => featuresOf([test!]), profile, n, d);
    const data = { x: x64, gram: gramRun.dtype === 'float64' ? gramRun : gram64 };
    engine = choice.form === 'dual-q' ? new DualQEngine(setup, gramRun, data) : new DualSEngine(setup, gramRun, data);
  }
  return { engine, choice, dtype, profile, sample, iteration, deferredTest, scored: tracked };
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
  const gram = vstack(tracked.map((t) => t.points.gram as Matrix));
  const norms: FloatArray = Float64Array.from(tracked.flatMap((t) => Array.from(t.points.norms as FloatArray)));
  return { gram, norms, rows };
}

function vstack(ms: Matrix[]): Matrix {
  const out = new Matrix(
    ms.reduce((a, m) => a + m.rows, 0),
    ms[0].cols,
    ms[0].dtype,
  );
  let off = 0;
  for (const m of ms) {
    out.data.set(m.data, off);
    off += m.data.length;
  }
  return out;
}
