import { checkOptions, NotSPDError, OptionError, ShapeError } from '../linalg/errors';
import { DType, FloatArray, Matrix, MatrixLike, assertFinite } from '../linalg/matrix';
import { backendFor } from '../linalg/registry';
import { Rng } from '../random';
import { predictorGradients } from '../kernels/gradients';
import { checkRows, copyFeatures } from '../kernels/inputs';
import { ProductKernel, checkBandwidth, checkRidge, productKernel } from '../kernels/kernel';
import {
  EncodedTargets,
  Task,
  TargetLike,
  accuracy,
  argmaxRows,
  encodeTargets,
  labelsOf,
  meanSquaredError,
  r2Score,
  resolveTask,
  sortedClasses,
} from '../kernels/targets';
import { fitTemperature, softmaxRows } from '../kernels/temperature';
import { Form, FormChoice, Normalization, chooseForm } from './cost-model';
import { DualSEngine } from './dual';
import { DualQEngine } from './dual-q';
import { Engine, EngineSetup, TrackedPoints, flopsOf } from './engine';
import { DenseFeatures, Features, OneHotCodes, OneHotFeatures, stackFeatures } from './features';
import { FittedState, materializeMetric, predictDual, predictPrimal } from './fitted';
import { EarlyStopper, FitSummary, IterationRecord, Metrics, isBetter } from './history';
import { PrimalEngine } from './primal';
import { Profile } from './profile';
import { decodeFitted, encodeFitted } from './serialize';
import { packBinary, unpackBinary } from '../kernels/serialize';

/**
 * The Recursive Feature Machine (rfm-math.md section 3): alternate kernel ridge regression with the kernel
 * exp(-(||x - z||_M / L)^q) and M <- AGOP of the fitted predictor. The model of iteration t is the pair
 * (M_t, alpha_t); the kept one is the best by validation metric (MSE for regression, accuracy with ties broken by MSE
 * for classification), or the last without validation data. Iteration 0 (M = I) is the plain kernel machine: the
 * baseline, kept as well (`predict(X, { baseline: true })`, `history[0]`).
 *
 * The iteration runs in one of three forms chosen by cost-model.ts: primal (M is d x d), dual-q and dual (M = X'CX
 * with C n x n, cheaper when d > n). Gram matrices can be supplied instead of X (`fit({ gram }, Y, ...)`), which
 * uses a dual form. One-hot X can be given by its integer codes (`fit({ oneHot: { codes, width, vocabulary } }, Y)`,
 * features.ts): the same iterates as its dense matrix, with the products with X done on the codes.
 */

export interface RFMOptions {
  kernel?: 'laplace' | 'gaussian';
  /** L; default 10, the RFM paper's default (the study used 1 on its 1/sqrt(d)-scaled data: pass it). */
  bandwidth?: number;
  /** lambda; default 1e-3 (the study's and the paper's). */
  ridge?: number;
  /** T: AGOP updates; iterations 0..T are fitted and scored. Default 10 (the study's). */
  iterations?: number;
  /** Keep only diag(AGOP) (primal form only). */
  diagonal?: boolean;
  /** Subtract each output's mean gradient over the AGOP points before the outer products. */
  centering?: boolean;
  /** M after each update: as is (default, the study's), / max |M_ij| (primal only), or * d / trace(M). */
  normalization?: Normalization;
  /** |J|: average the AGOP over a random subsample of this many training points (seeded); default all. */
  agopSampleSize?: number;
  /** Stop when the validation metric has not improved by a relative `tolerance` for `patience` iterations. */
  earlyStopping?: { patience: number; tolerance?: number };
  /** 'auto' (cost model), 'primal', 'dual' (explicit S, float64) or 'dual-q'. */
  form?: 'auto' | Form;
  /** float64 by default; float32 runs the primal and Q forms in float32 (the explicit S always runs in float64). */
  dtype?: DType;
  seed?: number;
  /** 'auto': classification when Y is a 1-D array of integer labels. */
  task?: 'auto' | Task;
  onIteration?: (record: IterationRecord, model: RFM) => void;
}

/** Gram matrices instead of X: G = X X' (n x n); `features` (d) is needed only for trace-normalisation. */
export interface GramInput {
  gram: MatrixLike;
  features?: number;
}

