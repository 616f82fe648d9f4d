import { BandSeries, Cell, Figure, lineBands, table } from '../plot/figures';
import { Curve, DescentShape, SHAPE_TOLERANCE } from './sweep-summary';

/** Figures of the double-descent sweeps, built by the plot module from their results (pure: no DOM, no files). */

export interface CurvesFigureOptions {
  title: string;
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
    xTitle: options.xTitle,
    yTitle: options.normalised ? 'test MSE / Var(y)' : 'test MSE',
    xLog: options.xLog,
    yLog: options.yLog ?? true,
    width: options.width,
    height: options.height,
  });
  if (options.marker) {
    const { x, label } = options.marker;
    fig.layout.shapes = [{ type: 'line', x0: x, x1: x, yref: 'paper', y0: 0, y1: 1, line: { dash: 'dot', color: '#555', width: 1 } }];
    fig.layout.annotations = [{ x: options.xLog ? Math.log10(x) : x, y: 1, yref: 'paper', text: label, showarrow: false, yanchor: 'bottom' }];
  }
  return fig;
}

function shapeCells(shape: DescentShape): Cell[] {
  if (shape.peakX === null) return ['none', null, null];
  return [shape.peakX, shape.minToPeak, shape.peakToMin];
}

/**
 * The double-descent shape of each curve's mean, raw and normalised: where the peak is, how far the curve rises to
 * it from the minimum before it, and how far it falls after it ('none': no rise followed by a fall, both larger
 * than SHAPE_TOLERANCE; see descentShape).
 */
export function descentTable(curves: Curve[], options: { title: string; x: string }): Figure {
  const { x } = options;
  const fig = table({
    title: `${options.title} (a peak needs a rise and a fall of over ${Math.round(100 * SHAPE_TOLERANCE)} %)`,
    columns: ['curve', `MSE: peak ${x}`, 'min-to-peak', 'peak-to-later-min', `MSE/Var(y): peak ${x}`, 'min-to-peak', 'peak-to-later-min'],
    rows: curves.map((c) => [c.name, ...shapeCells(c.shape), ...shapeCells(c.normalisedShape)]),
    digits: 3,
    width: 1100,
  });
  // A wide first column keeps the curve names on one line: the table's height allows one line per row.
  fig.data[0].columnwidth = [3.4, 1.1, 1, 1.2, 1.3, 1, 1.2];
  return fig;
}
