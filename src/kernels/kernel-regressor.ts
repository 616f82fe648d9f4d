import type { Backend } from '../linalg/backend';
import { NotFittedError, NotSPDError, OptionError, ShapeError, DataError, ModelFileError } from '../core/errors';
import { FitGuard } from '../core/fit-guard';
import { predictBlockRows, predictInBlocks } from './predict-blocks';
import { checkOptions } from '../core/options';
import { DType, FloatArray, Matrix, MatrixLike, assertFinite, toMatrix } from '../linalg/matrix';
import { backendFor } from '../linalg/registry';
import { predictorGradients } from './gradients';
import { checkFeatureCount, checkRows, copyFeatures } from './inputs';
import {
  IDENTITY,
  KernelName,
  Metric,
  ProductKernel,
  checkBandwidth,
  checkKernelName,
  checkRidge,
  crossKernel,
  productKernel,
  trainKernel,
  trainKernelBuffers,
} from './kernel';
import { l1LaplacianKernel } from './l1-laplacian';
import type { EigenProProgress } from './eigenpro';
import { eigenProKrrCost, fitEigenProKrr } from './eigenpro-fit';
import type { NystromProgress } from './nystrom';
import { exactKrrCost, fitNystromKrr, nystromKrrCost } from './nystrom-fit';
import {
  DEFAULT_BLOCK_ROWS,
  EigenProOptions,
  KernelSolverChoice,
  KernelSolverName,
  NystromOptions,
  checkEigenProOptions,
  checkKernelSolverName,
  checkNystromOptions,
  chooseKernelSolver,
} from './solver-choice';
import { checkPositiveSemidefinite, dataScaleMessage, kernelProblem, largestMagnitude } from './kernel-checks';
import { ridgeSolve } from './ridge-solve';
import {
  EncodedArray,
  checkFields,
  checkModelFields,
  decodeArray,
  decodeMatrix,
  encodeArray,
  encodeMatrix,
  parseModelJson,
  toJSONArrays,
} from './serialize';
import { packBinary, readModelFile, unpackBinary, writeModelFile } from './model-file';
import { EncodedTargets, Task, TargetLike, encodeTargets, labelsOf, resolveTask, sortedClasses } from './targets';
import { accuracy, argmaxRows } from '../metrics/classification';
import { r2Score } from '../metrics/regression';
import { fitTemperature, softmaxRows } from './temperature';

/**
 * Kernel ridge regression (docs/rfm-math.md section 2): alpha = (K(X, X) + lambda I)^-1 Y, f(z) = K(z, X) alpha, for the
 * Laplace, Gaussian and L1 Laplacian kernels, with an optional fixed M (full or diagonal) for the first two.
 * Classification regresses onto one-hot rows; probabilities are softmax(f / tau) with tau fitted on validation data.
 */

export interface KernelRegressorOptions {
  kernel?: KernelName;
  /** L; default 10 (the RFM paper's default; the study used 1 on its 1/sqrt(d)-scaled data). */
  bandwidth?: number;
  /** lambda; default 1e-3 (the study's). */
  ridge?: number;
  dtype?: DType;
  /** 'auto': classification when Y is an Int32Array of labels, regression otherwise (docs/reliability.md). */
  task?: 'auto' | Task;
  /** A fixed M: d x d (full) or d values (diagonal); default the identity. Not for the L1 Laplacian. */
  metric?: MatrixLike | ArrayLike<number>;
  /**
   * 'exact' (K + lambda I)^-1 Y; 'nystrom' (nystrom.ts: m centres, f(z) = K(z, C) alpha); 'eigenpro' (eigenpro.ts:
   * EigenPro 2's preconditioned iterations towards the same (K + lambda I)^-1 Y, f(z) = K(z, X) alpha; only when
   * asked for); 'auto' (default): exact unless it would not fit in memory or would be too slow, then Nystrom
   * (solver-choice.ts). `summary` records the choice and why (and why not EigenPro).
   */
  solver?: KernelSolverName;
  /** The Nystrom solver's settings (centres m, sampling, direct or CG, block rows). */
  nystrom?: NystromOptions;
  /** EigenPro's settings (epochs, subsample s, q, batch size, damping). */
  eigenpro?: EigenProOptions;
  /** Seeds the Nystrom centres and EigenPro's subsample and batches. Default 0. */
  seed?: number;
}