/**
 * One-hot rows by their codes (rfm-math.md section 6): row i has a 1 in column p V + codes[i w + p] for each position
 * p < w = width, none where the code is -1; d = w V with V = vocabulary.
 */
export interface OneHotInput {
  oneHot: OneHotCodes;
}

/** Points with features: a dense matrix (or rows), or one-hot codes. */
export type PointsInput = MatrixLike | OneHotInput;

/** Points scored every iteration: features, or (for a Gram fit) cross products Z X' (m x n) and ||z||^2. */
export type TrackedInput =
  | { X: MatrixLike; Y: TargetLike }
  | { oneHot: OneHotCodes; Y: TargetLike }
  | { gram: MatrixLike; norms: ArrayLike<number>; Y: TargetLike };

/** What keptState() returns: the kept pair without M (featureMatrix()), as float64 copies. */
export interface KeptState {
  /** t of the kept pair (M_t, alpha_t); 0 is the plain kernel, M = I. */
  iteration: number;
  /** alpha_t (n x c): f(z) = sum_i alpha_i exp(-(||z - x_i||_M / L)^q). */
  alpha: Matrix;
  /** ||x_i||_M^2 of the training points under M_t, the diagonal of X M_t X'. */
  norms: Float64Array;
}

export type RFMEvent =
  | { type: 'form'; choice: FormChoice }
  | { type: 'jitter'; iteration: number; jitter: number; size: number; message: string }
  | { type: 'iteration'; record: IterationRecord }
  | { type: 'done'; summary: FitSummary };

export interface RFMFitOptions {
  /** Selects the kept iteration (and fits the softmax temperature for classification). */
  validation?: TrackedInput;
  /** Records test metrics every iteration (off by default: it costs a prediction per iteration). */
  test?: TrackedInput;
  /**
   * Chooses the kept iteration (and drives early stopping) by this function of the validation predictions instead
   * of MSE or accuracy; lower is better (e.g. a calibrated negative log-likelihood). It gets the scores (m x c,
   * float64; for classification one column per class of `classes`) and the targets as encoded (class indices in
   * `labels`); its value is recorded as `validation.score` in the history.
   */
  validationScore?: (scores: Matrix, targets: EncodedTargets) => number;
  onIteration?: (record: IterationRecord, model: RFM) => void;
  onEvent?: (event: RFMEvent) => void;
}

interface RFMState {
  task: Task;
  classes?: number[];
  c: number;
  /** d, or undefined for a Gram fit without `features`. */
  features?: number;
  gramOnly: boolean;
  best?: FittedState;
  resolveBest?: () => Promise<FittedState>;
  baseline: FittedState;
  temperature: number;
  temperatureSource: 'validation' | 'default (no validation data)';
  history: IterationRecord[];
  summary: FitSummary;
  profile: Profile;
}

const OPTION_KEYS = [
  'kernel',
  'bandwidth',
  'ridge',
  'iterations',
  'diagonal',
  'centering',
  'normalization',
  'agopSampleSize',
  'earlyStopping',
  'form',
  'dtype',
  'seed',
  'task',
  'onIteration',
] as const;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function isGramInput(x: unknown): x is GramInput {
  return typeof x === 'object' && x !== null && !(x instanceof Matrix) && 'gram' in x;
}

function isOneHotInput(x: unknown): x is OneHotInput {
  return typeof x === 'object' && x !== null && !(x instanceof Matrix) && 'oneHot' in x;
}

/** A copy of the points as Features in float64 (the model keeps them, and must not see later edits by the caller). */
function toFeatures(x: PointsInput, name: string): Features {
  if (isOneHotInput(x)) {
    checkOptions(`RFM: ${name}`, x, ['oneHot']);
    checkOptions(`RFM: ${name}.oneHot`, x.oneHot, ['codes', 'width', 'vocabulary']);
    return OneHotFeatures.fromCodes(x.oneHot, `${name}.oneHot`);
  }
  return new DenseFeatures(copyFeatures(x, name, 'float64'));
}

function checkFeatureCount(z: Features, d: number, name: string): void {
  if (z.cols !== d) throw new ShapeError(`the model was fit on ${d} features, ${name} has ${z.cols}`);
}

function checkRowCount(rows: number, y: Matrix, xName: string, yName: string): void {
  if (rows !== y.rows) throw new ShapeError(`${xName} has ${rows} rows but ${yName} has ${y.rows}: they must match`);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (!allowed.includes(value as T)) throw new OptionError(`${what} must be one of ${allowed.join(', ')}, got ${String(value)}`);
  return value as T;
}

