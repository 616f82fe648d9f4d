import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix } from '../../src/linalg/matrix';
import { Rng } from '../../src/random';
import { chooseForm, primalGradientCosts } from '../../src/rfm/cost-model';
import { DenseFeatures, OneHotFeatures, stackFeatures } from '../../src/rfm/features';
import { RFM, RFMOptions } from '../../src/rfm/rfm';
import { matrixRelDiff, relDiff } from './helpers';

/** One-hot X given by its codes computes the same iterates as its dense matrix (docs/rfm-math.md section 6). */

interface Windows {
  codes: Int32Array;
  width: number;
  vocabulary: number;
  labels: number[];
}

/**
 * Windows whose label is a function of the last position (so that a learned metric pays), with ~10% all-zero
 * positions, one all-zero row and a few duplicated windows (zero distances between different points).
 */
function windows(count: number, width: number, vocabulary: number, seed: number, classes = 4): Windows {
  const rng = new Rng(seed);
  const codes = new Int32Array(count * width);
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const copy = i > 10 && i % 17 === 0;
    for (let p = 0; p < width; p++)
      codes[i * width + p] = copy ? codes[(i - 7) * width + p] : i === 3 || rng.next() < 0.1 ? -1 : rng.int(vocabulary);
    labels.push(copy ? labels[i - 7] : Math.max(codes[(i + 1) * width - 1], 0) % classes);
  }
  return { codes, width, vocabulary, labels };
}

function dense(w: Windows): Matrix {
  const d = w.width * w.vocabulary;
  const x = new Matrix(w.labels.length, d);
  for (let i = 0; i < w.labels.length; i++)
    for (let p = 0; p < w.width; p++)
      if (w.codes[i * w.width + p] >= 0) x.data[i * d + p * w.vocabulary + w.codes[i * w.width + p]] = 1;
  return x;
}

const oneHot = (w: Windows) => ({ oneHot: { codes: w.codes, width: w.width, vocabulary: w.vocabulary } });

function symmetric(n: number, rng: Rng): Matrix {
  const s = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) s.data[i * n + j] = s.data[j * n + i] = rng.normal();
  return s;
}

test('one-hot products equal the dense products, all-zero rows included', async () => {
  const rng = new Rng(5);
  const w = windows(23, 5, 7, 1);
  const z = windows(9, 5, 7, 2);
  const x = OneHotFeatures.fromCodes(w);
  const xd = new DenseFeatures(dense(w));
  const zf = OneHotFeatures.fromCodes(z);
  const zd = new DenseFeatures(dense(z));
  const d = 35;
  assert.equal(x.cols, d);
  assert.equal(x.oneHotWidth, 5);
  const m = symmetric(d, rng);
  const diagonal = Float64Array.from({ length: d }, () => rng.normal());
  for (const metric of [
    { kind: 'identity' as const },
    { kind: 'diagonal' as const, diagonal },
    { kind: 'full' as const, matrix: m },
  ]) {
    assert.ok(matrixRelDiff(x.times(metric), await xd.times(metric)) < 1e-14, metric.kind);
  }
  assert.deepEqual(x.dense().data, xd.x.data);
  const xm = x.times({ kind: 'full', matrix: m });
  const zm = zf.times({ kind: 'full', matrix: m });
  assert.ok(
    matrixRelDiff(x.crossProducts(xm, { symmetric: true }), await xd.crossProducts(xm, { symmetric: true })) < 1e-14,
  );
  assert.ok(matrixRelDiff(x.crossProducts(zm), await xd.crossProducts(zm)) < 1e-14);
  assert.deepEqual(x.gram().data, (await xd.gram()).data);
  assert.ok(matrixRelDiff(Matrix.column(zf.rowDots(zm)), Matrix.column(zd.rowDots(zm))) < 1e-14);
  // 23 rows and 35 columns exercise the remainders of the loops blocked by four and eight; row 3 is all-zero.
  const s = symmetric(23, rng);
  assert.ok(matrixRelDiff(x.congruence(s), await xd.congruence(s)) < 1e-13);
  for (let j = 0; j < 23; j++) assert.equal(x.gram().data[3 * 23 + j], 0);
  const stacked = stackFeatures([x, zf]);
  assert.ok(stacked instanceof OneHotFeatures);
  assert.deepEqual(stacked.dense().data, Float64Array.from([...xd.x.data, ...zd.x.data]));
  assert.deepEqual(stackFeatures([x, zd]).dense().data, stacked.dense().data);
  assert.throws(
    () => OneHotFeatures.fromCodes({ codes: [0, 1, 7], width: 3, vocabulary: 7 }),
    /codes\[2\] \(row 0\) is 7/,
  );
  assert.throws(
    () => OneHotFeatures.fromCodes({ codes: [0, 1], width: 3, vocabulary: 7 }),
    /positive multiple of the width 3/,
  );
});

