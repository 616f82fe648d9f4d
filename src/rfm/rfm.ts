import { NotFittedError, OptionError } from '../core/errors';
import { checkOptions } from '../core/options';
import { oneOf } from '../core/validate';
import { throwIfAborted, yieldToEventLoop } from '../core/async';
import { FitGuard } from '../core/fit-guard';
import { StageTimer } from '../core/timer';
import { DType, Matrix, MatrixLike, assertFinite } from '../linalg/matrix';
import { backendFor } from '../linalg/registry';
import { predictorGradients } from '../kernels/gradients';
import { checkFeatureCount, copyFeatures, checkRows } from '../kernels/inputs';
import { ProductKernel, checkBandwidth, checkRidge, productKernel } from '../kernels/kernel';
import { EncodedTargets, Task, TargetLike, encodeTargets } from '../kernels/targets';
import { accuracy, argmaxRows } from '../metrics/classification';
import { meanSquaredError, r2Score } from '../metrics/regression';
import { fitTemperature, softmaxRows } from '../kernels/temperature';
import type { NystromProgress } from '../kernels/nystrom';
import { NystromOptions, SolverName, checkNystromOptions, checkSolverName } from '../kernels/solver-choice';
import { Form, FormChoice, Normalization } from './cost-model';
import { FittedState, materializeMetric, predictDual, predictPrimal } from './fitted';
import { BoundedHistory, FitSummary, IterationRecord } from './history';
import {
  FitInputs,
  GramInput,
  GramPoints,
  PointsInput,
  TrackedInput,
  isGramInput,
  parseFitInputs,
  toFeatures,
} from './inputs';
import { NystromEngine } from './nystrom-engine';
import { predictBlockRows, predictInBlocks } from '../kernels/predict-blocks';
import type { Features } from './features';
import { Profile } from './profile';
import { KeptIteration, scoreTestAfterFit, scoreTracked, trainMetrics, trainMetricsOn } from './selection';
import { DegenerateIteration, engineChecks, unlessDegenerate } from './degeneracy';
import { checkPositiveSemidefinite, largestMagnitude } from '../kernels/kernel-checks';
import { decodeRFM, encodeRFM } from './serialize';
import { EngineRun, EngineSettings, startEngine } from './setup';
import { PendingState, RFMState, ReadyState, TemperatureSource } from './state';
import { toJSONArrays } from '../kernels/serialize';
import { packBinary, readModelFile, unpackBinary, writeModelFile } from '../kernels/model-file';

export type { GramInput, OneHotInput, PointsInput, TrackedInput } from './inputs';

/**
 * The Recursive Feature Machine (docs/rfm-math.md section 3): alternate kernel ridge regression with the kernel
 * exp(-(||x - z||_M / L)^q) and M <- AGOP of the fitted predictor. The model of iteration t is the pair
 * (M_t, alpha_t); the kept one is the best by validation metric (MSE for regression, accuracy with ties broken by MSE
 * for classification), or the last without validation data. Iteration 0 (M = I) is the plain kernel machine: the
 * baseline, kept as well (`predict(X, { baseline: true })`, `history[0]`).
 *
 * The iteration runs in one of three forms chosen by cost-model.ts: primal (M is d x d), dual-q and dual (M = X'CX
 * with C n x n, cheaper when d > n). Gram matrices can be supplied instead of X (`fit({ gram }, Y, ...)`), which
 * uses a dual form. One-hot X can be given by its integer codes (`fit({ oneHot: { codes, width, vocabulary } }, Y)`,
 * features.ts): the same iterates as its dense matrix, with the products with X done on the codes.
 * Files: inputs.ts parses what fit is given, setup.ts starts the engine of the chosen form, selection.ts picks the
 * kept iteration, state.ts is the fitted state, serialize.ts the JSON.
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
  /**
   * With `diagonal`: one weight per group of this many consecutive features, the mean of diag(AGOP) over the group.
   * For one-hot windows of V symbols, V gives one weight per context position (docs/text-rfm.md: the variant that
   * learns on text). d must be a multiple of it.
   */
  groupSize?: number;
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
  /** 'auto': classification when Y is an Int32Array of labels, regression otherwise (docs/reliability.md). */
  task?: 'auto' | Task;
  /**
   * 'exact' (the forms above); 'nystrom': kernel ridge regression on m centres each iteration and the AGOP of that
   * predictor on a seeded subsample of agopSampleSize points (default 2000), nystrom-engine.ts; 'auto' (default):
   * exact unless it would not fit in memory or would be too slow. `summary.solver` records the choice and why.
   */
  solver?: SolverName;
  /** The Nystrom solver's settings (centres m, sampling, direct or CG, block rows). */
  nystrom?: NystromOptions;
  onIteration?: (record: IterationRecord, model: RFM) => void;
}

