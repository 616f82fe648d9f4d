import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KernelRegressor } from '../../src/kernels/kernel-regressor';
import { CancelledError, OptionError, ShapeError } from '../../src/core/errors';
import { Rng } from '../../src/random';
import { RFM } from '../../src/rfm/rfm';
import { generate } from '../../src/text/generate';
import { KernelCharModel, textMetricOptions } from '../../src/text/kernel-char-model';
import { oneHotExpand } from './one-hot-reference';
import { UNK, Vocabulary, ZERO_ROW } from '../../src/text/vocab';
import type { Windows } from '../../src/text/windows';

const vocab = new Vocabulary(['a', 'b', 'c', 'd', ' ', UNK]);
const W = 5;

/**
 * Random windows whose target is a function of the last character (plus noise on a few), so that a learned metric
 * has something to find; `zeroRows` puts some all-zero rows in, as the study's unknown characters.
 */
function windows(count: number, seed: number, zeroRows = false, context = W, noise = 0.15): Windows {
  const rng = new Rng(seed);
  const codes = new Int32Array(count * context);
  const targets = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < context; p++) codes[i * context + p] = zeroRows && rng.next() < 0.1 ? ZERO_ROW : rng.int(5);
    const last = codes[(i + 1) * context - 1];
    targets[i] = rng.next() < noise ? rng.int(5) : (Math.max(last, 0) + 1) % 5;
  }
  return { codes, count, context, targets, positions: new Int32Array(count).fill(-1) };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Our scores (one column per symbol) restricted to the classes a reference model has columns for. */
function columnsOf(scores: { rows: number; cols: number; data: ArrayLike<number> }, classes: number[]): Float64Array {
  const out = new Float64Array(scores.rows * classes.length);
  for (let i = 0; i < scores.rows; i++)
    classes.forEach((c, k) => (out[i * classes.length + k] = scores.data[i * scores.cols + c]));
  return out;
}

test('the Laplace char model scores like KernelRegressor on the explicit one-hot matrix; probabilities sum to 1', async () => {
  const train = windows(60, 4, true);
  const validation = windows(30, 5);
  const heldOut = windows(25, 6, true);
  const model = await KernelCharModel.fit(vocab, train, validation, { bandwidth: 3, ridge: 1e-3 });
  const reference = await new KernelRegressor({
    kernel: 'laplace',
    bandwidth: 3,
    ridge: 1e-3,
    task: 'classification',
  }).fit(oneHotExpand(train, vocab.size), Array.from(train.targets));
  const expected = await reference.predict(oneHotExpand(heldOut, vocab.size));
  const ours = await model.rawScores(heldOut);
  assert.ok(maxAbsDiff(columnsOf(ours, reference.classes!), expected.data) < 1e-9);
  // A symbol never seen as a target (<UNK>) gets a zero column, as regression onto it would.
  for (let i = 0; i < ours.rows; i++) assert.equal(ours.data[i * ours.cols + vocab.unkIndex], 0);
  assert.equal(model.details.model, 'laplace');
  assert.ok(model.details.softmax.beta > 0);

  const logp = await model.logProbs(heldOut);
  for (let i = 0; i < heldOut.count; i++) {
    let s = 0;
    for (let c = 0; c < vocab.size; c++) s += Math.exp(logp[i * vocab.size + c]);
    assert.ok(Math.abs(s - 1) < 1e-12);
  }
  for (const context of [[], [0], [1, 2, 3, 4, 0, 1, 2]]) {
    const p = await model.nextDistribution(context);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  }
  const g = await generate(model, [0, 1, 2], { length: 6, mode: 'sample', seed: 2 });
  assert.equal(g.codes.length, 6);
});

const variants = [
  { metric: 'position', form: 'primal' },
  { metric: 'full', form: 'primal' },
  { metric: 'full', form: 'dual' },
] as const;
for (const { metric, form } of variants) {
  test(`the RFM char model (${metric} M, ${form} form) scores like the RFM fit on the explicit one-hot matrix`, async () => {
    // Twelve positions of which only the last matters: the plain kernel is distracted, a learned metric is not.
    const train = windows(80, 7, true, 12, 0);
    const validation = windows(40, 8, false, 12, 0);
    const heldOut = windows(25, 9, true, 12, 0);
    const model = await KernelCharModel.fit(vocab, train, validation, {
      bandwidth: 3,
      ridge: 1e-3,
      iterations: 2,
      metric,
      form,
      // The RFM's own kernel (the 'position' metric's default is the back-off kernel: suffix-tree-kernel.test.ts).
      finalKernel: 'laplace',
    });
    const rfm = new RFM({
      kernel: 'laplace',
      bandwidth: 3,
      ridge: 1e-3,
      iterations: 2,
      form,
      normalization: 'trace',
      task: 'classification',
      ...textMetricOptions(metric, vocab.size),
    });
    await rfm.fit(oneHotExpand(train, vocab.size), train.targets, {
      validation: { X: oneHotExpand(validation, vocab.size), Y: validation.targets },
    });
    const details = model.details.rfm!;
    assert.equal(details.form, form);
    assert.equal(details.bestIteration, rfm.bestIteration);
    assert.ok(details.bestIteration > 0, 'the data should reward a learned metric');
    assert.deepEqual(
      details.history.map((h) => h.validation!.accuracy),
      rfm.history.map((h) => h.validation!.accuracy),
    );
    const expected = await rfm.predict(oneHotExpand(heldOut, vocab.size));
    const ours = columnsOf(await model.rawScores(heldOut), rfm.classes!);
    const scale = Math.max(...Array.from(expected.data, Math.abs));
    assert.ok(
      maxAbsDiff(ours, expected.data) < 1e-7 * scale,
      `max difference ${maxAbsDiff(ours, expected.data)} at scale ${scale}`,
    );
  });
}