interface ParsedTracked {
  name: 'validation' | 'test';
  targets: EncodedTargets;
  points: TrackedPoints;
  z?: Features;
}

export class RFM {
  readonly kernel: 'laplace' | 'gaussian';
  readonly bandwidth: number;
  readonly ridge: number;
  readonly iterations: number;
  readonly diagonal: boolean;
  readonly centering: boolean;
  readonly normalization: Normalization;
  readonly agopSampleSize?: number;
  readonly earlyStopping?: { patience: number; tolerance: number };
  readonly form: 'auto' | Form;
  readonly dtype: DType;
  readonly seed: number;
  readonly task: 'auto' | Task;
  readonly onIteration?: (record: IterationRecord, model: RFM) => void;
  private state?: RFMState;

  constructor(options: RFMOptions = {}) {
    checkOptions('RFM', options, OPTION_KEYS);
    this.kernel = oneOf(options.kernel ?? 'laplace', ['laplace', 'gaussian'] as const, 'RFM: kernel (the L1 Laplacian has no M-norm form; use KernelRegressor)');
    this.bandwidth = checkBandwidth(options.bandwidth ?? 10, 'RFM');
    this.ridge = checkRidge(options.ridge ?? 1e-3, 'RFM');
    const T = options.iterations ?? 10;
    if (!Number.isInteger(T) || T < 0) throw new OptionError(`RFM: iterations (T) must be an integer >= 0, got ${String(T)}`);
    this.iterations = T;
    this.diagonal = options.diagonal ?? false;
    this.centering = options.centering ?? false;
    if (typeof this.diagonal !== 'boolean' || typeof this.centering !== 'boolean') throw new OptionError('RFM: diagonal and centering must be booleans');
    this.normalization = oneOf(options.normalization ?? 'none', ['none', 'max', 'trace'] as const, 'RFM: normalization');
    if (options.agopSampleSize !== undefined && !(Number.isInteger(options.agopSampleSize) && options.agopSampleSize >= 1)) {
      throw new OptionError(`RFM: agopSampleSize must be a positive integer, got ${String(options.agopSampleSize)}`);
    }
    this.agopSampleSize = options.agopSampleSize;
    if (options.earlyStopping !== undefined) {
      checkOptions('RFM: earlyStopping', options.earlyStopping, ['patience', 'tolerance']);
      const { patience, tolerance = 0 } = options.earlyStopping;
      if (!Number.isInteger(patience) || patience < 1) throw new OptionError(`RFM: earlyStopping.patience must be an integer >= 1, got ${String(patience)}`);
      if (!(tolerance >= 0)) throw new OptionError(`RFM: earlyStopping.tolerance must be >= 0, got ${String(tolerance)}`);
      this.earlyStopping = { patience, tolerance };
    }
    this.form = oneOf(options.form ?? 'auto', ['auto', 'primal', 'dual', 'dual-q'] as const, 'RFM: form');
    this.dtype = oneOf(options.dtype ?? 'float64', ['float64', 'float32'] as const, 'RFM: dtype');
    this.seed = options.seed ?? 0;
    if (!Number.isFinite(this.seed)) throw new OptionError(`RFM: seed must be a finite number, got ${String(this.seed)}`);
    this.task = oneOf(options.task ?? 'auto', ['auto', 'regression', 'classification'] as const, 'RFM: task');
    if (this.diagonal && (this.form === 'dual' || this.form === 'dual-q')) throw new OptionError(`RFM: a diagonal M needs the primal form, not '${this.form}'`);
    if (this.normalization === 'max' && (this.form === 'dual' || this.form === 'dual-q')) throw new OptionError(`RFM: max-normalisation needs the primal form, not '${this.form}'`);
    this.onIteration = options.onIteration;
  }

  /** The hyperparameters (scikit-learn's get_params), serialisable. */
  getParams(): Omit<RFMOptions, 'onIteration'> {
    return {
      kernel: this.kernel,
      bandwidth: this.bandwidth,
      ridge: this.ridge,
      iterations: this.iterations,
      diagonal: this.diagonal,
      centering: this.centering,
      normalization: this.normalization,
      agopSampleSize: this.agopSampleSize,
      earlyStopping: this.earlyStopping,
      form: this.form,
      dtype: this.dtype,
      seed: this.seed,
      task: this.task,
    };
  }

