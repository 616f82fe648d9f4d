import { BandSeries, Figure, lineBands } from '../../plot/figures';
import { Curve } from './sweep-summary';

/** The figure of any sweep's curves (the scaling test, the double-descent sweeps): pure, no DOM, no files. */

export interface CurvesFigureOptions {
  title: string;
  /** A second, smaller line under the title: the settings behind the curves. */
  caption?: string;
  xTitle: string;
  /** Plot MSE / Var(y) instead of the MSE. */
  normalised?: boolean;
  /** Default true: errors span decades. */
  yLog?: boolean;
  xLog?: boolean;
  /** Draws a dotted vertical line here, e.g. the interpolation threshold p = n; with its label. */
  marker?: { x: number; label: string };
  width?: number;
  height?: number;
}

/** Mean test error of each curve with its 2.5-97.5 % band across trials. */
export function curvesFigure(curves: Curve[], options: CurvesFigureOptions): Figure {
  const series: BandSeries[] = curves.map((c) => {
    const s = options.normalised ? c.normalised : c.mse;
    return { name: c.name, x: c.x, mean: s.mean, lo: s.lo, hi: s.hi };
  });
  const fig = lineBands({
    series,
    title: options.title,
    caption: options.caption,
    xTitle: options.xTitle,
    yTitle: options.normalised ? 'test MSE / Var(y)' : 'test MSE',
    xLog: options.xLog,
    yLog: options.yLog ?? true,
    width: options.width,
    height: options.height,
  });
  if (options.marker) {
    const { x, label } = options.marker;
    fig.layout.shapes = [
      { type: 'line', x0: x, x1: x, yref: 'paper', y0: 0, y1: 1, line: { dash: 'dot', color: '#555', width: 1 } },
    ];
    fig.layout.annotations = [
      { x: options.xLog ? Math.log10(x) : x, y: 1, yref: 'paper', text: label, showarrow: false, yanchor: 'bottom' },
    ];
  }
  return fig;
}