test("solver 'nystrom' with every training window a centre scores like the exact solver (Laplace and RFM)", async () => {
  const train = windows(120, 21, true, 12, 0.1);
  const validation = windows(40, 22, false, 12, 0.1);
  const heldOut = windows(30, 23, true, 12, 0.1);
  for (const iterations of [0, 2]) {
    // The Nystrom AGOP runs on a subsample (default 2000): all of the windows here, as the exact one.
    const common = { bandwidth: 3, iterations, agopSampleSize: train.count };
    const exact = await KernelCharModel.fit(vocab, train, validation, { ...common, solver: 'exact' });
    const nystrom = await KernelCharModel.fit(vocab, train, validation, {
      ...common,
      solver: 'nystrom',
      nystrom: { centres: train.count, method: 'direct' },
    });
    assert.equal(exact.details.solver.solver, 'exact');
    assert.equal(nystrom.details.solver.solver, 'nystrom');
    assert.equal(nystrom.details.solver.nystrom!.centres, train.count);
    if (iterations > 0) assert.equal(nystrom.details.rfm!.bestIteration, exact.details.rfm!.bestIteration);
    const a = await exact.rawScores(heldOut);
    const b = await nystrom.rawScores(heldOut);
    const scale = Math.max(...Array.from(a.data, Math.abs));
    assert.ok(maxAbsDiff(a.data, b.data) < 1e-8 * scale, `T = ${iterations}: ${maxAbsDiff(a.data, b.data)}`);
    const pa = await exact.logProbs(heldOut);
    const pb = await nystrom.logProbs(heldOut);
    assert.ok(maxAbsDiff(pa, pb) < 1e-6, `T = ${iterations}: log-probabilities differ by ${maxAbsDiff(pa, pb)}`);
  }
  await assert.rejects(
    KernelCharModel.fit(vocab, train, validation, { solver: 'falkon' as never }),
    /solver must be 'auto', 'exact' or 'nystrom'/,
  );
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    KernelCharModel.fit(vocab, train, validation, { iterations: 2, signal: controller.signal }),
    (e: Error) => e instanceof CancelledError,
  );
});

test("selection 'nll' keeps the RFM iteration with the lowest calibrated validation NLL, recorded in the history", async () => {
  const train = windows(80, 12, false, 12, 0.3);
  const validation = windows(40, 13, false, 12, 0.3);
  const model = await KernelCharModel.fit(vocab, train, validation, {
    bandwidth: 3,
    iterations: 3,
    selection: 'nll',
    finalKernel: 'laplace',
  });
  const details = model.details.rfm!;
  assert.equal(details.selection, 'nll');
  const scores = details.history.map((h) => h.validation!.score!);
  assert.ok(scores.every((s) => Number.isFinite(s) && s > 0));
  assert.equal(details.bestIteration, scores.indexOf(Math.min(...scores)));
  // The recorded score is the NLL of the temperature fit the softmax layer starts from.
  assert.ok(Math.abs(model.details.softmax.temperatureNll - scores[details.bestIteration]) < 1e-6);
  await assert.rejects(
    KernelCharModel.fit(vocab, train, validation, { iterations: 1, selection: 'mse' as never }),
    /selection must be 'accuracy' or 'nll'/,
  );
});

test('bad inputs are named', async () => {
  const train = windows(20, 10);
  const validation = windows(10, 11);
  await assert.rejects(
    KernelCharModel.fit(vocab, train, validation, { bandwith: 3 } as never),
    (e: Error) => e instanceof OptionError && /unknown option "bandwith"/.test(e.message),
  );
  await assert.rejects(
    KernelCharModel.fit(vocab, train, validation, { bandwidth: -1 }),
    /bandwidth must be a positive number/,
  );
  const zeroTarget = { ...validation, targets: validation.targets.map((t, i) => (i === 3 ? ZERO_ROW : t)) };
  await assert.rejects(
    KernelCharModel.fit(vocab, train, zeroTarget, {}),
    (e: Error) => e instanceof ShapeError && /validation target -1 at window 3/.test(e.message),
  );
  const model = await KernelCharModel.fit(vocab, train, validation, {});
  await assert.rejects(
    model.rawScores({ codes: new Int32Array(4), count: 1, context: 4 }),
    /have 4 characters, the model reads 5/,
  );
});