/** What a fit did: the solver and why, for Nystrom its centres and solve, for EigenPro its run. */
export interface KernelFitSummary {
  solver: 'exact' | 'nystrom' | 'eigenpro';
  reason: string;
  estimate: KernelSolverChoice['exact'] & {
    nystrom?: KernelSolverChoice['nystrom'];
    eigenpro?: KernelSolverChoice['eigenpro'];
  };
  centres?: number;
  method?: 'direct' | 'cg';
  cgIterations?: number;
  converged?: boolean;
  /** EigenPro: epochs run, subsample s, q, the batch size and step used, and the critical batch size. */
  eigenpro?: { epochs: number; subsample: number; q: number; batch: number; criticalBatch: number; eta: number };
  jitter: number;
  seconds: number;
}

export type KernelFitEvent =
  | { type: 'jitter'; jitter: number; size: number; message: string }
  /** The data's scale against the bandwidth makes K(X, X) = I (docs/reliability.md); the fit goes on. */
  | { type: 'warning'; message: string };

export interface KernelFitOptions {
  /** Held-out data to fit the softmax temperature on (classification). */
  validation?: { X: MatrixLike; Y: TargetLike };
  onEvent?: (event: KernelFitEvent) => void;
  /** Nystrom: per block of K_nm and per CG iteration; EigenPro: per batch (with its epoch). */
  onProgress?: (progress: NystromProgress | EigenProProgress) => void;
  /** Cancels a Nystrom or EigenPro fit between blocks / CG iterations / batches (CancelledError; the previous model stays). */
  signal?: AbortSignal;
}

/** What a solver produces: the model's points (X, or the Nystrom centres), alpha, their norms. */
interface FittedSolve {
  x: Matrix;
  alpha: Matrix;
  norms: FloatArray;
  jitter: number;
  summary?: KernelFitSummary;
}

interface KernelRegressorState {
  x: Matrix;
  alpha: Matrix;
  norms: FloatArray;
  metric: Metric;
  task: Task;
  classes?: number[];
  temperature: number;
  temperatureSource: 'validation' | 'default (no validation data)';
  jitter: number;
  summary?: KernelFitSummary;
}

const OPTION_KEYS = [
  'kernel',
  'bandwidth',
  'ridge',
  'dtype',
  'task',
  'metric',
  'solver',
  'nystrom',
  'eigenpro',
  'seed',
] as const;

function parseMetric(metric: KernelRegressorOptions['metric'], dtype: DType): Metric {
  if (metric === undefined) return IDENTITY;
  if (metric instanceof Matrix || (metric.length > 0 && typeof (metric as ArrayLike<unknown>)[0] !== 'number')) {
    const m = toMatrix(metric as MatrixLike, 'metric', dtype);
    if (m.rows !== m.cols) throw new ShapeError(`metric must be square (d x d), got ${m.rows} x ${m.cols}`);
    assertFinite(m, 'metric');
    // Necessary for positive semi-definiteness; the full check (a Cholesky) runs in fit.
    for (let i = 0; i < m.rows; i++) {
      const v = m.data[i * m.cols + i];
      if (v < 0) throw new DataError(`metric M is not positive semi-definite: its diagonal entry ${i} is ${v} < 0`);
    }
    return { kind: 'full', matrix: m.clone() };
  }
  const diag = Float64Array.from(metric as ArrayLike<number>);
  assertFinite(diag, 'metric');
  const negative = diag.findIndex((v) => v < 0);
  if (negative >= 0) throw new DataError(`a diagonal metric M must be >= 0: entry ${negative} is ${diag[negative]}`);
  return { kind: 'diagonal', diagonal: dtype === 'float32' ? Float32Array.from(diag) : diag };
}