export type RFMEvent =
  | { type: 'form'; choice: FormChoice }
  | { type: 'jitter'; iteration: number; jitter: number; size: number; message: string }
  | { type: 'iteration'; record: IterationRecord }
  /** The data's scale makes K(X, X) = I at iteration 0 (docs/reliability.md); the fit goes on. */
  | { type: 'warning'; iteration: number; message: string }
  /** The AGOP collapsed (all-zero or non-finite M) at `iteration`: the fit stopped and kept `kept`. */
  | { type: 'degenerate'; iteration: number; kept: number; message: string }
  | { type: 'done'; summary: FitSummary };

export interface RFMFitOptions {
  /** Selects the kept iteration (and fits the softmax temperature for classification). */
  validation?: TrackedInput;
  /**
   * Test points: scored once after the fit, by the kept iteration and by iteration 0 (the baseline), recorded as
   * `history[bestIteration].test` and `history[0].test` (the other records' `test` is null).
   */
  test?: TrackedInput;
  /**
   * Score the test points every iteration instead (every record's `test`), for plots of test error against t: it
   * costs a prediction per iteration (and, in the dual forms, the update of the test points' cross products).
   */
  testEveryIteration?: boolean;
  /**
   * Keep the history (per-iteration metrics, the kept iteration, the test metrics) and the baseline, but not the
   * kept iteration's model: its predictions, materialize and the metric then throw a NotFittedError. The dual Q
   * form's per-iteration W log, otherwise held to build the kept iteration's C for new points, goes back to the work
   * pool (matrix-pool.ts): ~6 MB per fit at n = 640 in float32 that a sweep reading only the metrics (the scaling
   * test) would allocate and collect anew every fit.
   */
  historyOnly?: boolean;
  /**
   * Chooses the kept iteration (and drives early stopping) by this function of the validation predictions instead
   * of MSE or accuracy; lower is better (e.g. a calibrated negative log-likelihood). It gets the scores (m x c,
   * float64; for classification one column per class of `classes`) and the targets as encoded (class indices in
   * `labels`); its value is recorded as `validation.score` in the history.
   */
  validationScore?: (scores: Matrix, targets: EncodedTargets) => number;
  onIteration?: (record: IterationRecord, model: RFM) => void;
  onEvent?: (event: RFMEvent) => void;
  /**
   * Checked between iterations (and, with the Nystrom solver, between blocks and CG iterations): aborting it ends
   * the fit with a CancelledError and leaves the model as it was.
   */
  signal?: AbortSignal;
  /** Nystrom solver: progress per block of K_nm and per CG iteration. */
  onProgress?: (progress: NystromProgress) => void;
}

const OPTION_KEYS = [
  'kernel',
  'bandwidth',
  'ridge',
  'iterations',
  'diagonal',
  'groupSize',
  'centering',
  'normalization',
  'agopSampleSize',
  'earlyStopping',
  'form',
  'dtype',
  'seed',
  'task',
  'solver',
  'nystrom',
  'onIteration',
] as const;

const FIT_OPTION_KEYS = [
  'validation',
  'test',
  'testEveryIteration',
  'historyOnly',
  'validationScore',
  'onIteration',
  'onEvent',
  'signal',
  'onProgress',
] as const;

/** X's largest |entry| for the data-scale messages (dense X only: a one-hot X is 0/1, a Gram fit has no X). */
function dataScale(inputs: FitInputs): number | undefined {
  const { train } = inputs;
  if (train.kind !== 'points' || train.x.oneHotWidth !== undefined) return undefined;
  return largestMagnitude(train.x.dense().data);
}

/** The kept model of a fit with `historyOnly`: there is none. */
function historyOnlyModel(): Promise<FittedState> {
  return Promise.reject(
    new NotFittedError(
      'this RFM was fitted with historyOnly: it kept the history, not the model; fit it without to predict',
    ),
  );
}

