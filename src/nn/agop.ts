import type * as TfCore from '@tensorflow/tfjs-core';
import { OptionError } from '../core/errors';
import { checkOptions } from '../core/options';
import { Matrix } from '../linalg/matrix';
import type { Mlp } from './mlp';
import { matMulExplicit } from './tf';

/**
 * The average gradient outer product of a trained network with respect to its input,
 *     AGOP = (1/n) sum_j sum_k grad f_k(x_j) grad f_k(x_j)'      (d x d),
 * by explicit backpropagation: with ReLU masks m_l(x) (1 where layer l's pre-activation is positive), the
 * Jacobian of the outputs is W_1 diag(m_1) W_2 diag(m_2) ... W_L (d x c), so every output's input gradient comes
 * from products of the weights and the masks, all outputs at once, without autodiff. The products run in tfjs
 * (float32); the sum over points is accumulated in float64.
 */

export interface NetworkAgopOptions {
  /** Points per tfjs call: bounds memory at batchSize * outputs * d floats. */
  batchSize?: number;
}

const AGOP_OPTIONS = ['batchSize'] as const;

export async function networkAgop(net: Mlp, x: Matrix, options: NetworkAgopOptions = {}): Promise<Matrix> {
  checkOptions('networkAgop', options, AGOP_OPTIONS);
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new OptionError(`networkAgop: batchSize must be a positive integer, got ${batchSize}`);
  net.checkInput(x, 'agop');
  if (x.rows === 0) throw new OptionError('networkAgop: x has no rows');
  const tf = net.tf;
  const d = x.cols;
  const x32 = Float32Array.from(x.data);
  const sum = new Float64Array(d * d);
  for (let start = 0; start < x.rows; start += batchSize) {
    const b = Math.min(batchSize, x.rows - start);
    const outer = tf.tidy(() => {
      const g = inputGradients(tf, net, tf.tensor2d(x32.subarray(start * d, (start + b) * d), [b, d]));
      return matMulExplicit(tf, g, g, true, false);
    });
    const values = await outer.data();
    outer.dispose();
    for (let i = 0; i < sum.length; i++) sum[i] += values[i];
  }
  for (let i = 0; i < sum.length; i++) sum[i] /= x.rows;
  return new Matrix(d, d, sum);
}

/** Rows (point j, output k), in that order: the gradient of output k at point j, (b * c) x d. */
function inputGradients(tf: typeof TfCore, net: Mlp, xb: TfCore.Tensor2D): TfCore.Tensor2D {
  const b = xb.shape[0];
  const c = net.outputDim;
  const masks: TfCore.Tensor2D[] = [];
  let h: TfCore.Tensor2D = xb;
  for (let l = 0; l + 1 < net.weights.length; l++) {
    const z = tf.add(tf.matMul(h, net.weights[l]), net.biases[l]) as TfCore.Tensor2D;
    masks.push(tf.cast(tf.greater(z, 0), 'float32') as TfCore.Tensor2D);
    h = tf.relu(z);
  }
  // Backward from the output layer: g[j, k, :] is d f_k / d (activation of the current layer) at point j.
  const last = net.weights.length - 1;
  const wT = net.weights.map((w) => tf.transpose(w));
  let g = tf.tile(tf.expandDims(wT[last], 0), [b, 1, 1]) as TfCore.Tensor3D;
  for (let l = last - 1; l >= 0; l--) {
    const width = masks[l].shape[1];
    const masked = tf.mul(g, tf.reshape(masks[l], [b, 1, width])) as TfCore.Tensor3D;
    const below = net.weights[l].shape[0];
    g = tf.reshape(tf.matMul(tf.reshape(masked, [b * c, width]), wT[l]), [b, c, below]) as TfCore.Tensor3D;
  }
  return tf.reshape(g, [b * c, net.inputDim]) as TfCore.Tensor2D;
}