  private productKernel(): ProductKernel {
    return productKernel(this.kernel, this.bandwidth);
  }

  private fitted(): RFMState {
    if (!this.state) throw new OptionError('this RFM is not fitted yet: call `await rfm.fit(X, Y)` first');
    return this.state;
  }

  get isFitted(): boolean {
    return this.state !== undefined;
  }

  /** One record per fitted iteration t = 0, 1, ... (t = 0 is the plain kernel, the baseline). */
  get history(): IterationRecord[] {
    return this.fitted().history.slice();
  }

  get summary(): FitSummary {
    return this.fitted().summary;
  }

  get bestIteration(): number {
    return this.fitted().summary.bestIteration;
  }

  /** Seconds and flops per step of the last fit (GFLOPS of the dominant products). */
  get profile(): Profile {
    return this.fitted().profile;
  }

  get classes(): number[] | undefined {
    return this.fitted().classes?.slice();
  }

  async fit(X: PointsInput | GramInput, Y: TargetLike, options: RFMFitOptions = {}): Promise<this> {
    checkOptions('RFM.fit', options, ['validation', 'test', 'validationScore', 'onIteration', 'onEvent']);
    const started = performance.now();
    const gramOnly = isGramInput(X);
    let x64: Features | undefined;
    let gram64: Matrix | undefined;
    let features: number | undefined;
    if (gramOnly) {
      checkOptions('RFM.fit: Gram input', X, ['gram', 'features']);
      gram64 = copyFeatures(X.gram, 'gram', 'float64');
      if (gram64.rows !== gram64.cols) throw new ShapeError(`gram must be n x n (X X'), got ${gram64.rows} x ${gram64.cols}`);
      features = X.features;
      if (features !== undefined && !(Number.isInteger(features) && features > 0)) throw new OptionError(`features must be a positive integer, got ${String(features)}`);
    } else {
      x64 = toFeatures(X as PointsInput, 'X');
      features = x64.cols;
    }
    const n = x64 ? x64.rows : gram64!.rows;
    const task = resolveTask(this.task, Y);
    const classes = task === 'classification' ? sortedClasses(labelsOf(Y, 'Y'), ...(options.validation ? [labelsOf(options.validation.Y, 'validation Y')] : [])) : undefined;
    const targets = encodeTargets(Y, task, classes, 'Y');
    checkRowCount(n, targets.y, gramOnly ? 'gram' : 'X', 'Y');
    const c = targets.y.cols;
    const tracked: ParsedTracked[] = [];
    for (const name of ['validation', 'test'] as const) {
      const input = options[name];
      if (input !== undefined) tracked.push(this.parseTracked(input, name, task, classes, c, n, x64));
    }
    const validation = tracked.find((t) => t.name === 'validation');
    if (this.earlyStopping && !validation) throw new OptionError('RFM: earlyStopping needs validation data (fit(X, Y, { validation: { X, Y } }))');
    if (options.validationScore !== undefined && (typeof options.validationScore !== 'function' || !validation)) {
      throw new OptionError('RFM.fit: validationScore must be a function, and needs validation data');
    }
    const sample = Math.min(this.agopSampleSize ?? n, n);
    const choice = chooseForm(
      {
        n,
        d: features,
        c,
        sample,
        tracked: tracked.reduce((a, t) => a + t.points.rows, 0),
        iterations: this.iterations,
        dtype: this.dtype,
        diagonal: this.diagonal,
        normalization: this.normalization,
        gramOnly,
        oneHotWidth: x64?.oneHotWidth,
      },
      this.form,
    );
    options.onEvent?.({ type: 'form', choice });
    const dtype = choice.dtype;
    const backend = await backendFor(dtype);
    const profile = new Profile();
    const rng = new Rng(this.seed);
    const perm = Int32Array.from({ length: n }, (_, i) => i);
    let iteration = 0;
    const setup: EngineSetup = {
      backend,
      dtype,
      kernel: this.productKernel(),
      ridge: this.ridge,
      y: targets.y.astype(dtype),
      tracked: [],
      sample: () => (sample >= n ? null : rng.shuffle(perm).slice(0, sample).sort()),
      centering: this.centering,
      normalization: this.normalization,
      diagonal: this.diagonal,
      gradients: choice.gradients,
      features,
      profile,
      onJitter: (jitter: number, failure: NotSPDError) =>
        options.onEvent?.({ type: 'jitter', iteration, jitter, size: n, message: `${failure.message}; retrying with jitter ${jitter.toExponential(2)}` }),
    };
    // Validation and test points are stacked into one block: one pair of products per iteration instead of two.
    const trackedRows = tracked.reduce((a, t) => a + t.points.rows, 0);
    let engine: Engine;
    if (choice.form === 'primal') {
      if (trackedRows > 0) setup.tracked = [{ z: stackFeatures(tracked.map((t) => t.z!)).astype(dtype), rows: trackedRows }];
      engine = new PrimalEngine(setup, x64!.astype(dtype));
    } else {
      // Gram matrices from X in the run dtype (float32 runs keep G in float64 only if it was given; the rebuild of
      // C for new points forms it from X when first needed).
      const xRun = x64?.astype(dtype);
      const gramRun = gram64 ?? (await profile.time("Gram X X'", flopsOf(xRun!, n * n * features!), () => xRun!.gram()));
      if (trackedRows > 0) {
        let gram: Matrix;
        let norms: FloatArray;
        if (xRun) {
          const z = stackFeatures(tracked.map((t) => t.z!)).astype(dtype);
          const zDense = z.dense();
          gram = await profile.time("Gram X X'", flopsOf(xRun, 2 * z.rows * n * features!), () => xRun.crossProducts(zDense));
          norms = z.rowDots(zDense);
        } else {
          gram = vstack(tracked.map((t) => t.points.gram!));
          norms = Float64Array.from(tracked.flatMap((t) => Array.from(t.points.norms!)));
        }
        setup.tracked = [{ gram, norms, rows: trackedRows }];
      }
      const data = { x: x64, gram: gramRun.dtype === 'float64' ? gramRun : gram64 };
      engine = choice.form === 'dual-q' ? new DualQEngine(setup, gramRun, data) : new DualSEngine(setup, gramRun, data);
    }

    const history: IterationRecord[] = [];
    let best = -1;
    let bestMetrics: Metrics | undefined;
    let bestValidationScores: Matrix | undefined;
    const stopper = this.earlyStopping ? new EarlyStopper(this.earlyStopping.patience, this.earlyStopping.tolerance, task) : undefined;
    let stopReason = 'completed all iterations';
    const onIteration = options.onIteration ?? this.onIteration;
    for (let t = 0; t <= this.iterations; t++) {
      iteration = t;
      const t0 = performance.now();
      const jitter = await engine.solve();
      const train = this.trainMetrics(targets, engine.alpha, this.ridge + jitter);
      const scores: Array<Metrics | null> = [null, null];
      let validationScores: Matrix | undefined;
      if (trackedRows > 0) {
        const pred = (await engine.predict(0)).astype('float64');
        let start = 0;
        for (const t of tracked) {
          const part = rowBlock(pred, start, t.points.rows);
          start += t.points.rows;
          const metrics = metricsOf(part, t.targets);
          if (t.name === 'validation') {
            validationScores = part;
            if (options.validationScore) {
              const score = options.validationScore(part, t.targets);
              if (typeof score !== 'number' || Number.isNaN(score)) throw new OptionError(`RFM.fit: validationScore returned ${String(score)} at iteration ${iteration}`);
              metrics.score = score;
            }
          }
          scores[t.name === 'validation' ? 0 : 1] = metrics;
        }
      }
      const val = scores[0];
      if (!val || !bestMetrics || isBetter(val, bestMetrics, task)) {
        best = t;
        bestMetrics = val ?? undefined;
        engine.keepBest(t);
        if (task === 'classification' && validationScores) bestValidationScores = validationScores.clone();
      }
      const stop = val !== null && stopper !== undefined && stopper.update(val);
      if (stop) stopReason = `early stopping: no relative improvement above ${this.earlyStopping!.tolerance} for ${this.earlyStopping!.patience} iterations`;
      if (t < this.iterations && !stop) await engine.update(t);
      const record: IterationRecord = {
        iteration: t,
        form: choice.form,
        dtype,
        seconds: (performance.now() - t0) / 1000,
        jitter,
        train,
        validation: val,
        test: scores[1],
      };
      history.push(record);
      options.onEvent?.({ type: 'iteration', record });
      onIteration?.(record, this);
      await yieldToEventLoop();
      if (stop) break;
    }

    let temperature = 1;
    let temperatureSource: RFMState['temperatureSource'] = 'default (no validation data)';
    if (task === 'classification' && validation && bestValidationScores) {
      temperature = fitTemperature(bestValidationScores, validation.targets.labels!);
      temperatureSource = 'validation';
    }
    const summary: FitSummary = {
      form: choice.form,
      dtype,
      requestedDtype: this.dtype,
      gradients: choice.gradients,
      reason: choice.reason,
      candidates: choice.candidates,
      task,
      metric: options.validationScore ? 'validation score (lower is better)' : task === 'classification' ? 'accuracy (ties broken by mse)' : 'mse',
      selection: validation ? 'best validation metric' : 'last iteration (no validation data)',
      bestIteration: best,
      iterationsRun: history.length,
      stopReason,
      agopSampleSize: sample,
      seconds: (performance.now() - started) / 1000,
      ...(task === 'classification' ? { temperature, temperatureSource } : {}),
    };
    this.state = {
      task,
      classes,
      c,
      features,
      gramOnly,
      resolveBest: engine.best(),
      baseline: engine.baseline(),
      temperature,
      temperatureSource,
      history,
      summary,
      profile,
    };
    // The primal pair is a snapshot already; only the dual forms defer building C.
    if (choice.form === 'primal') await this.materialize();
    options.onEvent?.({ type: 'done', summary });
    return this;
  }