/** The metric in float64, for the large-n solvers (which run in float64). */
function float64Metric(metric: Metric): Metric {
  return metric.kind === 'identity'
    ? metric
    : metric.kind === 'diagonal'
      ? { kind: 'diagonal', diagonal: Float64Array.from(metric.diagonal) }
      : { kind: 'full', matrix: metric.matrix.astype('float64') };
}

export class KernelRegressor {
  readonly kernel: KernelName;
  readonly bandwidth: number;
  readonly ridge: number;
  readonly dtype: DType;
  readonly task: 'auto' | Task;
  readonly solver: KernelSolverName;
  readonly nystrom?: NystromOptions;
  readonly eigenpro?: EigenProOptions;
  readonly seed: number;
  private readonly metricOption: KernelRegressorOptions['metric'];
  private state?: KernelRegressorState;
  private readonly fitGuard = new FitGuard();

  constructor(options: KernelRegressorOptions = {}) {
    checkOptions('KernelRegressor', options, OPTION_KEYS);
    this.kernel = checkKernelName(options.kernel ?? 'laplace', 'KernelRegressor');
    this.bandwidth = checkBandwidth(options.bandwidth ?? 10, 'KernelRegressor');
    this.ridge = checkRidge(options.ridge ?? 1e-3, 'KernelRegressor');
    this.dtype = options.dtype ?? 'float64';
    if (this.dtype !== 'float64' && this.dtype !== 'float32')
      throw new OptionError(`KernelRegressor: dtype must be float64 or float32, got ${String(this.dtype)}`);
    this.task = options.task ?? 'auto';
    if (!['auto', 'regression', 'classification'].includes(this.task))
      throw new OptionError(
        `KernelRegressor: task must be auto, regression or classification, got ${String(this.task)}`,
      );
    if (options.metric !== undefined && this.kernel === 'l1-laplacian')
      throw new OptionError('KernelRegressor: the L1 Laplacian takes no metric M');
    this.metricOption = options.metric;
    parseMetric(this.metricOption, this.dtype);
    this.solver = checkKernelSolverName(options.solver ?? 'auto', 'KernelRegressor');
    checkNystromOptions(options.nystrom, 'KernelRegressor');
    this.nystrom = options.nystrom === undefined ? undefined : { ...options.nystrom };
    checkEigenProOptions(options.eigenpro, 'KernelRegressor');
    this.eigenpro = options.eigenpro === undefined ? undefined : { ...options.eigenpro };
    this.seed = options.seed ?? 0;
    if (!Number.isFinite(this.seed))
      throw new OptionError(`KernelRegressor: seed must be a finite number, got ${String(this.seed)}`);
  }

  /** The hyperparameters, as given to the constructor (scikit-learn's get_params). */
  getParams(): KernelRegressorOptions {
    return {
      kernel: this.kernel,
      bandwidth: this.bandwidth,
      ridge: this.ridge,
      dtype: this.dtype,
      task: this.task,
      metric: this.metricOption,
      solver: this.solver,
      nystrom: this.nystrom,
      eigenpro: this.eigenpro,
      seed: this.seed,
    };
  }

  /** The solver the last fit used and why (and the Nystrom solve's details). */
  get summary(): KernelFitSummary {
    const s = this.fitted().summary;
    if (!s) throw new NotFittedError('this model was restored from a file without a fit summary');
    return s;
  }

  get isFitted(): boolean {
    return this.state !== undefined;
  }

  /** Class labels, in output order (classification). */
  get classes(): number[] | undefined {
    return this.state?.classes?.slice();
  }

  get temperature(): number | undefined {
    return this.state?.temperature;
  }

  /** The jitter the fit added on top of the ridge (0 when none was needed). */
  get jitter(): number | undefined {
    return this.state?.jitter;
  }

