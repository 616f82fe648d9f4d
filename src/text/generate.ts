// Continuing a prompt with any CharModel, one character at a time: the chosen character's code is appended to the
// context (for a kernel model, that is feeding back its one-hot vector, not the raw real-valued output the study
// fed back).

import { Rng } from '../random';
import { checkContextCodes, type CharModel } from './char-model';
import { DataError, OptionError, ShapeError } from '../core/errors';
import { checkOptions } from '../core/options';
import { throwIfAborted, yieldToEventLoop } from '../core/async';

export interface GenerateOptions {
  /** Characters to generate. */
  length: number;
  /** 'greedy' (default) takes the most probable character (lowest code on ties); 'sample' draws one. */
  mode?: 'greedy' | 'sample';
  /** Sampling temperature: p^(1/T), renormalised. Default 1; only with mode 'sample'. */
  temperature?: number;
  /** Sample only among the k most probable characters (after temperature), renormalised; only with mode 'sample'. */
  topK?: number;
  /** Seed of the sampler. Default 0. */
  seed?: number;
  onStep?: (step: number, code: number) => void;
  /**
   * Checked after every character (generation yields to the event loop at least every 20 ms): aborting it throws
   * CancelledError.
   */
  signal?: AbortSignal;
}

export interface Generation {
  /** Codes of the generated characters only (not the prompt). */
  codes: Int32Array;
  /** Their text, decoded with the model's vocabulary. */
  text: string;
  /** Sum of the natural-log probabilities the model gave the chosen characters (before temperature). */
  logProb: number;
}

/** Longest stretch of generation between two yields to the event loop. */
const YIELD_EVERY_MS = 20;

const GENERATE_OPTION_KEYS = ['length', 'mode', 'temperature', 'topK', 'seed', 'onStep', 'signal'];

export async function generate(
  model: CharModel,
  prompt: string | ArrayLike<number>,
  options: GenerateOptions,
): Promise<Generation> {
  checkOptions('generate', options, GENERATE_OPTION_KEYS);
  const { length, mode = 'greedy', temperature = 1, seed = 0 } = options;
  if (!Number.isInteger(length) || length < 0)
    throw new OptionError(`generate: length must be a non-negative integer, got ${length}`);
  if (mode !== 'greedy' && mode !== 'sample')
    throw new OptionError(`generate: mode must be 'greedy' or 'sample', got ${JSON.stringify(mode)}`);
  if (!(temperature > 0 && Number.isFinite(temperature)))
    throw new OptionError(`generate: temperature must be a positive number, got ${temperature}`);
  if (mode === 'greedy' && options.temperature !== undefined)
    throw new OptionError("generate: temperature only applies with mode 'sample'");
  const topK = options.topK;
  if (topK !== undefined) {
    if (!Number.isInteger(topK) || topK < 1)
      throw new OptionError(`generate: topK must be a positive integer, got ${topK}`);
    if (mode === 'greedy') throw new OptionError("generate: topK only applies with mode 'sample'");
  }
  const promptCodes = typeof prompt === 'string' ? model.vocab.encode(prompt) : Int32Array.from(prompt);
  checkContextCodes(promptCodes, model.vocab.size, 'generate');
  throwIfAborted(options.signal, 'generate');
  const rng = new Rng(seed);
  const history = Array.from(promptCodes);
  const generated = new Int32Array(length);
  let logProb = 0;
  let yielded = performance.now();
  for (let step = 0; step < length; step++) {
    // A synchronous answer (an n-gram's) is not awaited: an await per character made n-gram generation 5x slower.
    const answer = model.nextDistribution(history.slice(Math.max(0, history.length - model.context)));
    const p = answer instanceof Promise ? await answer : answer;
    checkDistribution(p, model.vocab.size, step);
    const code = mode === 'greedy' ? argmax(p) : rng.choice(keepTop(tempered(p, temperature), topK));
    generated[step] = code;
    logProb += Math.log(p[code]);
    history.push(code);
    options.onStep?.(step, code);
    // Yielding costs ~15 us: an n-gram's character costs less, so yield when 20 ms have passed, check every step.
    if (performance.now() - yielded >= YIELD_EVERY_MS) {
      await yieldToEventLoop(options.signal, 'generate');
      yielded = performance.now();
    } else throwIfAborted(options.signal, 'generate');
  }
  return { codes: generated, text: model.vocab.decode(generated), logProb };
}

function argmax(p: Float64Array): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

/** The k largest weights (ties at the k-th kept by lower index), the rest zeroed; all of them without k. */
function keepTop(p: Float64Array, k: number | undefined): Float64Array {
  if (k === undefined || k >= p.length) return p;
  const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a] || a - b);
  const out = new Float64Array(p.length);
  for (let i = 0; i < k; i++) out[order[i]] = p[order[i]];
  return out;
}

function tempered(p: Float64Array, temperature: number): Float64Array {
  if (temperature === 1) return p;
  // In log space relative to the largest probability, so that small temperatures do not underflow to all zeros.
  let maxLog = -Infinity;
  for (let i = 0; i < p.length; i++) if (p[i] > 0) maxLog = Math.max(maxLog, Math.log(p[i]));
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[i] > 0 ? Math.exp((Math.log(p[i]) - maxLog) / temperature) : 0;
  return out;
}

function checkDistribution(p: Float64Array, size: number, step: number): void {
  if (p.length !== size)
    throw new ShapeError(`generate: the model returned ${p.length} probabilities for ${size} symbols (step ${step})`);
  let total = 0;
  for (let i = 0; i < size; i++) {
    if (!(p[i] >= 0))
      throw new DataError(`generate: the model returned probability ${p[i]} for symbol ${i} (step ${step})`);
    total += p[i];
  }
  if (Math.abs(total - 1) > 1e-6)
    throw new DataError(`generate: the model's probabilities sum to ${total}, not 1 (step ${step})`);
}