  private parseTracked(input: TrackedInput, name: 'validation' | 'test', task: Task, classes: number[] | undefined, c: number, n: number, x64?: Features): ParsedTracked {
    if (typeof input !== 'object' || input === null) throw new ShapeError(`${name} must be { X, Y }, { oneHot, Y } (or { gram, norms, Y } for a Gram fit)`);
    const targets = encodeTargets(input.Y, task, classes, `${name} Y`);
    if (targets.y.cols !== c) throw new ShapeError(`${name} Y has ${targets.y.cols} outputs, Y has ${c}`);
    if ('X' in input || 'oneHot' in input) {
      checkOptions(`RFM.fit: ${name}`, input, ['X' in input ? 'X' : 'oneHot', 'Y']);
      if (!x64) throw new ShapeError(`the model is fit from Gram matrices, so ${name} must be { gram: Z X' (m x n), norms: ||z||^2, Y }`);
      const z = toFeatures('X' in input ? input.X : { oneHot: input.oneHot }, `${name} X`);
      checkFeatureCount(z, x64.cols, `${name} X`);
      checkRowCount(z.rows, targets.y, `${name} X`, `${name} Y`);
      return { name, targets, points: { rows: z.rows }, z };
    }
    checkOptions(`RFM.fit: ${name}`, input, ['gram', 'norms', 'Y']);
    if (x64) throw new ShapeError(`the model is fit from X, so ${name} must be { X, Y } or { oneHot, Y }`);
    const gram = copyFeatures(input.gram, `${name} gram`, 'float64');
    if (gram.cols !== n) throw new ShapeError(`${name} gram must have one column per training point (${n}), got ${gram.cols}`);
    checkRows(gram, targets.y, `${name} gram`, `${name} Y`);
    const norms = Float64Array.from(input.norms);
    if (norms.length !== gram.rows) throw new ShapeError(`${name} norms has ${norms.length} entries, ${name} gram has ${gram.rows} rows`);
    assertFinite(norms, `${name} norms`);
    return { name, targets, points: { rows: gram.rows, gram, norms } };
  }

