import { heatmap, lineBands, type Figure } from '../../plot/figures';
import { STUDY_SYMBOLS } from '../../text/vocab';
import type { LearningCurve, LearningCurvePoint } from './learning-curve';
import { CURVE_MODELS } from './learning-curve';
import type { TextExperimentResult } from './experiment';

/** Figures of the text study (plain objects; notebooks show and export them). */

const CURVE_NAMES = {
  ngram: 'n-gram on the train split',
  ngramWindows: "n-gram on the kernel models' text",
  laplace: 'Laplace',
  rfm: 'RFM',
} as const;

/**
 * Accuracy and bits per character against training windows, one line per model and solver (the Nystrom points, with
 * their centres m, apart from the exact ones), in order of size.
 */
export function learningCurveFigures(curve: LearningCurve): { accuracy: Figure; bits: Figure } {
  const label = (p: LearningCurvePoint) =>
    p.solver === 'nystrom' ? `${CURVE_NAMES[p.model]} (Nystrom, m = ${p.centres})` : CURVE_NAMES[p.model];
  const sorted = curve.points.slice().sort((a, b) => a.trainWindows - b.trainWindows);
  const names = CURVE_MODELS.flatMap((model) => [...new Set(sorted.filter((p) => p.model === model).map(label))]);
  const series = (value: 'accuracy' | 'bitsPerCharacter') =>
    names.map((name) => {
      const points = sorted.filter((p) => label(p) === name);
      return { name, x: points.map((p) => p.trainWindows), mean: points.map((p) => p[value]) };
    });
  return {
    accuracy: lineBands({
      title: 'Held-out next-character accuracy against training windows',
      series: series('accuracy'),
      xLog: true,
      xTitle: 'training windows',
      yTitle: 'accuracy',
    }),
    bits: lineBands({
      title: 'Held-out bits per character against training windows (lower is better)',
      series: series('bitsPerCharacter'),
      xLog: true,
      xTitle: 'training windows',
      yTitle: 'bits / character',
    }),
  };
}

/**
 * The RFM's learned weights diag(M) of the kept iteration as a positions x symbols heatmap (log10; row 1 is the
 * character just before the predicted one, t-1). With the 'position' metric each row is one weight.
 */
export function positionWeightsFigure(result: TextExperimentResult): Figure {
  const rfm = result.fits.rfm.rfm!;
  const w = result.config.context;
  const v = rfm.weights.length / w;
  const rows: number[][] = [];
  for (let back = 1; back <= w; back++) {
    const p = w - back;
    rows.push(Array.from(rfm.weights.subarray(p * v, (p + 1) * v), (x) => Math.log10(Math.max(x, 1e-12))));
  }
  const symbols =
    STUDY_SYMBOLS.length === v
      ? STUDY_SYMBOLS.map((s) => (s === ' ' ? '␣' : s))
      : Array.from({ length: v }, (_, i) => i);
  return heatmap({
    title: `RFM weights diag(M), log10 (${result.fits.rfm.metric} M, kept iteration ${rfm.bestIteration})`,
    z: rows,
    x: [...symbols],
    y: Array.from({ length: w }, (_, i) => `t-${i + 1}`),
    xTitle: 'symbol',
    yTitle: 'context position (t-1: the character before the predicted one)',
    height: 700,
  });
}
