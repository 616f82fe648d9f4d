import { asImage } from '../../data/mnist';
import { Cell, Figure, frameLayout, heatmap, table } from '../../plot/figures';
import {
  FeatureMatrixComparison,
  MatrixData,
  MnistFeatureResult,
  MnistTaskResult,
  STUDY_MNIST,
  ScalingFeatureResult,
  ThreeMatrices,
  VariantResult,
  digitSetName,
} from './experiment';
import { targetFormula } from '../common/scaling-data';

/** Figures of the feature-learning experiments (pure: no DOM, no files). */

const MATRIX_NAMES: ThreeMatrices<string> = { nfm: "network W1'W1", agop: 'network AGOP', rfm: "RFM's M" };
const PAIR_NAMES: Record<keyof FeatureMatrixComparison, string> = {
  nfmVsAgop: "W1'W1 vs network AGOP",
  nfmVsRfm: "W1'W1 vs RFM's M",
  agopVsRfm: "network AGOP vs RFM's M",
};
const KEYS = ['nfm', 'agop', 'rfm'] as const;
const PANEL_GAP = 0.05;

/** Values divided by their largest magnitude: the three matrices' overall scales are arbitrary, so they share [-1, 1]. */
function scaled(values: ArrayLike<number>): number[] {
  let big = 0;
  for (let i = 0; i < values.length; i++) big = Math.max(big, Math.abs(values[i]));
  return Array.from(values, (v) => (big === 0 ? 0 : v / big));
}

/** The line above each panel for its name. */
const PANEL_TITLE_PX = 24;

/** Square heatmap panels in one row, one shared colour bar (the panels must share a colour scale). */
function sideBySide(
  panels: { title: string; fig: Figure }[],
  frame: { title: string; width: number; height: number },
): Figure {
  const n = panels.length;
  const width = (1 - PANEL_GAP * (n - 1)) / n;
  const framed = frameLayout(frame);
  const layout: { [key: string]: unknown } = {
    ...panels[0].fig.layout,
    ...framed,
    // The frame's title (below the toolbar band) and, under it, a line for each panel's.
    margin: { ...(framed.margin as object), l: 60, t: (framed.margin as { t: number }).t + PANEL_TITLE_PX, b: 40 },
  };
  delete layout.xaxis;
  delete layout.yaxis;
  const annotations: object[] = [];
  const data = panels.map(({ title, fig }, i) => {
    const suffix = i === 0 ? '' : String(i + 1);
    const from = i * (width + PANEL_GAP);
    layout[`xaxis${suffix}`] = { ...(fig.layout.xaxis as object), domain: [from, from + width], anchor: `y${suffix}` };
    layout[`yaxis${suffix}`] = { ...(fig.layout.yaxis as object), anchor: `x${suffix}`, scaleanchor: `x${suffix}` };
    annotations.push({
      text: title,
      x: from + width / 2,
      y: 1,
      xref: 'paper',
      yref: 'paper',
      xanchor: 'center',
      yanchor: 'bottom',
      showarrow: false,
    });
    return { ...fig.data[0], xaxis: `x${suffix}`, yaxis: `y${suffix}`, showscale: i === n - 1 };
  });
  layout.annotations = annotations;
  return { data, layout, config: panels[0].fig.config };
}

function leadingBlock(m: MatrixData, k: number): MatrixData {
  const size = Math.min(k, m.rows);
  const data: number[] = [];
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) data.push(m.data[i * m.cols + j]);
  return { rows: size, cols: size, data };
}

/**
 * W1'W1, the network's AGOP and the RFM's M side by side, each divided by its largest entry. `block` shows only the
 * leading block (x1..x_block), where the scaling target's structure is.
 */