  private trainMetrics(targets: EncodedTargets, alpha: Matrix, shift: number): Metrics {
    // (K + shift I) alpha = Y, so the training predictions K alpha are Y - shift alpha, free of charge.
    const pred = targets.y.clone();
    for (let i = 0; i < pred.data.length; i++) pred.data[i] -= shift * alpha.data[i];
    return metricsOf(pred, targets);
  }

  /** Builds the kept iteration's state now (the dual forms build C on first use); needed before toJSON. */
  async materialize(): Promise<this> {
    const s = this.fitted();
    if (!s.best) {
      s.best = await s.resolveBest!();
      s.resolveBest = undefined;
    }
    return this;
  }

  /**
   * The kept pair without M, synchronously, as float64 copies. With featureMatrix() (M_t) this is all that
   * f(z) = sum_i alpha_i exp(-(||z - x_i||_M / L)^q) needs, so a synchronous caller (the text models' scorers) can
   * evaluate the model itself. The dual forms build the kept state on first use: await materialize() (or any
   * predict) first.
   */
  keptState(): KeptState {
    const s = this.fitted();
    if (!s.best) throw new OptionError('call `await rfm.materialize()` (or predict once) before keptState: the dual forms build the kept state on first use');
    const { alpha, norms } = s.best;
    return { iteration: s.summary.bestIteration, alpha: new Matrix(alpha.rows, alpha.cols, Float64Array.from(alpha.data)), norms: Float64Array.from(norms) };
  }

