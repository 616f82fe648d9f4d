import type { Matrix } from '../linalg/matrix';
import type { Task } from '../kernels/targets';
import type { FittedState } from './fitted';
import type { FitSummary, IterationRecord } from './history';
import type { Profile } from './profile';

/**
 * What a fitted RFM holds. `input` says what the model was fit from (so predict knows d, or that it needs Gram rows);
 * `kept` is 'ready' once the kept iteration's state exists, 'pending' while a dual form still has to build C from
 * the iterates (on first use: materialize(), or any predict).
 */
export type FittedInput = { kind: 'points'; features: number } | { kind: 'gram'; features: number | undefined };

export type TemperatureSource = 'validation' | 'default (no validation data)';

interface FittedCommon {
  task: Task;
  /** The sorted class labels (classification only). */
  classes: number[] | undefined;
  /** Outputs (columns of the encoded Y). */
  c: number;
  input: FittedInput;
  baseline: FittedState;
  temperature: number;
  temperatureSource: TemperatureSource;
  history: IterationRecord[];
  summary: FitSummary;
  profile: Profile;
}

export type ReadyState = FittedCommon & { kept: 'ready'; best: FittedState };
export type PendingState = FittedCommon & { kept: 'pending'; resolveBest: () => Promise<FittedState> };
export type RFMState = ReadyState | PendingState;