export function scalingMatricesFigure(result: ScalingFeatureResult, options: { block?: number } = {}): Figure {
  const block = options.block ?? result.dim;
  const labels = Array.from({ length: Math.min(block, result.dim) }, (_, i) => `x${i + 1}`);
  const panels = KEYS.map((key) => {
    const m = leadingBlock(result.matrices[key], block);
    return {
      title: MATRIX_NAMES[key],
      fig: heatmap({
        z: { rows: m.rows, cols: m.cols, data: scaled(m.data) },
        zmid: 0,
        ...(block <= 20 ? { x: labels, y: labels } : {}),
      }),
    };
  });
  for (const p of panels) Object.assign(p.fig.data[0], { zmin: -1, zmax: 1 });
  const what =
    block < result.dim
      ? `the leading ${block} x ${block} block of the ${result.dim} x ${result.dim}`
      : `the ${result.dim} x ${result.dim}`;
  return sideBySide(panels, {
    title: `f = ${targetFormula(result.target)}: ${what} feature matrices, each / its largest entry`,
    width: 1050,
    height: 450,
  });
}

/**
 * Per-pixel pictures of a task's three matrices: their diagonals (how much each pixel is used) or their top
 * eigenvectors (the most used direction), as 28 x 28 images, each divided by its largest magnitude.
 */