  private async model(baseline: boolean | undefined): Promise<FittedState> {
    const s = this.fitted();
    if (baseline) return s.baseline;
    await this.materialize();
    return s.best!;
  }

  /**
   * f(X) of the kept iteration (n x c; one score column per class for classification), or of iteration 0 (the plain
   * kernel) with `{ baseline: true }`.
   */
  async predict(X: PointsInput, options: { baseline?: boolean } = {}): Promise<Matrix> {
    checkOptions('RFM.predict', options, ['baseline']);
    const s = this.fitted();
    if (s.gramOnly) throw new OptionError('this RFM was fit from Gram matrices: use predictFromGram(Z X\', ||z||^2)');
    const z = toFeatures(X, 'X');
    checkFeatureCount(z, s.features!, 'X');
    const m = await this.model(options.baseline);
    if (m.kind === 'primal') return predictPrimal(m, z, this.productKernel());
    const zDense = z.dense();
    return predictDual(await backendFor('float64'), m, await m.data.x!.crossProducts(zDense), z.rowDots(zDense), this.productKernel());
  }

  /** f for points given by their cross products with the training points (m x n) and squared norms (dual forms). */
  async predictFromGram(gram: MatrixLike, norms: ArrayLike<number>, options: { baseline?: boolean } = {}): Promise<Matrix> {
    checkOptions('RFM.predictFromGram', options, ['baseline']);
    const m = await this.model(options.baseline);
    if (m.kind !== 'dual') throw new OptionError('this RFM ran in the primal form: use predict(X)');
    const g = copyFeatures(gram, 'gram', 'float64');
    const z = Float64Array.from(norms);
    assertFinite(z, 'norms');
    return predictDual(await backendFor('float64'), m, g, z, this.productKernel());
  }

  private async scoresFor(X: PointsInput | { gram: MatrixLike; norms: ArrayLike<number> }): Promise<Matrix> {
    return isGramInput(X) ? this.predictFromGram(X.gram, (X as { norms: ArrayLike<number> }).norms) : this.predict(X as PointsInput);
  }

  async predictLabels(X: PointsInput | { gram: MatrixLike; norms: ArrayLike<number> }): Promise<number[]> {
    const s = this.fitted();
    if (s.task !== 'classification') throw new OptionError('predictLabels is for classification; this RFM is a regressor');
    return Array.from(argmaxRows(await this.scoresFor(X)), (i) => s.classes![i]);
  }

  /** softmax(f / tau) with tau fitted on the validation data given to fit (tau = 1 without it; see summary). */
  async predictProba(X: PointsInput | { gram: MatrixLike; norms: ArrayLike<number> }): Promise<Matrix> {
    const s = this.fitted();
    if (s.task !== 'classification') throw new OptionError('predictProba is for classification; this RFM is a regressor');
    return softmaxRows(await this.scoresFor(X), s.temperature);
  }

  /** R^2 (uniform over outputs) for regression, accuracy for classification: higher is better, as in scikit-learn. */
  async score(X: PointsInput, Y: TargetLike): Promise<number> {
    const s = this.fitted();
    const t = encodeTargets(Y, s.task, s.classes, 'Y');
    const pred = await this.predict(X);
    checkRows(pred, t.y, 'X', 'Y');
    return t.labels ? accuracy(pred, t.labels) : r2Score(pred, t.y);
  }

  /** Mean squared error of the kept iteration on (X, Y), the regression metric of the history. */
  async mse(X: PointsInput, Y: TargetLike): Promise<number> {
    const s = this.fitted();
    const t = encodeTargets(Y, s.task, s.classes, 'Y');
    return meanSquaredError(await this.predict(X), t.y);
  }