test("the cost model prices the one-hot products: M (X'SX) M for text windows, the dual forms still for d > n", () => {
  const text = {
    n: 5000,
    d: 2400,
    c: 50,
    sample: 5000,
    tracked: 1000,
    iterations: 5,
    dtype: 'float64' as const,
    diagonal: false,
    normalization: 'none' as const,
    gramOnly: false,
  };
  const dense = chooseForm(text, 'auto');
  const coded = chooseForm({ ...text, oneHotWidth: 48 }, 'auto');
  assert.equal(dense.form, 'primal');
  assert.equal(dense.gradients, 'hadamard');
  assert.equal(coded.form, 'primal');
  assert.equal(coded.gradients, 'hadamard-congruence');
  const primal = (ch: typeof dense) => ch.candidates.find((x) => x.form === 'primal')!.flopsPerIteration;
  assert.ok(primal(coded) < 0.7 * primal(dense), `${primal(coded)} vs ${primal(dense)}`);
  assert.equal(chooseForm({ ...text, n: 1000, sample: 1000, oneHotWidth: 48 }, 'auto').form, 'dual');
  const g = primalGradientCosts(300, 120, 4, 300, false, 3);
  assert.ok(g['hadamard-congruence'] < g.hadamard && g.hadamard < g['per-output']);
  assert.equal(chooseForm({ ...text, dtype: 'float32', oneHotWidth: 48 }, 'primal').gradients, 'per-output');
});

interface Case {
  name: string;
  n: number;
  width: number;
  vocabulary: number;
  classes: number;
  options: RFMOptions;
  gradients?: string;
}

const CASES: Case[] = [
  {
    name: "primal, M (X'SX) M",
    n: 300,
    width: 3,
    vocabulary: 40,
    classes: 4,
    options: { form: 'primal' },
    gradients: 'hadamard-congruence',
  },
  {
    name: "primal, (XM)' S (XM)",
    n: 70,
    width: 6,
    vocabulary: 5,
    classes: 5,
    options: { form: 'primal' },
    gradients: 'hadamard',
  },
  {
    name: 'primal, per output',
    n: 60,
    width: 5,
    vocabulary: 6,
    classes: 2,
    options: { form: 'primal' },
    gradients: 'per-output',
  },
  {
    name: 'primal, diagonal M, centred, subsample',
    n: 250,
    width: 3,
    vocabulary: 40,
    classes: 3,
    options: { form: 'primal', diagonal: true, centering: true, agopSampleSize: 200 },
    gradients: 'hadamard-congruence',
  },
  {
    name: "primal, diagonal M through (XM)' S (XM)",
    n: 120,
    width: 6,
    vocabulary: 8,
    classes: 4,
    options: { form: 'primal', diagonal: true, centering: true, agopSampleSize: 90 },
    gradients: 'hadamard',
  },
  {
    name: 'primal, trace normalisation',
    n: 300,
    width: 3,
    vocabulary: 40,
    classes: 4,
    options: { form: 'primal', normalization: 'trace' },
    gradients: 'hadamard-congruence',
  },
  { name: 'dual', n: 50, width: 6, vocabulary: 8, classes: 4, options: { form: 'dual' } },
  { name: 'dual-q', n: 50, width: 6, vocabulary: 8, classes: 4, options: { form: 'dual-q' } },
];

