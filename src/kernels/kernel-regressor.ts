import type { Backend } from '../linalg/backend';
import { checkAllocation, checkOptions, NotFittedError, OptionError, ShapeError } from '../core';
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
import { ridgeSolve } from './ridge-solve';
import { EncodedArray, decodeArray, decodeMatrix, encodeArray, encodeMatrix, packBinary, unpackBinary } from './serialize';
import {
  EncodedTargets,
  Task,
  TargetLike,
  encodeTargets,
  labelsOf,
  resolveTask,
  sortedClasses,
} from './targets';
import { accuracy, argmaxRows } from '../metrics/classification';
import { r2Score } from '../metrics/regression';
import { fitTemperature, softmaxRows } from './temperature';

/**
 * Kernel ridge regression (rfm-math.md section 2): alpha = (K(X, X) + lambda I)^-1 Y, f(z) = K(z, X) alpha, for the
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
  /** 'auto': classification when the targets are a 1-D array of integer labels. */
  task?: 'auto' | Task;
  /** A fixed M: d x d (full) or d values (diagonal); default the identity. Not for the L1 Laplacian. */
  metric?: MatrixLike | ArrayLike<number>;
}

export interface KernelFitEvent {
  type: 'jitter';
  jitter: number;
  size: number;
  message: string;
}

export interface KernelFitOptions {
  /** Held-out data to fit the softmax temperature on (classification). */
  validation?: { X: MatrixLike; Y: TargetLike };
  onEvent?: (event: KernelFitEvent) => void;
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
}

const OPTION_KEYS = ['kernel', 'bandwidth', 'ridge', 'dtype', 'task', 'metric'] as const;

function parseMetric(metric: KernelRegressorOptions['metric'], dtype: DType): Metric {
  if (metric === undefined) return IDENTITY;
  if (metric instanceof Matrix || (metric.length > 0 && typeof (metric as ArrayLike<unknown>)[0] !== 'number')) {
    const m = toMatrix(metric as MatrixLike, 'metric', dtype);
    if (m.rows !== m.cols) throw new ShapeError(`metric must be square (d x d), got ${m.rows} x ${m.cols}`);
    assertFinite(m, 'metric');
    return { kind: 'full', matrix: m.clone() };
  }
  const diag = Float64Array.from(metric as ArrayLike<number>);
  assertFinite(diag, 'metric');
  return { kind: 'diagonal', diagonal: dtype === 'float32' ? Float32Array.from(diag) : diag };
}

export class KernelRegressor {
  readonly kernel: KernelName;
  readonly bandwidth: number;
  readonly ridge: number;
  readonly dtype: DType;
  readonly task: 'auto' | Task;
  private readonly metricOption: KernelRegressorOptions['metric'];
  private state?: KernelRegressorState;

  constructor(options: KernelRegressorOptions = {}) {
    checkOptions('KernelRegressor', options, OPTION_KEYS);
    this.kernel = checkKernelName(options.kernel ?? 'laplace', 'KernelRegressor');
    this.bandwidth = checkBandwidth(options.bandwidth ?? 10, 'KernelRegressor');
    this.ridge = checkRidge(options.ridge ?? 1e-3, 'KernelRegressor');
    this.dtype = options.dtype ?? 'float64';
    if (this.dtype !== 'float64' && this.dtype !== 'float32') throw new OptionError(`KernelRegressor: dtype must be float64 or float32, got ${String(this.dtype)}`);
    this.task = options.task ?? 'auto';
    if (!['auto', 'regression', 'classification'].includes(this.task)) throw new OptionError(`KernelRegressor: task must be auto, regression or classification, got ${String(this.task)}`);
    if (options.metric !== undefined && this.kernel === 'l1-laplacian') throw new OptionError('KernelRegressor: the L1 Laplacian takes no metric M');
    this.metricOption = options.metric;
    parseMetric(this.metricOption, this.dtype);
  }

