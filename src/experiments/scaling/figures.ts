import { Cell, Figure, table } from '../../plot/figures';
import { curvesFigure } from '../common/curves-figure';
import { PUBLISHED_SCALING, ScalingResult } from './experiment';

/** Figures of the scaling test (pure: no DOM, no files). */

/** The settings a reader needs to tell two runs' figures apart: the hyperparameters, sizes, precision and seed. */
export function scalingCaption(result: ScalingResult): string {
  const c = result.config;
  return `L = ${c.bandwidth}, ridge ${c.ridge}, T = ${c.iterations}, n = ${c.fitRows}, ${c.trials} trials, ${c.dtype}, noise ${c.noise}, seed ${c.seed}`;
}

/** Test MSE (or MSE / Var(y)) against d, RFM and Laplace with quantile bands; the published means as markers. */
export function scalingFigure(
  result: ScalingResult,
  options: { normalised?: boolean; published?: boolean } = {},
): Figure {
  const fig = curvesFigure([result.rfm, result.baseline], {
    title: options.normalised
      ? `Scaling test, normalised: test MSE / Var(y), f = ${result.targetFormula}`
      : `Scaling test: test MSE vs d (${result.config.trials} trials, f = ${result.targetFormula})`,
    caption: scalingCaption(result),
    xTitle: 'input dimension d',
    normalised: options.normalised,
    yLog: true,
  });
  if (options.published ?? !options.normalised) {
    for (const [name, p, color] of [
      ['study: RFM (read off its figure)', PUBLISHED_SCALING.rfm, '#1f77b4'],
      ['study: Laplace (read off its figure)', PUBLISHED_SCALING.baseline, '#ff7f0e'],
    ] as const) {
      fig.data.push({
        type: 'scatter',
        mode: 'markers',
        name,
        x: [...p.d],
        y: [...p.mse],
        marker: { symbol: 'x', size: 10, color },
      });
    }
  }
  return fig;
}

function nearestIndex(dims: number[], d: number): number {
  let best = 0;
  for (let i = 1; i < dims.length; i++) if (Math.abs(dims[i] - d) < Math.abs(dims[best] - d)) best = i;
  return best;
}

/** Our means beside the study's published values at the d where its figure was read. */
export function scalingComparisonTable(result: ScalingResult): Figure {
  const ds = [...new Set([...PUBLISHED_SCALING.rfm.d, ...PUBLISHED_SCALING.baseline.d])].sort((a, b) => a - b);
  const rows: Cell[][] = ds.map((d) => {
    const j = nearestIndex(result.dims, d);
    const pr = PUBLISHED_SCALING.rfm.d.indexOf(d);
    const pb = PUBLISHED_SCALING.baseline.d.indexOf(d);
    return [
      d,
      result.dims[j],
      result.rfm.mse.mean[j],
      pr >= 0 ? PUBLISHED_SCALING.rfm.mse[pr] : null,
      result.baseline.mse.mean[j],
      pb >= 0 ? PUBLISHED_SCALING.baseline.mse[pb] : null,
      result.rfm.normalised.mean[j],
      result.baseline.normalised.mean[j],
    ];
  });
  return table({
    title: 'Ours vs the study (mean test MSE)',
    caption: scalingCaption(result),
    columns: [
      'd (study)',
      'd (ours, nearest)',
      'RFM',
      'RFM (study)',
      'Laplace',
      'Laplace (study)',
      'RFM MSE/Var(y)',
      'Laplace MSE/Var(y)',
    ],
    rows,
    digits: 3,
  });
}