  /** The learned feature matrix M (d x d, float64) of the kept iteration; formed from C in the dual forms. */
  async featureMatrix(): Promise<Matrix> {
    return materializeMetric(await this.model(false));
  }

  /** C with M = X' C X (dual forms), or null when the kept iteration is 0 (M = I). */
  async dualCoefficients(): Promise<Matrix | null> {
    const m = await this.model(false);
    if (m.kind !== 'dual') throw new OptionError('this RFM ran in the primal form: its M is featureMatrix()');
    return m.coef;
  }

  /** Gradients of each output of the kept predictor at the given points (one m x d matrix per output). */
  async gradients(X: PointsInput): Promise<Matrix[]> {
    const s = this.fitted();
    if (s.gramOnly) throw new OptionError('gradients need X; this RFM was fit from Gram matrices');
    const m = await this.model(false);
    const points = toFeatures(X, 'X');
    checkFeatureCount(points, s.features!, 'X');
    const z = points.astype(m.kind === 'primal' ? m.x.dtype : 'float64').dense();
    if (m.kind === 'primal') return predictorGradients(await backendFor(m.x.dtype), z, m.x.dense(), m.metric, m.alpha, m.norms, this.productKernel());
    const metric = await materializeMetric(m);
    return predictorGradients(await backendFor('float64'), z, m.data.x!.dense(), { kind: 'full', matrix: metric }, m.alpha, m.norms, this.productKernel());
  }

  /**
   * A JSON-able object (numeric arrays as base64 little-endian bytes) from which `RFM.fromJSON` restores a model that
   * predicts: the hyperparameters, history, training points (or Gram matrix), the kept pair and the baseline.
   * Dual-form models must be materialised first (`await rfm.materialize()`, or any predict).
   */
  toJSON(): object {
    const s = this.fitted();
    if (!s.best) throw new OptionError('call `await rfm.materialize()` (or predict once) before toJSON: the dual forms build C on first use');
    return {
      format: 'rfm-lab/rfm',
      version: 1,
      params: this.getParams(),
      task: s.task,
      classes: s.classes,
      c: s.c,
      features: s.features,
      gramOnly: s.gramOnly,
      temperature: s.temperature,
      temperatureSource: s.temperatureSource,
      history: s.history,
      summary: s.summary,
      model: encodeFitted(s.best),
      baseline: encodeFitted(s.baseline, s.best),
    };
  }

  /** The same content as toJSON in the binary container of kernels/serialize.ts (for large models). */
  toBinary(): Uint8Array {
    return packBinary(this.toJSON());
  }

  static fromJSON(json: string | object): RFM {
    const o = (typeof json === 'string' ? JSON.parse(json) : json) as Record<string, unknown>;
    if (o.format !== 'rfm-lab/rfm') throw new ShapeError(`not a serialised RFM (format ${String(o.format)})`);
    const model = new RFM(o.params as RFMOptions);
    const best = decodeFitted(o.model as object);
    model.state = {
      task: o.task as Task,
      classes: o.classes as number[] | undefined,
      c: o.c as number,
      features: o.features as number | undefined,
      gramOnly: o.gramOnly as boolean,
      best,
      baseline: decodeFitted(o.baseline as object, best),
      temperature: o.temperature as number,
      temperatureSource: o.temperatureSource as RFMState['temperatureSource'],
      history: o.history as IterationRecord[],
      summary: o.summary as FitSummary,
      profile: new Profile(),
    };
    return model;
  }

  static fromBinary(bytes: Uint8Array): RFM {
    return RFM.fromJSON(unpackBinary(bytes) as object);
  }
}

function vstack(ms: Matrix[]): Matrix {
  const out = new Matrix(ms.reduce((a, m) => a + m.rows, 0), ms[0].cols, ms[0].dtype);
  let off = 0;
  for (const m of ms) {
    out.data.set(m.data, off);
    off += m.data.length;
  }
  return out;
}

function rowBlock(m: Matrix, start: number, rows: number): Matrix {
  return new Matrix(rows, m.cols, m.data.slice(start * m.cols, (start + rows) * m.cols));
}

function metricsOf(pred: Matrix, targets: EncodedTargets): Metrics {
  const mse = meanSquaredError(pred, targets.y);
  return targets.labels ? { mse, accuracy: accuracy(pred, targets.labels) } : { mse };
}
