// The last steps of every primal-form metric update (the exact primal engine and the Nystrom engine): tie the
// diagonal's groups, check for a degenerate AGOP, normalise. One place, so both forms learn the same M.

import { maxAbs, scaleInPlace } from '../linalg/elementwise';
import type { FloatArray } from '../linalg/matrix';
import type { Metric } from '../kernels/kernel';
import type { EngineSetup } from './engine';

type LearnedMetric = Exclude<Metric, { kind: 'identity' }>;

/** Ties, checks and normalises `next` (M_{t+1}) in place, as the engine's settings ask. */
export function finishMetricUpdate(next: LearnedMetric, s: EngineSetup, label: string): void {
  if (next.kind === 'diagonal' && s.groupSize !== undefined) tieGroups(next.diagonal, s.groupSize);
  const values = next.kind === 'diagonal' ? next.diagonal : next.matrix.data;
  s.checks?.agop(values, label);
  if (s.normalization === 'max') scaleInPlace(values, 1 / maxAbs(values));
  else if (s.normalization === 'trace') {
    const d = next.kind === 'diagonal' ? next.diagonal.length : next.matrix.rows;
    let tr = 0;
    if (next.kind === 'diagonal') for (let p = 0; p < d; p++) tr += next.diagonal[p];
    else for (let p = 0; p < d; p++) tr += next.matrix.data[p * d + p];
    scaleInPlace(values, d / tr);
  }
}

/** Each run of `size` consecutive entries replaced by its mean (one weight per group of features). */
function tieGroups(diagonal: FloatArray, size: number): void {
  for (let start = 0; start < diagonal.length; start += size) {
    let sum = 0;
    for (let p = start; p < start + size; p++) sum += diagonal[p];
    diagonal.fill(sum / size, start, start + size);
  }
}