  private productKernel(): ProductKernel {
    return productKernel(this.kernel, this.bandwidth);
  }

  private fitted(): KernelRegressorState {
    if (!this.state) throw new NotFittedError('this KernelRegressor is not fitted yet: call fit(X, Y) first');
    return this.state;
  }

  /**
   * Fits alpha (and the temperature, for classification with validation data). Atomic (docs/reliability.md): the
   * model changes only when the whole fit succeeds, and a second fit while one runs is rejected.
   */
  fit(X: MatrixLike, Y: TargetLike, options: KernelFitOptions = {}): Promise<this> {
    return this.fitGuard.run('KernelRegressor.fit', async () => {
      this.state = await this.fitState(X, Y, options);
      return this;
    });
  }

  private async fitState(X: MatrixLike, Y: TargetLike, options: KernelFitOptions): Promise<KernelRegressorState> {
    checkOptions('KernelRegressor.fit', options, ['validation', 'onEvent', 'onProgress', 'signal']);
    const started = performance.now();
    const x = copyFeatures(X, 'X', this.dtype);
    const task = resolveTask(this.task, Y);
    const classes =
      task === 'classification'
        ? sortedClasses(labelsOf(Y, 'Y'), options.validation ? labelsOf(options.validation.Y, 'validation Y') : [])
        : undefined;
    const targets = encodeTargets(Y, task, classes, 'Y');
    checkRows(x, targets.y, 'X', 'Y');
    const metric = parseMetric(this.metricOption, this.dtype);
    const d =
      metric.kind === 'full' ? metric.matrix.rows : metric.kind === 'diagonal' ? metric.diagonal.length : x.cols;
    checkFeatureCount(x, d, 'X (the metric M)');
    if (metric.kind === 'full')
      await checkPositiveSemidefinite(await backendFor('float64'), metric.matrix, 'KernelRegressor: metric M');
    const n = x.rows;
    const c = targets.y.cols;
    const bytes = this.dtype === 'float32' ? 4 : 8;
    // Priced before anything n x n is allocated: an oversize exact fit is refused here, with the largest n that fits.
    const choice = chooseKernelSolver(
      {
        model: 'KernelRegressor',
        n,
        exact: (k) => exactKrrCost(k, d, c, bytes, metric.kind !== 'identity'),
        nystrom: nystromKrrCost(n, d, c, this.nystrom?.blockRows ?? DEFAULT_BLOCK_ROWS),
        eigenpro: eigenProKrrCost(n, d, c),
      },
      this.solver,
      this.nystrom,
      this.eigenpro,
    );
    const onJitter = (j: number, failure: NotSPDError) =>
      options.onEvent?.({
        type: 'jitter',
        jitter: j,
        size: n,
        message: `${failure.message}; retrying with jitter ${j.toExponential(2)}`,
      });
    const backend = await backendFor(this.dtype);
    const fitted =
      choice.solver === 'exact'
        ? await this.solveExact(backend, x, metric, targets.y, options, onJitter)
        : choice.solver === 'eigenpro'
          ? await this.solveEigenPro(x, metric, targets.y, choice, options)
          : await this.solveNystrom(x, metric, targets.y, choice, options, onJitter);
    const state: KernelRegressorState = {
      ...fitted,
      metric,
      task,
      classes,
      temperature: 1,
      temperatureSource: 'default (no validation data)',
    };
    if (task === 'classification' && options.validation) {
      const v = encodeTargets(options.validation.Y, task, classes, 'validation Y');
      const scores = await this.scoresOf(state, options.validation.X);
      checkRows(scores, v.y, 'validation X', 'validation Y');
      state.temperature = fitTemperature(scores, v.labels!).temperature;
      state.temperatureSource = 'validation';
    }
    state.summary = {
      ...state.summary!,
      reason: choice.reason,
      estimate: { ...choice.exact, nystrom: choice.nystrom, eigenpro: choice.eigenpro },
      seconds: (performance.now() - started) / 1000,
    };
    return state;
  }

