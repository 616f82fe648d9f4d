import { Cell, Figure, table } from '../../plot/figures';
import { Curve, DescentShape, SHAPE_TOLERANCE } from '../common/sweep-summary';

/** Figures of the double-descent sweeps, built by the plot module from their results (pure: no DOM, no files). */

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
    columns: [
      'curve',
      `MSE: peak ${x}`,
      'min-to-peak',
      'peak-to-later-min',
      `MSE/Var(y): peak ${x}`,
      'min-to-peak',
      'peak-to-later-min',
    ],
    rows: curves.map((c) => [c.name, ...shapeCells(c.shape), ...shapeCells(c.normalisedShape)]),
    digits: 3,
    width: 1100,
  });
  // A wide first column keeps the curve names on one line: the table's height allows one line per row.
  fig.data[0].columnwidth = [3.4, 1.1, 1, 1.2, 1.3, 1, 1.2];
  return fig;
}