export class RFM {
  readonly kernel: 'laplace' | 'gaussian';
  readonly bandwidth: number;
  readonly ridge: number;
  readonly iterations: number;
  readonly diagonal: boolean;
  readonly groupSize?: number;
  readonly centering: boolean;
  readonly normalization: Normalization;
  readonly agopSampleSize?: number;
  readonly earlyStopping?: { patience: number; tolerance: number };
  readonly form: 'auto' | Form;
  readonly dtype: DType;
  readonly seed: number;
  readonly task: 'auto' | Task;
  readonly solver: SolverName;
  readonly nystrom?: NystromOptions;
  readonly onIteration?: (record: IterationRecord, model: RFM) => void;
  private state?: RFMState;
  private pendingBest?: Promise<ReadyState>;
  private readonly fitGuard = new FitGuard();

  constructor(options: RFMOptions = {}) {
    checkOptions('RFM', options, OPTION_KEYS);
    this.kernel = oneOf(
      'RFM: kernel (the L1 Laplacian has no M-norm form; use KernelRegressor)',
      options.kernel ?? 'laplace',
      ['laplace', 'gaussian'] as const,
    );
    this.bandwidth = checkBandwidth(options.bandwidth ?? 10, 'RFM');
    this.ridge = checkRidge(options.ridge ?? 1e-3, 'RFM');
    const T = options.iterations ?? 10;
    if (!Number.isInteger(T) || T < 0)
      throw new OptionError(`RFM: iterations (T) must be an integer >= 0, got ${String(T)}`);
    this.iterations = T;
    this.diagonal = options.diagonal ?? false;
    this.centering = options.centering ?? false;
    if (typeof this.diagonal !== 'boolean' || typeof this.centering !== 'boolean')
      throw new OptionError('RFM: diagonal and centering must be booleans');
    if (options.groupSize !== undefined) {
      if (!(Number.isInteger(options.groupSize) && options.groupSize >= 1))
        throw new OptionError(`RFM: groupSize must be a positive integer, got ${String(options.groupSize)}`);
      if (!this.diagonal)
        throw new OptionError('RFM: groupSize ties the weights of a diagonal M: set diagonal: true with it');
    }
    this.groupSize = options.groupSize;
    this.normalization = oneOf('RFM: normalization', options.normalization ?? 'none', [
      'none',
      'max',
      'trace',
    ] as const);
    if (
      options.agopSampleSize !== undefined &&
      !(Number.isInteger(options.agopSampleSize) && options.agopSampleSize >= 1)
    ) {
      throw new OptionError(`RFM: agopSampleSize must be a positive integer, got ${String(options.agopSampleSize)}`);
    }
    this.agopSampleSize = options.agopSampleSize;
    if (options.earlyStopping !== undefined) {
      checkOptions('RFM: earlyStopping', options.earlyStopping, ['patience', 'tolerance']);
      const { patience, tolerance = 0 } = options.earlyStopping;
      if (!Number.isInteger(patience) || patience < 1)
        throw new OptionError(`RFM: earlyStopping.patience must be an integer >= 1, got ${String(patience)}`);
      if (!(tolerance >= 0))
        throw new OptionError(`RFM: earlyStopping.tolerance must be >= 0, got ${String(tolerance)}`);
      this.earlyStopping = { patience, tolerance };
    }
    this.form = oneOf('RFM: form', options.form ?? 'auto', ['auto', 'primal', 'dual', 'dual-q'] as const);
    this.dtype = oneOf('RFM: dtype', options.dtype ?? 'float64', ['float64', 'float32'] as const);
    this.seed = options.seed ?? 0;
    if (!Number.isSafeInteger(this.seed))
      throw new OptionError(`RFM: seed must be an integer, got ${String(this.seed)}`);
    this.task = oneOf('RFM: task', options.task ?? 'auto', ['auto', 'regression', 'classification'] as const);
    if (this.diagonal && (this.form === 'dual' || this.form === 'dual-q'))
      throw new OptionError(`RFM: a diagonal M needs the primal form, not '${this.form}'`);
    if (this.normalization === 'max' && (this.form === 'dual' || this.form === 'dual-q'))
      throw new OptionError(`RFM: max-normalisation needs the primal form, not '${this.form}'`);
    this.solver = checkSolverName(options.solver ?? 'auto', 'RFM');
    checkNystromOptions(options.nystrom, 'RFM');
    this.nystrom = options.nystrom === undefined ? undefined : { ...options.nystrom };
    if (this.solver === 'nystrom' && (this.form === 'dual' || this.form === 'dual-q')) {
      throw new OptionError(
        `RFM: the Nystrom iteration is a primal form (M is d x d): form '${this.form}' cannot be combined with solver 'nystrom'`,
      );
    }
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
      groupSize: this.groupSize,
      centering: this.centering,
      normalization: this.normalization,
      agopSampleSize: this.agopSampleSize,
      earlyStopping: this.earlyStopping,
      form: this.form,
      dtype: this.dtype,
      seed: this.seed,
      task: this.task,
      solver: this.solver,
      nystrom: this.nystrom,
    };
  }

  private productKernel(): ProductKernel {
    return productKernel(this.kernel, this.bandwidth);
  }

  private fitted(): RFMState {
    if (!this.state) throw new NotFittedError('this RFM is not fitted yet: call `await rfm.fit(X, Y)` first');
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

  /**
   * Fits iterations t = 0..T (fewer with early stopping) and keeps the best. The model changes only when the fit
   * completes: an error or a cancelled `signal` leaves the previous fit (or none) in place. A second fit while one
   * runs is rejected with a ConcurrentFitError (docs/reliability.md).
   */
  fit(X: PointsInput | GramInput, Y: TargetLike, options: RFMFitOptions = {}): Promise<this> {
    return this.fitGuard.run('RFM.fit', () => this.fitOnce(X, Y, options));
  }

  private async fitOnce(X: PointsInput | GramInput, Y: TargetLike, options: RFMFitOptions): Promise<this> {
    checkOptions('RFM.fit', options, FIT_OPTION_KEYS);
    throwIfAborted(options.signal, 'RFM.fit');
    const timer = new StageTimer();
    const inputs = parseFitInputs(X, Y, options, this.task);
    this.checkFitOptions(inputs, options);
    if (inputs.train.kind === 'gram')
      await checkPositiveSemidefinite(await backendFor('float64'), inputs.train.gram, 'RFM.fit: gram');
    const run = await startEngine(
      inputs,
      {
        ...this.engineSettings(options.testEveryIteration !== true),
        signal: options.signal,
        onProgress: options.onProgress,
      },
      (iteration, jitter, failure) =>
        options.onEvent?.({
          type: 'jitter',
          iteration,
          jitter,
          size: inputs.n,
          message: `${failure.message}; retrying with jitter ${jitter.toExponential(2)}`,
        }),
      (choice) => options.onEvent?.({ type: 'form', choice }),
      (iteration) =>
        engineChecks(
          iteration,
          this.bandwidth,
          () => dataScale(inputs),
          (message) => options.onEvent?.({ type: 'warning', iteration: 0, message }),
        ),
    );
    const kept = new KeptIteration(inputs.task, this.earlyStopping);
    const history = new BoundedHistory();
    const onIteration = options.onIteration ?? this.onIteration;
    for (let t = 0; t <= this.iterations; t++) {
      const { record, stop, degenerate } = await this.iterate(t, run, inputs, kept, options);
      if (record) {
        history.push(record, kept.best);
        options.onEvent?.({ type: 'iteration', record });
        onIteration?.(record, this);
      }
      if (degenerate) {
        kept.stopReason = `stopped: ${degenerate.message}; kept iteration ${kept.best}`;
        options.onEvent?.({
          type: 'degenerate',
          iteration: degenerate.iteration,
          kept: kept.best,
          message: kept.stopReason,
        });
        break;
      }
      await yieldToEventLoop(options.signal, 'RFM.fit');
      if (stop) break;
    }
    await scoreTestAfterFit(run, inputs, kept.best, history.records, options.testEveryIteration === true);
    const state = this.fittedState(inputs, run, kept, history, timer.elapsedSeconds(), options);
    // The state holds copies of what it needs: the engine's work buffers are reused by the next fit (matrix-pool.ts).
    run.engine.release?.(options.historyOnly === true);
    this.state = state;
    this.pendingBest = undefined;
    // The primal pair is a snapshot already; only the dual forms defer building C.
    if (run.choice.form === 'primal' && options.historyOnly !== true) await this.materialize();
    options.onEvent?.({ type: 'done', summary: state.summary });
    return this;
  }

  private engineSettings(deferTest: boolean): EngineSettings {
    const { ridge, iterations, diagonal, groupSize, centering, normalization, agopSampleSize, form, dtype, seed } =
      this;
    return {
      kernel: this.productKernel(),
      ridge,
      iterations,
      diagonal,
      groupSize,
      centering,
      normalization,
      agopSampleSize,
      form,
      dtype,
      seed,
      solver: this.solver,
      nystrom: this.nystrom,
      deferTest,
    };
  }

  private checkFitOptions(inputs: FitInputs, options: RFMFitOptions): void {
    const d = inputs.train.features;
    if (this.groupSize !== undefined && d !== undefined && d % this.groupSize !== 0) {
      throw new OptionError(`RFM: groupSize ${this.groupSize} does not divide the ${d} features into whole groups`);
    }
    if (this.earlyStopping && !inputs.validation) {
      throw new OptionError('RFM: earlyStopping needs validation data (fit(X, Y, { validation: { X, Y } }))');
    }
    for (const key of ['testEveryIteration', 'historyOnly'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean')
        throw new OptionError(`RFM.fit: ${key} must be a boolean, got ${String(options[key])}`);
    }
    if (
      options.validationScore !== undefined &&
      (typeof options.validationScore !== 'function' || !inputs.validation)
    ) {
      throw new OptionError('RFM.fit: validationScore must be a function, and needs validation data');
    }
  }

  /** Iteration t: solve for alpha_t, score it, keep it if best, and (unless it is the last) update M. */
  private async iterate(
    t: number,
    run: EngineRun,
    inputs: FitInputs,
    kept: KeptIteration,
    options: RFMFitOptions,
  ): Promise<{ record?: IterationRecord; stop: boolean; degenerate?: DegenerateIteration }> {
    const { engine } = run;
    run.iteration.current = t;
    const t0 = performance.now();
    const solved = await unlessDegenerate(() => engine.solve());
    if (solved.degenerate) return { stop: true, degenerate: solved.degenerate };
    const jitter = solved.value as number;
    // The exact forms' training predictions are free (K alpha = Y - lambda alpha); the Nystrom engine scores a subsample.
    const train = engine.trainScores
      ? trainMetricsOn(inputs.targets, await engine.trainScores())
      : trainMetrics(inputs.targets, engine.alpha, this.ridge + jitter);
    const scores =
      run.scored.length > 0
        ? scoreTracked((await engine.predict(0)).astype('float64'), run.scored, options.validationScore, t)
        : { validation: null, test: null, validationScores: undefined };
    if (kept.offer(t, scores.validation, scores.validationScores)) engine.keepBest(t);
    const stop = kept.shouldStop(scores.validation);
    const updated = t < this.iterations && !stop ? await unlessDegenerate(() => engine.update(t)) : {};
    const record: IterationRecord = {
      iteration: t,
      form: run.choice.form,
      dtype: run.dtype,
      seconds: (performance.now() - t0) / 1000,
      jitter,
      ...(engine instanceof NystromEngine && engine.lastSolution?.iterations !== undefined
        ? { cgIterations: engine.lastSolution.iterations }
        : {}),
      train,
      validation: scores.validation,
      test: scores.test,
    };
    return { record, stop: stop || updated.degenerate !== undefined, degenerate: updated.degenerate };
  }

  /** The fitted state after the loop: the temperature (classification with validation data) and the summary. */
  private fittedState(
    inputs: FitInputs,
    run: EngineRun,
    kept: KeptIteration,
    history: BoundedHistory,
    seconds: number,
    options: RFMFitOptions,
  ): PendingState {
    const { task, validation } = inputs;
    let temperature = 1;
    let temperatureSource: TemperatureSource = 'default (no validation data)';
    if (task === 'classification' && validation && kept.bestValidationScores) {
      temperature = fitTemperature(kept.bestValidationScores, validation.targets.labels as Int32Array).temperature;
      temperatureSource = 'validation';
    }
    const { choice } = run;
    const summary: FitSummary = {
      solver: run.solver,
      form: choice.form,
      dtype: run.dtype,
      requestedDtype: this.dtype,
      gradients: choice.gradients,
      reason: choice.reason,
      candidates: choice.candidates,
      task,
      metric: options.validationScore
        ? 'validation score (lower is better)'
        : task === 'classification'
          ? 'accuracy (ties broken by mse)'
          : 'mse',
      selection: validation ? 'best validation metric' : 'last iteration (no validation data)',
      bestIteration: kept.best,
      iterationsRun: history.count,
      historyDropped: history.dropped,
      stopReason: kept.stopReason,
      agopSampleSize: run.sample,
      seconds,
      ...(task === 'classification' ? { temperature, temperatureSource } : {}),
    };
    const { train } = inputs;
    return {
      kept: 'pending',
      resolveBest: options.historyOnly === true ? historyOnlyModel : run.engine.best(),
      task,
      classes: inputs.classes,
      c: inputs.c,
      input:
        train.kind === 'points'
          ? { kind: 'points', features: train.features }
          : { kind: 'gram', features: train.features },
      baseline: run.engine.baseline(),
      temperature,
      temperatureSource,
      history: history.records,
      summary,
      profile: run.profile,
    };
  }

  /** The fitted state with the kept iteration built (the dual forms build C on first use). */
  private async ready(): Promise<ReadyState> {
    const s = this.fitted();
    if (s.kept === 'ready') return s;
    // One build even when several predictions ask at once.
    this.pendingBest ??= s.resolveBest().then((best) => {
      const { resolveBest: _done, ...rest } = s;
      const ready: ReadyState = { ...rest, kept: 'ready', best };
      if (this.state === s) this.state = ready;
      return ready;
    });
    return this.pendingBest;
  }

  /** Builds the kept iteration's state now (the dual forms build C on first use); needed before toJSON. */
  async materialize(): Promise<this> {
    await this.ready();
    return this;
  }

  private async model(baseline: boolean | undefined): Promise<FittedState> {
    if (baseline) return this.fitted().baseline;
    return (await this.ready()).best;
  }

  /** The number of features d of a model fit from points (Gram fits have no X to predict from). */
  private pointFeatures(what: string, hint: string): number {
    const { input } = this.fitted();
    if (input.kind === 'gram') throw new OptionError(`${what}: this RFM was fit from Gram matrices: ${hint}`);
    return input.features;
  }

  /**
   * f(X) of the kept iteration (n x c; one score column per class for classification), or of iteration 0 (the plain
   * kernel) with `{ baseline: true }`.
   */
  async predict(X: PointsInput, options: { baseline?: boolean } = {}): Promise<Matrix> {
    checkOptions('RFM.predict', options, ['baseline']);
    const d = this.pointFeatures('RFM.predict', "use predictFromGram(Z X', ||z||^2)");
    const z = toFeatures(X, 'X');
    checkFeatureCount(z, d, 'X');
    const m = await this.model(options.baseline);
    const rows = predictBlockRows(m.alpha.rows, d);
    return predictInBlocks(z.rows, rows, m.alpha.cols, (start, count) =>
      this.predictBlock(m, count === z.rows ? z : z.select(Array.from({ length: count }, (_, i) => start + i))),
    );
  }

  private async predictBlock(m: FittedState, z: Features): Promise<Matrix> {
    if (m.kind === 'primal') return predictPrimal(m, z, this.productKernel());
    const zDense = z.dense();
    const x = m.data.x;
    if (!x) throw new OptionError("RFM.predict: the dual state has no X: use predictFromGram(Z X', ||z||^2)");
    return predictDual(
      await backendFor('float64'),
      m,
      await x.crossProducts(zDense),
      z.rowDots(zDense),
      this.productKernel(),
    );
  }

  /** f for points given by their cross products with the training points (m x n) and squared norms (dual forms). */
  async predictFromGram(
    gram: MatrixLike,
    norms: ArrayLike<number>,
    options: { baseline?: boolean } = {},
  ): Promise<Matrix> {
    checkOptions('RFM.predictFromGram', options, ['baseline']);
    const m = await this.model(options.baseline);
    if (m.kind !== 'dual') throw new OptionError('this RFM ran in the primal form: use predict(X)');
    const g = copyFeatures(gram, 'gram', 'float64');
    const z = Float64Array.from(norms);
    assertFinite(z, 'norms');
    return predictDual(await backendFor('float64'), m, g, z, this.productKernel());
  }

  private async scoresFor(X: PointsInput | GramPoints): Promise<Matrix> {
    return isGramInput(X) ? this.predictFromGram(X.gram, (X as GramPoints).norms) : this.predict(X as PointsInput);
  }

  private classifier(what: string): number[] {
    const s = this.fitted();
    if (s.task !== 'classification' || !s.classes)
      throw new OptionError(`${what} is for classification; this RFM is a regressor`);
    return s.classes;
  }

  async predictLabels(X: PointsInput | GramPoints): Promise<number[]> {
    const classes = this.classifier('predictLabels');
    return Array.from(argmaxRows(await this.scoresFor(X)), (i) => classes[i]);
  }

  /** softmax(f / tau) with tau fitted on the validation data given to fit (tau = 1 without it; see summary). */
  async predictProba(X: PointsInput | GramPoints): Promise<Matrix> {
    this.classifier('predictProba');
    return softmaxRows(await this.scoresFor(X), this.fitted().temperature);
  }

  /** R^2 (uniform over outputs) for regression, accuracy for classification: higher is better, as in scikit-learn. */
  async score(X: PointsInput, Y: TargetLike): Promise<number> {
    const t = this.encode(Y);
    const pred = await this.predict(X);
    checkRows(pred, t.y, 'X', 'Y');
    return t.labels ? accuracy(pred, t.labels) : r2Score(pred, t.y);
  }

  /** Mean squared error of the kept iteration on (X, Y), the regression metric of the history. */
  async mse(X: PointsInput, Y: TargetLike): Promise<number> {
    const t = this.encode(Y);
    return meanSquaredError(await this.predict(X), t.y);
  }

  private encode(Y: TargetLike): EncodedTargets {
    const s = this.fitted();
    return encodeTargets(Y, s.task, s.classes, 'Y');
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
    const d = this.pointFeatures('RFM.gradients', 'gradients need X');
    const m = await this.model(false);
    const points = toFeatures(X, 'X');
    checkFeatureCount(points, d, 'X');
    const z = points.astype(m.kind === 'primal' ? m.x.dtype : 'float64').dense();
    const kernel = this.productKernel();
    if (m.kind === 'primal')
      return predictorGradients(await backendFor(m.x.dtype), z, m.x.dense(), m.metric, m.alpha, m.norms, kernel);
    const x = m.data.x;
    if (!x) throw new OptionError('RFM.gradients: the dual state has no X');
    const metric = await materializeMetric(m);
    return predictorGradients(
      await backendFor('float64'),
      z,
      x.dense(),
      { kind: 'full', matrix: metric },
      m.alpha,
      m.norms,
      kernel,
    );
  }

  /** The model as an object with raw arrays (serialize.ts), what toJSON, toBinary and save write. */
  private modelObject(what: string): object {
    const s = this.fitted();
    if (s.kept !== 'ready') {
      throw new NotFittedError(
        `call \`await rfm.materialize()\` (or predict once) before ${what}: the dual forms build C on first use`,
      );
    }
    return encodeRFM(this.getParams(), s);
  }

  /**
   * A JSON-able object (numeric arrays as base64 little-endian bytes with a CRC-32 each; format version 2) from which
   * `RFM.fromJSON` restores a model that predicts: the hyperparameters, history, training points (or Gram matrix), the
   * kept pair and the baseline. Dual-form models must be materialised first (`await rfm.materialize()`, or any
   * predict). A model whose arrays exceed what a JavaScript string holds (512 MiB) gets a ModelFileError: use save.
   */
  toJSON(): object {
    return toJSONArrays(this.modelObject('toJSON'), 'RFM.toJSON');
  }

  /** The same content in the binary container of kernels/model-file.ts, in memory (save writes it in chunks). */
  toBinary(): Uint8Array {
    return packBinary(this.modelObject('toBinary'));
  }

  /**
   * Writes the model to a file path (through a temporary file, renamed when complete) or a writable stream, in the
   * binary container, chunk by chunk: any size of model, e.g. over 2 GB (docs/reliability.md).
   */
  async save(target: string | NodeJS.WritableStream): Promise<void> {
    await this.materialize();
    await writeModelFile(this.modelObject('save'), target);
  }

  /** Reads a model written by save (a path or a readable stream); a corrupted file is a ModelFileError. */
  static async load(source: string | NodeJS.ReadableStream): Promise<RFM> {
    return RFM.fromJSON((await readModelFile(source)) as object);
  }

  static fromJSON(json: string | object): RFM {
    const { params, state } = decodeRFM(json);
    const model = new RFM(params as RFMOptions);
    model.state = state;
    return model;
  }

  static fromBinary(bytes: Uint8Array): RFM {
    return RFM.fromJSON(unpackBinary(bytes) as object);
  }
}