  private async solveExact(
    backend: Backend,
    x: Matrix,
    metric: Metric,
    y: Matrix,
    options: KernelFitOptions,
    onJitter: (j: number, f: NotSPDError) => void,
  ): Promise<FittedSolve> {
    const n = x.rows;
    let kernel: Matrix;
    let norms: FloatArray;
    if (this.kernel === 'l1-laplacian') {
      kernel = l1LaplacianKernel(x, x, this.bandwidth);
      norms = new Float64Array(0);
    } else {
      const buffers = trainKernelBuffers(n, x.cols, this.dtype, false, metric.kind !== 'identity');
      await trainKernel(backend, x, metric, this.productKernel(), buffers);
      kernel = buffers.kernel;
      norms = buffers.norms;
    }
    this.checkKernel(kernel, x, options);
    const alpha = new Matrix(n, y.cols, this.dtype);
    const { jitter } = await ridgeSolve(
      backend,
      kernel,
      this.ridge,
      y.astype(this.dtype),
      { factor: new Matrix(n, n, this.dtype), alpha },
      'kernel matrix K(X, X)',
      onJitter,
    );
    // reason, estimate and seconds are filled in by fit.
    return {
      x,
      alpha,
      norms,
      jitter,
      summary: { solver: 'exact', reason: '', estimate: { bytes: 0, seconds: 0, fits: true }, jitter, seconds: 0 },
    };
  }

  /** The Nystrom fit runs in float64 (nystrom.ts); the model keeps the centres, alpha and norms in this dtype. */
  private async solveNystrom(
    x: Matrix,
    metric: Metric,
    y: Matrix,
    choice: KernelSolverChoice,
    options: KernelFitOptions,
    onJitter: (j: number, f: NotSPDError) => void,
  ): Promise<FittedSolve> {
    const r = await fitNystromKrr(await backendFor('float64'), {
      x,
      y,
      kernel: this.kernel,
      bandwidth: this.bandwidth,
      ridge: this.ridge,
      metric: float64Metric(metric),
      plan: choice.nystrom!,
      seed: this.seed,
      signal: options.signal,
      onProgress: options.onProgress,
      onJitter,
    });
    const sol = r.solution;
    const summary: KernelFitSummary = {
      solver: 'nystrom',
      reason: choice.reason,
      estimate: choice.exact,
      centres: r.centres.rows,
      method: sol.method,
      jitter: sol.jitter,
      seconds: 0,
    };
    if (sol.method === 'cg') Object.assign(summary, { cgIterations: sol.iterations, converged: sol.converged });
    const norms = this.dtype === 'float32' ? Float32Array.from(r.norms) : r.norms;
    return { x: r.centres.astype(this.dtype), alpha: sol.alpha.astype(this.dtype), norms, jitter: sol.jitter, summary };
  }