export function mnistImagesFigure(task: MnistTaskResult, what: 'diagonal' | 'top eigenvector'): Figure {
  const source = what === 'diagonal' ? task.diagonals : task.topEigenvectors;
  const signed = what === 'top eigenvector';
  const panels = KEYS.map((key) => {
    const fig = heatmap({ z: asImage(scaled(source[key])), ...(signed ? { zmid: 0 } : { colorscale: 'Viridis' }) });
    Object.assign(fig.data[0], signed ? { zmin: -1, zmax: 1 } : { zmin: 0, zmax: 1 });
    for (const axis of ['xaxis', 'yaxis']) Object.assign(fig.layout[axis] as object, { visible: false });
    return { title: MATRIX_NAMES[key], fig };
  });
  return sideBySide(panels, {
    title: `MNIST ${digitSetName(task.digits)}: ${what} of each matrix as a 28 x 28 image`,
    width: 1000,
    height: 420,
  });
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

/**
 * Pearson correlation of the entries, the uncentred correlation (cosine) the RFM paper reports, and the angle between
 * top eigenvectors in degrees: one row per (data, pair of matrices).
 */
export function similarityTable(
  rows: { label: string; comparison: FeatureMatrixComparison }[],
  title = 'How alike the feature matrices are',
): Figure {
  const cells: Cell[][] = [];
  for (const { label, comparison } of rows) {
    for (const pair of Object.keys(PAIR_NAMES) as (keyof FeatureMatrixComparison)[]) {
      const s = comparison[pair];
      cells.push([label, PAIR_NAMES[pair], round(s.pearson, 3), round(s.cosine, 3), round(s.topEigenvectorAngle, 1)]);
    }
  }
  return table({
    title,
    columns: ['data', 'matrices', 'Pearson r', 'cosine', 'angle (deg)'],
    rows: cells,
    width: 1000,
  });
}

/** Test MSE of the three models and the share of each matrix's trace on x1..x3. */
export function scalingSummaryTable(result: ScalingFeatureResult): Figure {
  return table({
    title: `f = ${targetFormula(result.target)}, d = ${result.dim}: test MSE (Var y = ${round(result.targetVariance, 3)}); trace shares on x1..x3`,
    columns: ['model', 'test MSE', 'MSE / Var(y)', 'matrix', 'x1..x3 share'],
    width: 1000,
    rows: [
      [
        'network',
        round(result.testMse.network, 4),
        round(result.testMse.network / result.targetVariance, 4),
        MATRIX_NAMES.nfm,
        round(result.leadingTrace.nfm, 3),
      ],
      ['network', null, null, MATRIX_NAMES.agop, round(result.leadingTrace.agop, 3)],
      [
        `RFM (iteration ${result.rfmIteration} kept)`,
        round(result.testMse.rfm, 4),
        round(result.testMse.rfm / result.targetVariance, 4),
        MATRIX_NAMES.rfm,
        round(result.leadingTrace.rfm, 3),
      ],
      [
        'Laplace kernel',
        round(result.testMse.laplace, 4),
        round(result.testMse.laplace / result.targetVariance, 4),
        '',
        null,
      ],
    ],
  });
}

/** Test accuracy of the network, the Laplace kernel and the RFM per digit set, with the study's number beside ours. */
export function accuracyTable(result: MnistFeatureResult): Figure {
  const rows: Cell[][] = result.tasks.map((t) => {
    const isStudyPair = t.digits.length === 2 && t.digits.every((d, i) => d === STUDY_MNIST.digits[i]);
    return [
      digitSetName(t.digits),
      round(t.accuracy.network, 4),
      round(t.accuracy.laplace, 4),
      round(t.accuracy.rfm, 4),
      t.rfmIteration,
      isStudyPair ? STUDY_MNIST.accuracy : null,
    ];
  });
  const { train, test } = result.sizes;
  return table({
    title: `MNIST test accuracy (${train} train / ${test} test; the study: ${STUDY_MNIST.train} / ${STUDY_MNIST.test})`,
    columns: ['digits', 'network', 'Laplace kernel', 'RFM', 'RFM iteration', 'study: Laplace'],
    width: 1000,
    rows,
  });
}

interface VariantRow {
  initScale: number;
  weightDecay: number;
  score: number;
  nfmVsAgop: FeatureMatrixComparison['nfmVsAgop'];
  nfmVsRfm: FeatureMatrixComparison['nfmVsRfm'];
  leadingTrace?: number;
  note: string;
}

function variantsFigure(rows: VariantRow[], scoreName: string, withTrace: boolean, title: string): Figure {
  return table({
    title,
    // Short headers: plotly tables do not grow a header row for wrapped text. r and angle are W1'W1's against each.
    columns: [
      'init scale',
      'weight decay',
      scoreName,
      'r: AGOP',
      'angle: AGOP',
      'r: RFM M',
      'angle: RFM M',
      ...(withTrace ? ['x1..x3 share'] : []),
      '',
    ],
    width: 1000,
    rows: rows.map((r) => [
      r.initScale,
      r.weightDecay,
      round(r.score, 4),
      round(r.nfmVsAgop.pearson, 3),
      round(r.nfmVsAgop.topEigenvectorAngle, 1),
      round(r.nfmVsRfm.pearson, 3),
      round(r.nfmVsRfm.topEigenvectorAngle, 1),
      ...(withTrace ? [r.leadingTrace === undefined ? null : round(r.leadingTrace, 3)] : []),
      r.note,
    ]),
  });
}

function variantRows(variants: VariantResult[]): VariantRow[] {
  return variants.map((v) => ({ ...v, score: v.networkScore, leadingTrace: v.nfmLeadingTrace, note: '' }));
}

/** The scaling run's network beside the same network with other initial scales and weight decays. */
export function scalingVariantsTable(result: ScalingFeatureResult): Figure {
  const { initScale, weightDecay } = result.network;
  const main: VariantRow = {
    initScale,
    weightDecay,
    score: result.testMse.network,
    ...result.comparison,
    leadingTrace: result.leadingTrace.nfm,
    note: 'the run above',
  };
  return variantsFigure(
    [main, ...variantRows(result.variants)],
    'test MSE',
    true,
    'Scaling target: the network with other initial scales and weight decays',
  );
}

/** The first MNIST task's network beside the same network with other initial scales and weight decays. */
export function mnistVariantsTable(result: MnistFeatureResult): Figure {
  const first = result.tasks[0];
  const { initScale, weightDecay } = result.network;
  const main: VariantRow = {
    initScale,
    weightDecay,
    score: first.accuracy.network,
    ...first.comparison,
    note: 'the run above',
  };
  return variantsFigure(
    [main, ...variantRows(result.variants)],
    'test accuracy',
    false,
    `MNIST ${digitSetName(first.digits)}: the network with other initial scales and weight decays`,
  );
}
