import { minNormLeastSquares, DEFAULT_RCOND } from '../../features/min-norm-least-squares';
import { randomFourierFeatures } from '../../features/random-fourier';
import { KernelRegressor } from '../../kernels/kernel-regressor';
import { Matrix } from '../../linalg/matrix';
import { backendFor } from '../../linalg/registry';
import { RFM } from '../../rfm/rfm';

/**
 * The three predictors the sample-wise and ridge sweeps compare, behind one shape: fit on (X, y), predict new
 * points, and say how much jitter the solve needed (a "ridgeless" kernel fit can need some; docs/rfm-math.md section 2).
 */

export interface RfmSettings {
  /** L; default 1, the study's (its data has ||x|| ~ 1). */
  bandwidth: number;
  /** lambda of every iteration; default 1e-3, the study's. */
  ridge: number;
  /**
   * T; default 5, as the sweeps fit hundreds of RFMs (the study ran 10 and kept the iteration best on validation data,
   * in its scaling test mostly an earlier one).
   */
  iterations: number;
}

export const DEFAULT_RFM_SETTINGS: RfmSettings = { bandwidth: 1, ridge: 1e-3, iterations: 5 };
export const RFM_SETTING_KEYS = ['bandwidth', 'ridge', 'iterations'] as const;

export interface FittedModel {
  predict(x: Matrix): Promise<Matrix>;
  /** Largest jitter added to the ridge during the fit (0 when none was needed). */
  jitter: number;
}

/**
 * An RFM trained on all of (X, y) for T iterations, keeping the last (no validation split, so that n is the number
 * of points the model is fitted on, as for the other models). Its M is the metric of the 'rfm' random features.
 */
export async function fitRfm(x: Matrix, y: Matrix, settings: RfmSettings): Promise<FittedModel & { metric: Matrix }> {
  const rfm = new RFM({
    kernel: 'laplace',
    bandwidth: settings.bandwidth,
    ridge: settings.ridge,
    iterations: settings.iterations,
    task: 'regression',
  });
  let jitter = 0;
  await rfm.fit(x, y, {
    onEvent: (e) => {
      if (e.type === 'jitter') jitter = Math.max(jitter, e.jitter);
    },
  });
  return { predict: (z) => rfm.predict(z), metric: await rfm.featureMatrix(), jitter };
}

export async function fitLaplace(x: Matrix, y: Matrix, bandwidth: number, ridge: number): Promise<FittedModel> {
  const model = new KernelRegressor({ kernel: 'laplace', bandwidth, ridge, task: 'regression' });
  await model.fit(x, y);
  return { predict: (z) => model.predict(z), jitter: model.jitter ?? 0 };
}

export type ModelName = 'laplace' | 'rfm' | 'random-features';

export const MODEL_NAMES: Record<ModelName, string> = {
  laplace: 'Laplace kernel',
  rfm: 'RFM',
  'random-features': 'Laplace random features',
};

export interface ModelSettings {
  bandwidth: number;
  ridge: number;
  /** The RFM's T. */
  rfmIterations: number;
  /** p of the random-features model. */
  features: number;
  /** Seeds the random features. */
  seed: number;
}

/**
 * - 'laplace': Laplace kernel regression (KernelRegressor); with ridge 0 it interpolates;
 * - 'rfm': the RFM (fitRfm), the ridge applied at every iteration;
 * - 'random-features': regression on p Laplace random features (fitRandomFeatures).
 */
export function fitModel(model: ModelName, x: Matrix, y: Matrix, s: ModelSettings): Promise<FittedModel> {
  if (model === 'laplace') return fitLaplace(x, y, s.bandwidth, s.ridge);
  if (model === 'rfm') return fitRfm(x, y, { bandwidth: s.bandwidth, ridge: s.ridge, iterations: s.rfmIterations });
  return fitRandomFeatures(x, y, { bandwidth: s.bandwidth, features: s.features, ridge: s.ridge, seed: s.seed });
}

/** Ridge (or, at ridge 0, minimum-norm) regression on p Laplace random features of x. */
export async function fitRandomFeatures(
  x: Matrix,
  y: Matrix,
  options: { bandwidth: number; features: number; ridge: number; seed: number },
): Promise<FittedModel> {
  const sampler = randomFourierFeatures({
    kernel: 'laplace',
    bandwidth: options.bandwidth,
    features: options.features,
    seed: options.seed,
    inputDim: x.cols,
  });
  const { weights } = await minNormLeastSquares(await sampler.transform(x), y, {
    ridge: options.ridge,
    rcond: DEFAULT_RCOND,
  });
  const backend = await backendFor('float64');
  return { predict: async (z) => backend.gemm(await sampler.transform(z), weights), jitter: 0 };
}