for (const c of CASES) {
  test(`one-hot codes and the dense matrix give the same fit to 1e-10 over all iterations: ${c.name}`, async () => {
    const train = windows(c.n, c.width, c.vocabulary, c.n, c.classes);
    const validation = windows(40, c.width, c.vocabulary, c.n + 1, c.classes);
    const test_ = windows(30, c.width, c.vocabulary, c.n + 2, c.classes);
    const options: RFMOptions = { bandwidth: 3, iterations: 4, task: 'classification', ...c.options };
    const a = await new RFM(options).fit(oneHot(train), train.labels, {
      validation: { ...oneHot(validation), Y: validation.labels },
      test: { X: dense(test_), Y: test_.labels },
      testEveryIteration: true,
    });
    const b = await new RFM(options).fit(dense(train), train.labels, {
      validation: { X: dense(validation), Y: validation.labels },
      test: { X: dense(test_), Y: test_.labels },
      testEveryIteration: true,
    });
    if (c.gradients) assert.equal(a.summary.gradients, c.gradients);
    assert.equal(a.history.length, 5);
    for (let t = 0; t < 5; t++) {
      for (const set of ['validation', 'test'] as const) {
        const x = a.history[t][set]!.mse;
        const y = b.history[t][set]!.mse;
        assert.ok(relDiff(x, y) < 1e-10, `${set} MSE at iteration ${t}: ${x} vs ${y}`);
      }
    }
    assert.equal(a.bestIteration, b.bestIteration);
    assert.ok(a.bestIteration > 0, 'the data should reward a learned metric');
    const expected = await b.predict(dense(test_));
    assert.ok(matrixRelDiff(await a.predict(oneHot(test_)), expected) < 1e-10);
    assert.ok(matrixRelDiff(await a.predict(dense(test_)), expected) < 1e-10);
    assert.ok(matrixRelDiff(await a.featureMatrix(), await b.featureMatrix()) < 1e-10);
  });
}

test('a one-hot fit serialises (as the dense X) and its gradients are those of the dense fit', async () => {
  const train = windows(60, 4, 6, 9);
  const z = windows(5, 4, 6, 10);
  const options: RFMOptions = { bandwidth: 3, iterations: 2, task: 'classification', form: 'primal' };
  const a = await new RFM(options).fit(oneHot(train), train.labels);
  const b = await new RFM(options).fit(dense(train), train.labels);
  const restored = RFM.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
  assert.ok(matrixRelDiff(await restored.predict(oneHot(z)), await a.predict(oneHot(z))) < 1e-14);
  const ga = await a.gradients(oneHot(z));
  const gb = await b.gradients(dense(z));
  for (let k = 0; k < ga.length; k++) assert.ok(matrixRelDiff(ga[k], gb[k]) < 1e-10);
  await assert.rejects(
    a.predict({ oneHot: { codes: z.codes, width: 4, vocabulary: 7 } }),
    /fit on 24 features, X has 28/,
  );
});

function codesOf(w: Windows) {
  return { oneHot: { codes: w.codes, width: w.width, vocabulary: w.vocabulary } };
}

test('predict on one-hot points: the index path (diagonal M) in row blocks equals the dense prediction', async () => {
  // 1000 training windows: a block holds 2^22 / 1000 = 4194 rows, so 5000 points take two blocks.
  const train = windows(1000, 6, 5, 31);
  const points = windows(5000, 6, 5, 32);
  const rfm = await new RFM({
    bandwidth: 3,
    iterations: 1,
    diagonal: true,
    groupSize: 5,
    normalization: 'trace',
    form: 'primal',
  }).fit(codesOf(train), train.labels);
  const oneHot = await rfm.predict(codesOf(points));
  const expanded = await rfm.predict(dense(points));
  assert.ok(matrixRelDiff(oneHot, expanded) < 1e-12, `${matrixRelDiff(oneHot, expanded)}`);
  // A block's rows are those of the same points predicted alone.
  const alone = await rfm.predict({ oneHot: { codes: points.codes.slice(4990 * 6), width: 6, vocabulary: 5 } });
  const rows = new Matrix(10, oneHot.cols, oneHot.data.slice(4990 * oneHot.cols));
  assert.ok(matrixRelDiff(rows, alone) < 1e-12);
});
