// The expected work of the text experiment's stages and of the learning curve's points, in estimated seconds, so that
// their progress records carry the fraction done (and the progress line an ETA). Estimates from operation counts at
// nominal rates, not measurements: only their proportions matter, and a stage's share is exact once it has run.

import { DEFAULT_CENTRES } from '../../kernels/solver-choice';
import { NYSTROM_AGOP_SAMPLE } from '../../rfm/nystrom-setup';

/** Float64 rate of the dense solves (Cholesky, GEMM) and of the loops over one-hot codes and kernel values. */
const BLAS_FLOPS = 10e9;
const LOOP_OPS = 0.5e9;
/** Share of a window's positions another window matches on English text (one-hot products visit only these). */
const MATCH_SHARE = 0.07;
/** Seconds per generated character beyond the kernel arithmetic (calls, calibration, the event loop). */
const STEP_OVERHEAD = 2e-4;
/** Seconds per window of the back-off fit's trie (sort, build, two passes): ~5-10 s for 1M windows, measured. */
const BACKOFF_SECONDS_PER_WINDOW = 1e-5;

export interface WorkSizes {
  context: number;
  vocabulary: number;
  trainWindows: number;
  validationWindows: number;
  testWindows: number;
  prompts: number;
  generationLength: number;
  rfmIterations: number;
  solver: 'auto' | 'exact' | 'nystrom';
  nystrom: { centres?: number };
  /** Windows of the RFM's back-off fit beyond its training windows (rfmFinalWindows 'split'; absent: none). */
  backoffWindows?: number;
}

/** The points a fitted kernel model scores against: the training windows, or the Nystrom centres. */
function scoredAgainst(s: WorkSizes): number {
  return s.solver === 'nystrom' ? Math.min(s.trainWindows, s.nystrom.centres ?? DEFAULT_CENTRES) : s.trainWindows;
}

/** Seconds to score `windows` windows with a fitted kernel model. */
function scoreSeconds(s: WorkSizes, windows: number): number {
  const n = scoredAgainst(s);
  return windows * n * ((MATCH_SHARE * s.context) / LOOP_OPS + (2 * s.vocabulary) / BLAS_FLOPS);
}

/**
 * Seconds of one solve and of one AGOP update. Exact forms: the Cholesky and X'SX dominate, about equally (the kernel
 * from the one-hot Gram is a small part); Nystrom: K_nm' K_nm and the m x m solve, and the AGOP over the subsample J.
 */
function iterationSeconds(s: WorkSizes): { solve: number; agop: number } {
  const n = s.trainWindows;
  if (s.solver !== 'nystrom') {
    const cholesky = n ** 3 / 3 / BLAS_FLOPS;
    return { solve: cholesky + (n * n * (MATCH_SHARE * s.context + 2)) / LOOP_OPS, agop: cholesky };
  }
  const m = scoredAgainst(s);
  const j = Math.min(n, NYSTROM_AGOP_SAMPLE);
  return {
    solve: (n * m * m + m ** 3 / 3) / BLAS_FLOPS + (n * m * (MATCH_SHARE * s.context + 2)) / LOOP_OPS,
    agop: ((j + m) ** 2 * s.vocabulary) / BLAS_FLOPS + ((j + m) ** 2 * s.context) / LOOP_OPS,
  };
}

/** Seconds to fit a kernel model with T = `iterations` (0: the Laplace model) and calibrate it on validation. */
export function kernelModelSeconds(s: WorkSizes, iterations: number): number {
  const validation = scoreSeconds(s, s.validationWindows) * (iterations > 0 ? iterations + 2 : 1);
  const { solve, agop } = iterationSeconds(s);
  return (iterations + 1) * solve + iterations * agop + validation;
}

/** Expected seconds of one learning-curve point: the model's fit and its scoring of the test windows. */
export function curvePointWork(s: WorkSizes, model: 'ngram' | 'ngramWindows' | 'laplace' | 'rfm'): number {
  if (model === 'ngram') return 2;
  if (model === 'ngramWindows') return 0.5;
  return kernelModelSeconds(s, model === 'rfm' ? s.rfmIterations : 0) + scoreSeconds(s, s.testWindows);
}

export type WorkStage = 'corpus' | 'windows' | 'ngram' | 'laplace' | 'rfm' | 'evaluation' | 'generation';
export const WORK_STAGES: readonly WorkStage[] = [
  'corpus',
  'windows',
  'ngram',
  'laplace',
  'rfm',
  'evaluation',
  'generation',
];

/** Expected seconds of each stage of runTextExperiment. */
export function experimentWork(s: WorkSizes): Record<WorkStage, number> {
  const characters = 2 * s.prompts * s.generationLength;
  return {
    corpus: 1,
    windows: 1,
    ngram: 3,
    laplace: kernelModelSeconds(s, 0),
    rfm: kernelModelSeconds(s, s.rfmIterations) + (s.backoffWindows ?? 0) * BACKOFF_SECONDS_PER_WINDOW,
    evaluation: 2 * scoreSeconds(s, s.testWindows) + 0.5,
    generation: 2 * characters * (scoreSeconds(s, 1) + STEP_OVERHEAD) + 0.5,
  };
}

/**
 * The fraction of the whole done when `stage` is `within` (0..1) done, the stages before it complete: stages run in
 * WORK_STAGES order.
 */
export function stageFraction(work: Record<WorkStage, number>, stage: WorkStage, within: number): number {
  let total = 0;
  let before = 0;
  for (const s of WORK_STAGES) {
    if (WORK_STAGES.indexOf(s) < WORK_STAGES.indexOf(stage)) before += work[s];
    total += work[s];
  }
  return Math.min(1, (before + Math.min(1, Math.max(0, within)) * work[stage]) / total);
}