  /** The hyperparameters, as given to the constructor (scikit-learn's get_params). */
  getParams(): KernelRegressorOptions {
    return { kernel: this.kernel, bandwidth: this.bandwidth, ridge: this.ridge, dtype: this.dtype, task: this.task, metric: this.metricOption };
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

  async fit(X: MatrixLike, Y: TargetLike, options: KernelFitOptions = {}): Promise<this> {
    checkOptions('KernelRegressor.fit', options, ['validation', 'onEvent']);
    const x = copyFeatures(X, 'X', this.dtype);
    const task = resolveTask(this.task, Y);
    const classes = task === 'classification' ? sortedClasses(labelsOf(Y, 'Y'), options.validation ? labelsOf(options.validation.Y, 'validation Y') : []) : undefined;
    const targets = encodeTargets(Y, task, classes, 'Y');
    checkRows(x, targets.y, 'X', 'Y');
    const metric = parseMetric(this.metricOption, this.dtype);
    const d = metric.kind === 'full' ? metric.matrix.rows : metric.kind === 'diagonal' ? metric.diagonal.length : x.cols;
    checkFeatureCount(x, d, 'X (the metric M)');
    const n = x.rows;
    // K, its Cholesky factor and the kernel buffers: about three n x n matrices.
    checkAllocation(3 * n * n * (this.dtype === 'float32' ? 4 : 8), `KernelRegressor.fit (n = ${n}, ${this.dtype})`, 'use fewer training points, float32, or an RFM/large-n solver');
    const backend = await backendFor(this.dtype);
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
    const alpha = new Matrix(n, targets.y.cols, this.dtype);
    const { jitter } = await ridgeSolve(backend, kernel, this.ridge, targets.y.astype(this.dtype), { factor: new Matrix(n, n, this.dtype), alpha }, 'kernel matrix K(X, X)', (j, failure) =>
      options.onEvent?.({ type: 'jitter', jitter: j, size: n, message: `${failure.message}; retrying with jitter ${j.toExponential(2)}` }),
    );
    this.state = { x, alpha, norms, metric, task, classes, temperature: 1, temperatureSource: 'default (no validation data)', jitter };
    if (task === 'classification' && options.validation) {
      const v = this.encode(options.validation.Y, 'validation Y');
      const scores = await this.predict(options.validation.X);
      checkRows(scores, v.y, 'validation X', 'validation Y');
      this.state.temperature = fitTemperature(scores, v.labels!).temperature;
      this.state.temperatureSource = 'validation';
    }
    return this;
  }

  private encode(y: TargetLike, name: string): EncodedTargets {
    const s = this.fitted();
    return encodeTargets(y, s.task, s.classes, name);
  }

  private async backend(): Promise<Backend> {
    return backendFor(this.dtype);
  }

  /** f(X) = K(X, X_train) alpha: n x c (for classification, one score column per class). */
  async predict(X: MatrixLike): Promise<Matrix> {
    const s = this.fitted();
    const z = copyFeatures(X, 'X', this.dtype);
    checkFeatureCount(z, s.x.cols, 'X');
    const backend = await this.backend();
    const k = this.kernel === 'l1-laplacian' ? l1LaplacianKernel(z, s.x, this.bandwidth) : await crossKernel(backend, z, s.x, s.metric, s.norms, this.productKernel());
    return (await backend.gemm(k, s.alpha)).astype('float64');
  }

  /** Predicted class labels (classification). */
  async predictLabels(X: MatrixLike): Promise<number[]> {
    const s = this.fitted();
    if (s.task !== 'classification') throw new OptionError('predictLabels is for classification; this model is a regressor');
    return Array.from(argmaxRows(await this.predict(X)), (i) => s.classes![i]);
  }

  /** softmax(f / tau), tau fitted on the validation data given to fit (1 without it). */
  async predictProba(X: MatrixLike): Promise<Matrix> {
    const s = this.fitted();
    if (s.task !== 'classification') throw new OptionError('predictProba is for classification; this model is a regressor');
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
    if (this.kernel === 'l1-laplacian') throw new OptionError('gradients are offered for the laplace and gaussian kernels');
    const z = copyFeatures(X, 'X', this.dtype);
    checkFeatureCount(z, s.x.cols, 'X');
    return predictorGradients(await this.backend(), z, s.x, s.metric, s.alpha, s.norms, this.productKernel());
  }

  toJSON(): object {
    const s = this.fitted();
    const metric =
      s.metric.kind === 'identity' ? { kind: 'identity' } : s.metric.kind === 'diagonal' ? { kind: 'diagonal', diagonal: encodeArray(s.metric.diagonal, [s.metric.diagonal.length]) } : { kind: 'full', matrix: encodeMatrix(s.metric.matrix) };
    return {
      format: 'rfm-lab/kernel-regressor',
      version: 1,
      params: { kernel: this.kernel, bandwidth: this.bandwidth, ridge: this.ridge, dtype: this.dtype, task: this.task },
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
      },
    };
  }

  toBinary(): Uint8Array {
    return packBinary(this.toJSON());
  }

  static fromJSON(json: string | object): KernelRegressor {
    const o = (typeof json === 'string' ? JSON.parse(json) : json) as {
      format: string;
      params: KernelRegressorOptions;
      state: Record<string, unknown> & { metric: { kind: string; diagonal?: EncodedArray; matrix?: EncodedArray } };
    };
    if (o.format !== 'rfm-lab/kernel-regressor') throw new ShapeError(`not a serialised KernelRegressor (format ${String(o.format)})`);
    const st = o.state;
    const metric: Metric =
      st.metric.kind === 'identity'
        ? IDENTITY
        : st.metric.kind === 'diagonal'
          ? { kind: 'diagonal', diagonal: decodeArray(st.metric.diagonal!, 'metric') }
          : { kind: 'full', matrix: decodeMatrix(st.metric.matrix!, 'metric') };
    const model = new KernelRegressor({
      ...o.params,
      metric: metric.kind === 'full' ? metric.matrix : metric.kind === 'diagonal' ? metric.diagonal : undefined,
    });
    model.state = {
      x: decodeMatrix(st.x as EncodedArray, 'x'),
      alpha: decodeMatrix(st.alpha as EncodedArray, 'alpha'),
      norms: decodeArray(st.norms as EncodedArray, 'norms'),
      metric,
      task: st.task as Task,
      classes: st.classes as number[] | undefined,
      temperature: st.temperature as number,
      temperatureSource: st.temperatureSource as KernelRegressorState['temperatureSource'],
      jitter: st.jitter as number,
    };
    return model;
  }

  static fromBinary(bytes: Uint8Array): KernelRegressor {
    return KernelRegressor.fromJSON(unpackBinary(bytes) as object);
  }
}
