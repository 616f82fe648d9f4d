import { ShapeError, ModelFileError } from '../core/errors';
import { IDENTITY, Metric } from '../kernels/kernel';
import {
  EncodedArray,
  checkModelFields,
  decodeArray,
  decodeMatrix,
  encodeArray,
  encodeMatrix,
  parseModelJson,
} from '../kernels/serialize';
import { DenseFeatures } from './features';
import type { FittedState } from './fitted';
import type { FitSummary, IterationRecord } from './history';
import { Profile } from './profile';
import type { FittedInput, ReadyState, TemperatureSource } from './state';

/**
 * The learned state of an RFM iteration as a model object (arrays raw; kernels/serialize.ts makes it JSON,
 * kernels/model-file.ts a binary file; docs/reliability.md). Format version 2 (1 had no checksums, and is read). A baseline state
 * shares the training points (and Gram matrix) of the kept state, so they are written once.
 * A one-hot X is written as its dense matrix (and read back as one).
 * Sizes, float64: primal X (n d) + M (d^2) + alpha and norms (n c + n, twice with the baseline); dual X (n d; or G,
 * n^2, for a Gram fit) + C (n^2) + the same vectors.
 */

type EncodedMetric =
  { kind: 'identity' } | { kind: 'diagonal'; diagonal: EncodedArray } | { kind: 'full'; matrix: EncodedArray };

function encodeMetric(m: Metric): EncodedMetric {
  if (m.kind === 'identity') return { kind: 'identity' };
  if (m.kind === 'diagonal') return { kind: 'diagonal', diagonal: encodeArray(m.diagonal, [m.diagonal.length]) };
  return { kind: 'full', matrix: encodeMatrix(m.matrix) };
}

function decodeMetric(e: EncodedMetric): Metric {
  if (typeof e !== 'object' || e === null) throw new ModelFileError('metric: missing');
  if (e.kind === 'identity') return IDENTITY;
  if (e.kind === 'diagonal') return { kind: 'diagonal', diagonal: decodeArray(e.diagonal, 'metric') };
  if (e.kind === 'full') return { kind: 'full', matrix: decodeMatrix(e.matrix, 'metric') };
  throw new ModelFileError(`unknown metric kind ${String((e as { kind: unknown }).kind)}`);
}

/** `shared`: the state whose training data this one shares (written only with it). */
export function encodeFitted(s: FittedState, shared?: FittedState): object {
  const common = { alpha: encodeMatrix(s.alpha), norms: encodeArray(s.norms, [s.norms.length]) };
  if (s.kind === 'primal') {
    return {
      kind: 'primal',
      ...common,
      metric: encodeMetric(s.metric),
      x: shared ? 'shared' : encodeMatrix(s.x.dense()),
    };
  }
  const data = shared
    ? 'shared'
    : s.data.x
      ? { x: encodeMatrix(s.data.x.dense()) }
      : { gram: encodeMatrix(s.data.gram!) };
  return { kind: 'dual', ...common, coef: s.coef ? encodeMatrix(s.coef) : null, data };
}

export function decodeFitted(o: object, shared?: FittedState): FittedState {
  const e = o as Record<string, unknown>;
  const alpha = decodeMatrix(e.alpha as EncodedArray, 'alpha');
  const norms = decodeArray(e.norms as EncodedArray, 'norms');
  if (norms.length !== alpha.rows)
    throw new ModelFileError(`alpha has ${alpha.rows} rows but norms ${norms.length} entries`);
  if (e.kind === 'primal') {
    const x =
      e.x === 'shared' && shared?.kind === 'primal'
        ? shared.x
        : new DenseFeatures(decodeMatrix(e.x as EncodedArray, 'x'));
    return { kind: 'primal', x, metric: decodeMetric(e.metric as EncodedMetric), alpha, norms };
  }
  if (e.kind !== 'dual') throw new ModelFileError(`unknown model kind ${String(e.kind)}`);
  let data;
  if (e.data === 'shared') {
    if (shared?.kind !== 'dual') throw new ModelFileError('a dual baseline needs the kept dual state');
    data = shared.data;
  } else {
    const d = e.data as { x?: EncodedArray; gram?: EncodedArray };
    if (typeof d !== 'object' || d === null) throw new ModelFileError('dual state: field "data" is missing');
    data = d.x ? { x: new DenseFeatures(decodeMatrix(d.x, 'x')) } : { gram: decodeMatrix(d.gram!, 'gram') };
  }
  return { kind: 'dual', data, coef: e.coef ? decodeMatrix(e.coef as EncodedArray, 'coef') : null, alpha, norms };
}

/** The JSON of a whole fitted RFM: hyperparameters, what it was fit on, the history, the kept pair and the baseline. */
export interface RFMJson {
  format: 'rfm-lab/rfm';
  version: 2;
  params: object;
  task: ReadyState['task'];
  classes: number[] | undefined;
  c: number;
  features: number | undefined;
  gramOnly: boolean;
  temperature: number;
  temperatureSource: TemperatureSource;
  history: IterationRecord[];
  summary: FitSummary;
  model: object;
  baseline: object;
}

export function encodeRFM(params: object, s: ReadyState): RFMJson {
  return {
    format: 'rfm-lab/rfm',
    version: 2,
    params,
    task: s.task,
    classes: s.classes,
    c: s.c,
    features: s.input.features,
    gramOnly: s.input.kind === 'gram',
    temperature: s.temperature,
    temperatureSource: s.temperatureSource,
    history: s.history,
    summary: s.summary,
    model: encodeFitted(s.best),
    baseline: encodeFitted(s.baseline, s.best),
  };
}

const RFM_FIELDS = {
  params: 'object',
  task: 'string',
  classes: 'optional-array',
  c: 'number',
  gramOnly: 'boolean',
  temperature: 'number',
  temperatureSource: 'string',
  history: 'array',
  summary: 'object',
  model: 'object',
  baseline: 'object',
} as const;

/** The parameters and fitted state of a serialised RFM (a JSON string or the parsed object). */
export function decodeRFM(json: string | object): { params: object; state: ReadyState } {
  const raw = parseModelJson(json, 'RFM model');
  checkModelFields(raw, 'rfm-lab/rfm', [1, 2], RFM_FIELDS);
  const o = raw as unknown as RFMJson;
  if (!o.gramOnly && !(Number.isInteger(o.features) && (o.features as number) > 0)) {
    throw new ModelFileError('rfm-lab/rfm: field "features" is missing or not a positive integer');
  }
  const best = decodeFitted(o.model);
  const input: FittedInput = o.gramOnly
    ? { kind: 'gram', features: o.features }
    : { kind: 'points', features: o.features as number };
  const state: ReadyState = {
    kept: 'ready',
    task: o.task,
    classes: o.classes,
    c: o.c,
    input,
    best,
    baseline: decodeFitted(o.baseline, best),
    temperature: o.temperature,
    temperatureSource: o.temperatureSource,
    history: o.history,
    summary: o.summary,
    profile: new Profile(),
  };
  return { params: o.params, state };
}