  /** The EigenPro fit runs in float64 (eigenpro.ts); the model keeps X, alpha and the norms in this dtype. */
  private async solveEigenPro(
    x: Matrix,
    metric: Metric,
    y: Matrix,
    choice: KernelSolverChoice,
    options: KernelFitOptions,
  ): Promise<FittedSolve> {
    const r = await fitEigenProKrr(await backendFor('float64'), {
      x,
      y,
      kernel: this.kernel,
      bandwidth: this.bandwidth,
      ridge: this.ridge,
      metric: float64Metric(metric),
      settings: choice.eigenpro!,
      seed: this.seed,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    const { alpha, setup, epochs } = r.solution;
    const s = choice.eigenpro!;
    const summary: KernelFitSummary = {
      solver: 'eigenpro',
      reason: choice.reason,
      estimate: choice.exact,
      eigenpro: {
        epochs,
        subsample: setup.subsample.length,
        q: s.q,
        batch: setup.batch,
        criticalBatch: setup.criticalBatch,
        eta: setup.eta,
      },
      jitter: 0,
      seconds: 0,
    };
    const norms = this.dtype === 'float32' ? Float32Array.from(r.norms) : r.norms;
    return { x, alpha: alpha.astype(this.dtype), norms, jitter: 0, summary };
  }

  /** The data's scale against the bandwidth (kernel-checks.ts): NaN or all-ones K is an error, K = I a warning. */
  private checkKernel(kernel: Matrix, x: Matrix, options: KernelFitOptions): void {
    const problem = kernelProblem(kernel);
    if (problem === undefined) return;
    const message = dataScaleMessage(problem, this.bandwidth, 'KernelRegressor.fit', largestMagnitude(x.data));
    if (problem !== 'identity') throw new DataError(message);
    options.onEvent?.({ type: 'warning', message });
  }

  private encode(y: TargetLike, name: string): EncodedTargets {
    const s = this.fitted();
    return encodeTargets(y, s.task, s.classes, name);
  }

  private async backend(): Promise<Backend> {
    return backendFor(this.dtype);
  }

  /** f(X) = K(X, X_train) alpha (K(X, C) alpha for a Nystrom fit): n x c (for classification, one score column per class). */
  async predict(X: MatrixLike): Promise<Matrix> {
    return this.scoresOf(this.fitted(), X);
  }

  private async scoresOf(s: KernelRegressorState, X: MatrixLike): Promise<Matrix> {
    const z = copyFeatures(X, 'X', this.dtype);
    checkFeatureCount(z, s.x.cols, 'X');
    const n = s.x.rows;
    const backend = await this.backend();
    return predictInBlocks(z.rows, predictBlockRows(n, z.cols), s.alpha.cols, async (start, rows) => {
      const block =
        rows === z.rows ? z : new Matrix(rows, z.cols, z.data.subarray(start * z.cols, (start + rows) * z.cols));
      const k =
        this.kernel === 'l1-laplacian'
          ? l1LaplacianKernel(block, s.x, this.bandwidth)
          : await crossKernel(backend, block, s.x, s.metric, s.norms, this.productKernel());
      return (await backend.gemm(k, s.alpha)).astype('float64');
    });
  }

  /** Predicted class labels (classification). */
  async predictLabels(X: MatrixLike): Promise<number[]> {
    const s = this.fitted();
    if (s.task !== 'classification')
      throw new OptionError('predictLabels is for classification; this model is a regressor');
    return Array.from(argmaxRows(await this.predict(X)), (i) => s.classes![i]);
  }

  /** softmax(f / tau), tau fitted on the validation data given to fit (1 without it). */
  async predictProba(X: MatrixLike): Promise<Matrix> {
    const s = this.fitted();
    if (s.task !== 'classification')
      throw new OptionError('predictProba is for classification; this model is a regressor');
    return softmaxRows(await this.predict(X), s.temperature);
  }

  /** R^2 (uniform over outputs) for regression, accuracy for classification: higher is better, as in scikit-learn. */
  async score(X: MatrixLike, Y: TargetLike): Promise<number> {
    const t = this.encode(Y, 'Y');
    const pred = await this.predict(X);
    checkRows(pred, t.y, 'X', 'Y');
    return t.labels ? accuracy(pred, t.labels) : r2Score(pred, t.y);
  }

  /** Gradients of each output of the predictor at the given points (one m x d matrix per output). */
  async gradients(X: MatrixLike): Promise<Matrix[]> {
    const s = this.fitted();
    if (this.kernel === 'l1-laplacian')
      throw new OptionError('gradients are offered for the laplace and gaussian kernels');
    const z = copyFeatures(X, 'X', this.dtype);
    checkFeatureCount(z, s.x.cols, 'X');
    return predictorGradients(await this.backend(), z, s.x, s.metric, s.alpha, s.norms, this.productKernel());
  }

  /** The model as an object with raw arrays (serialize.ts): what toJSON, toBinary and save write (format version 2). */
  private modelObject(): object {
    const s = this.fitted();
    const metric =
      s.metric.kind === 'identity'
        ? { kind: 'identity' }
        : s.metric.kind === 'diagonal'
          ? { kind: 'diagonal', diagonal: encodeArray(s.metric.diagonal, [s.metric.diagonal.length]) }
          : { kind: 'full', matrix: encodeMatrix(s.metric.matrix) };
    return {
      format: 'rfm-lab/kernel-regressor',
      version: 2,
      params: {
        kernel: this.kernel,
        bandwidth: this.bandwidth,
        ridge: this.ridge,
        dtype: this.dtype,
        task: this.task,
        solver: this.solver,
        nystrom: this.nystrom,
        eigenpro: this.eigenpro,
        seed: this.seed,
      },
      state: {
        x: encodeMatrix(s.x),
        alpha: encodeMatrix(s.alpha),
        norms: encodeArray(s.norms, [s.norms.length]),
        metric,
        task: s.task,
        classes: s.classes,
        temperature: s.temperature,
        temperatureSource: s.temperatureSource,
        jitter: s.jitter,
        summary: s.summary,
      },
    };
  }

  /** JSON-able (arrays as base64 with a CRC-32 each); a model over 512 MiB of arrays must use save instead. */
  toJSON(): object {
    return toJSONArrays(this.modelObject(), 'KernelRegressor.toJSON');
  }

  toBinary(): Uint8Array {
    return packBinary(this.modelObject());
  }

  /** Writes the binary model file to a path (atomically, through a temporary file) or a stream, in chunks. */
  async save(target: string | NodeJS.WritableStream): Promise<void> {
    await writeModelFile(this.modelObject(), target);
  }

  static async load(source: string | NodeJS.ReadableStream): Promise<KernelRegressor> {
    return KernelRegressor.fromJSON((await readModelFile(source)) as object);
  }

  static fromJSON(json: string | object): KernelRegressor {
    const o = parseModelJson(json, 'KernelRegressor model');
    checkModelFields(o, 'rfm-lab/kernel-regressor', [1, 2], { params: 'object', state: 'object' });
    const st = o.state as Record<string, unknown> & {
      metric: { kind: string; diagonal?: EncodedArray; matrix?: EncodedArray };
    };
    checkFields(
      st,
      {
        metric: 'object',
        task: 'string',
        classes: 'optional-array',
        temperature: 'number',
        temperatureSource: 'string',
        jitter: 'number',
      },
      'rfm-lab/kernel-regressor state',
    );
    const metric: Metric =
      st.metric.kind === 'identity'
        ? IDENTITY
        : st.metric.kind === 'diagonal'
          ? { kind: 'diagonal', diagonal: decodeArray(st.metric.diagonal!, 'metric') }
          : { kind: 'full', matrix: decodeMatrix(st.metric.matrix!, 'metric') };
    const model = new KernelRegressor({
      ...(o.params as KernelRegressorOptions),
      metric: metric.kind === 'full' ? metric.matrix : metric.kind === 'diagonal' ? metric.diagonal : undefined,
    });
    model.state = {
      x: decodeMatrix(st.x as EncodedArray, 'x'),
      alpha: decodeMatrix(st.alpha as EncodedArray, 'alpha'),
      norms: decodeArray(st.norms as EncodedArray, 'norms'),
      metric,
      task: st.task as Task,
      classes: (st.classes ?? undefined) as number[] | undefined,
      temperature: st.temperature as number,
      temperatureSource: st.temperatureSource as KernelRegressorState['temperatureSource'],
      jitter: st.jitter as number,
      summary: st.summary as KernelFitSummary | undefined,
    };
    const { x, alpha } = model.state;
    if (alpha.rows !== x.rows)
      throw new ModelFileError(`rfm-lab/kernel-regressor: alpha has ${alpha.rows} rows, x has ${x.rows}`);
    return model;
  }

  static fromBinary(bytes: Uint8Array): KernelRegressor {
    return KernelRegressor.fromJSON(unpackBinary(bytes) as object);
  }
}
