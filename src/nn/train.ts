import type * as TfCore from '@tensorflow/tfjs-core';
import { NonFiniteError, OptionError, ShapeError } from '../core/errors';
import { checkOptions } from '../core/options';
import { yieldToEventLoop } from '../core/async';
import { Matrix, assertFinite } from '../linalg/matrix';
import { Rng } from '../random';
import type { Mlp } from './mlp';
import { matrixTensor } from './tf';

/**
 * Minibatch training of an Mlp with Adam on squared error, the loss the kernel machines minimise too (classification
 * regresses one-hot targets, as in the RFM paper). The batch order comes from our seeded Rng, so a run is
 * repeatable on a given tfjs backend.
 */

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** L2 penalty (weightDecay / 2) * sum of squared weights (biases excluded), added to the loss. */
  weightDecay?: number;
  /** Seeds the batch order. */
  seed: number;
  /** Checked after every epoch: aborting it stops training with a CancelledError. */
  signal?: AbortSignal;
}

const TRAIN_OPTIONS = ['epochs', 'batchSize', 'learningRate', 'weightDecay', 'seed', 'signal'] as const;

export interface EpochRecord {
  epoch: number;
  /** Mean squared error over the epoch's batches (per output, without the penalty). */
  loss: number;
}

export type EpochCallback = (record: EpochRecord) => void;

function validate(options: TrainOptions): void {
  checkOptions('trainMlp', options, TRAIN_OPTIONS);
  for (const key of ['epochs', 'batchSize'] as const) {
    const v = options[key];
    if (!Number.isInteger(v) || v < 1) throw new OptionError(`trainMlp: ${key} must be a positive integer, got ${v}`);
  }
  if (!(options.learningRate > 0 && Number.isFinite(options.learningRate))) {
    throw new OptionError(`trainMlp: learningRate must be a positive number, got ${options.learningRate}`);
  }
  const decay = options.weightDecay ?? 0;
  if (!(decay >= 0 && Number.isFinite(decay)))
    throw new OptionError(`trainMlp: weightDecay must be >= 0, got ${decay}`);
  if (!Number.isFinite(options.seed))
    throw new OptionError(`trainMlp: seed must be a finite number, got ${options.seed}`);
}

/** Trains `net` in place on (x, y) and returns the loss per epoch; `onEpoch` hears each epoch as it ends. */
export async function trainMlp(
  net: Mlp,
  x: Matrix,
  y: Matrix,
  options: TrainOptions,
  onEpoch?: EpochCallback,
): Promise<EpochRecord[]> {
  validate(options);
  net.checkInput(x, 'train');
  if (y.rows !== x.rows || y.cols !== net.outputDim) {
    throw new ShapeError(
      `trainMlp: y must be ${x.rows} x ${net.outputDim} (one row per point of x), got ${y.rows} x ${y.cols}`,
    );
  }
  assertFinite(y, 'trainMlp: y');
  const tf = net.tf;
  const n = x.rows;
  const rng = new Rng(options.seed);
  const decay = options.weightDecay ?? 0;
  const optimizer = tf.train.adam(options.learningRate);
  const xs = matrixTensor(tf, x);
  const ys = matrixTensor(tf, y);
  const variables: TfCore.Variable[] = [...net.weights, ...net.biases];
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const history: EpochRecord[] = [];
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      rng.shuffle(order);
      let total = 0;
      for (let start = 0; start < n; start += options.batchSize) {
        const batch = order.subarray(start, Math.min(n, start + options.batchSize));
        let dataLoss: TfCore.Scalar | undefined;
        const objective = tf.tidy(() => {
          const idx = tf.tensor1d(batch, 'int32');
          const xb = tf.gather(xs, idx) as TfCore.Tensor2D;
          const yb = tf.gather(ys, idx);
          // returnCost keeps the objective alive; without a penalty it is the kept data loss itself.
          return optimizer.minimize(
            () => {
              const mse = tf.mean(tf.squaredDifference(net.forward(xb), yb)) as TfCore.Scalar;
              // Only the data loss is reported; the penalty is added to what is minimised.
              dataLoss = tf.keep(mse);
              if (decay === 0) return mse;
              return tf.add(
                mse,
                tf.mul(decay / 2, tf.addN(net.weights.map((w) => tf.sum(tf.square(w))))),
              ) as TfCore.Scalar;
            },
            true,
            variables,
          )!;
        });
        total += (await dataLoss!.data())[0] * batch.length;
        tf.dispose([objective, dataLoss!]);
      }
      const record = { epoch, loss: total / n };
      if (!Number.isFinite(record.loss))
        throw new NonFiniteError(`trainMlp: the loss became ${record.loss} in epoch ${epoch}; lower the learning rate`);
      history.push(record);
      onEpoch?.(record);
      // Let the notebook's event loop run (progress output, interrupts) between epochs.
      await yieldToEventLoop(options.signal, 'trainMlp');
    }
  } finally {
    xs.dispose();
    ys.dispose();
    optimizer.dispose();
  }
  return history;
}
