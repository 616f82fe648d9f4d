import type * as TfCore from '@tensorflow/tfjs-core';
import { checkOptions, OptionError, ShapeError } from '../core';
import { Matrix, assertFinite } from '../linalg/matrix';
import { backendFor } from '../linalg/registry';
import { Rng } from '../random';
import { loadTf, matMulExplicit, matrixTensor, Tf } from './tf';

/**
 * A fully connected ReLU network f(x) = W_L' relu(... relu(W_1' x + b_1) ...) + b_L, with weights stored
 * fan-in x fan-out (a batch X, one point per row, maps to X W_1). The RFM paper writes the first layer as h x d,
 * so its Neural Feature Matrix W_1' W_1 is our W_1 W_1' (d x d).
 */

export interface MlpOptions {
  inputDim: number;
  /** Widths of the hidden layers, e.g. [256, 256]. */
  hidden: number[];
  outputDim: number;
  /** Seeds the initial weights (drawn by our Rng, so they do not depend on the tfjs backend). */
  seed: number;
  /**
   * Multiplies the He-normal standard deviation of every layer. Below 1 the random initial weights, which stay in
   * W_1 W_1' after training, weigh less against what training adds (the RFM paper's comparison is about the latter).
   */
  initScale?: number;
}

const MLP_OPTIONS = ['inputDim', 'hidden', 'outputDim', 'seed', 'initScale'] as const;

/** One dense layer, copied out of tfjs in float64. */
export interface DenseLayer {
  /** fan-in x fan-out. */
  weights: Matrix;
  bias: Float64Array;
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new OptionError(`Mlp: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export class Mlp {
  readonly inputDim: number;
  readonly hidden: readonly number[];
  readonly outputDim: number;
  readonly tf: Tf;
  /** Trainable tfjs variables, one weight matrix (fan-in x fan-out) and one bias per layer. */
  readonly weights: TfCore.Variable<TfCore.Rank.R2>[];
  readonly biases: TfCore.Variable<TfCore.Rank.R1>[];
  /** x w with a gradient that avoids tfjs-wasm's slow transposed matMul (see matMulExplicit). */
  private readonly linear: (x: TfCore.Tensor2D, w: TfCore.Tensor2D) => TfCore.Tensor2D;

  private constructor(tf: Tf, options: MlpOptions) {
    this.tf = tf;
    const linear = tf.customGrad<TfCore.Tensor2D>((...args) => {
      const [x, w, save] = args as [TfCore.Tensor2D, TfCore.Tensor2D, TfCore.GradSaveFunc];
      save([x, w]);
      return {
        value: tf.matMul(x, w),
        gradFunc: (dy, saved) => [
          matMulExplicit(tf, dy, saved[1] as TfCore.Tensor2D, false, true),
          matMulExplicit(tf, saved[0] as TfCore.Tensor2D, dy, true, false),
        ],
      };
    });
    this.linear = (x, w) => linear(x, w);
    this.inputDim = options.inputDim;
    this.hidden = [...options.hidden];
    this.outputDim = options.outputDim;
    const widths = [options.inputDim, ...options.hidden, options.outputDim];
    const rng = new Rng(options.seed);
    const scale = options.initScale ?? 1;
    this.weights = [];
    this.biases = [];
    for (let l = 0; l + 1 < widths.length; l++) {
      const fanIn = widths[l];
      const fanOut = widths[l + 1];
      // He initialisation for the ReLU layers; the linear output layer gets LeCun's 1/fan-in variance.
      const std = scale * Math.sqrt((l + 2 < widths.length ? 2 : 1) / fanIn);
      const values = new Float32Array(fanIn * fanOut);
      for (let i = 0; i < values.length; i++) values[i] = std * rng.normal();
      // tidy frees the initial tensors; the variables keep their own reference to the data.
      this.weights.push(tf.tidy(() => tf.variable(tf.tensor2d(values, [fanIn, fanOut]))));
      this.biases.push(tf.tidy(() => tf.variable(tf.zeros([fanOut]) as TfCore.Tensor1D)));
    }
  }

  /** Builds a network on the shared tfjs instance (see ./tf). */
  static async create(options: MlpOptions): Promise<Mlp> {
    checkOptions('Mlp', options, MLP_OPTIONS);
    positiveInteger('inputDim', options.inputDim);
    positiveInteger('outputDim', options.outputDim);
    if (!Array.isArray(options.hidden) || options.hidden.length === 0) {
      throw new OptionError('Mlp: hidden must list at least one hidden layer width');
    }
    options.hidden.forEach((h, i) => positiveInteger(`hidden[${i}]`, h));
    if (!Number.isFinite(options.seed)) throw new OptionError(`Mlp: seed must be a finite number, got ${options.seed}`);
    if (options.initScale !== undefined && !(options.initScale > 0 && Number.isFinite(options.initScale))) {
      throw new OptionError(`Mlp: initScale must be a positive number, got ${options.initScale}`);
    }
    const { tf } = await loadTf();
    return new Mlp(tf, options);
  }

  /** Outputs for a batch (one point per row). Call inside tf.tidy or dispose the result. */
  forward(x: TfCore.Tensor2D): TfCore.Tensor2D {
    const tf = this.tf;
    let h: TfCore.Tensor2D = x;
    const last = this.weights.length - 1;
    for (let l = 0; l <= last; l++) {
      const z = tf.add(this.linear(h, this.weights[l]), this.biases[l]) as TfCore.Tensor2D;
      h = l < last ? tf.relu(z) : z;
    }
    return h;
  }

  /** Outputs for the rows of x, in float64. */
  async predict(x: Matrix): Promise<Matrix> {
    this.checkInput(x, 'predict');
    const tf = this.tf;
    const out = tf.tidy(() => this.forward(matrixTensor(tf, x)));
    const values = await out.data();
    out.dispose();
    return new Matrix(x.rows, this.outputDim, Float64Array.from(values));
  }

  /** The current weights and biases, copied to float64. */
  async layers(): Promise<DenseLayer[]> {
    const out: DenseLayer[] = [];
    for (let l = 0; l < this.weights.length; l++) {
      const [rows, cols] = this.weights[l].shape;
      out.push({
        weights: new Matrix(rows, cols, Float64Array.from(await this.weights[l].data())),
        bias: Float64Array.from(await this.biases[l].data()),
      });
    }
    return out;
  }

  /** The Neural Feature Matrix of the first layer, the paper's W_1' W_1 (d x d), formed in float64. */
  async neuralFeatureMatrix(): Promise<Matrix> {
    const [first] = await this.layers();
    return (await backendFor('float64')).syrk(first.weights);
  }

  checkInput(x: Matrix, caller: string): void {
    if (x.cols !== this.inputDim) {
      throw new ShapeError(`Mlp.${caller}: x has ${x.cols} columns, the network takes ${this.inputDim} inputs`);
    }
    assertFinite(x, `Mlp.${caller}: x`);
  }

  /** Frees the network's tfjs memory; the network is unusable afterwards. */
  dispose(): void {
    for (const v of [...this.weights, ...this.biases]) v.dispose();
  }
}
