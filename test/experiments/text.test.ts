import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  runTextExperiment,
  STUDY_BLEU_CAP,
  studyMethodCells,
  textConfig,
  textTableCells,
  type TextExperimentConfig,
} from '../../src/experiments/text/experiment';
import { ngramSpans } from '../../src/experiments/text/data';
import { curveModels, curvePointsOf, runTextLearningCurve } from '../../src/experiments/text/learning-curve';
import { learningCurveFigures, positionWeightsFigure } from '../../src/experiments/text/figures';
import { OptionError } from '../../src/core/errors';
import { Rng } from '../../src/random';

const WORDS = [
  'the',
  'whale',
  'sea',
  'ship',
  'captain',
  'white',
  'and',
  'of',
  'a',
  'to',
  'in',
  'his',
  'old',
  'man',
  'boat',
  'deep',
  'harpoon',
];

/** Lines of 70-100 characters of random words, so that the study's line sampling finds lines of >= 64. */
function syntheticCorpus(lines: number, seed: number): string {
  const rng = new Rng(seed);
  const out: string[] = [];
  for (let l = 0; l < lines; l++) {
    let line = '';
    const target = 70 + rng.int(30);
    while (line.length < target)
      line += (line ? ' ' : '') + WORDS[rng.int(WORDS.length)] + (rng.next() < 0.1 ? ',' : '');
    out.push(line + '.');
  }
  return out.join('\n');
}

const dir = mkdtempSync(join(tmpdir(), 'rfm-text-'));
const corpusPath = join(dir, 'tiny.txt');
writeFileSync(corpusPath, syntheticCorpus(300, 1));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const TINY: Partial<TextExperimentConfig> = {
  corpus: { path: corpusPath },
  context: 12,
  trainWindows: 120,
  trainPieces: 3,
  validationWindows: 40,
  testWindows: 60,
  rfmIterations: 1,
  prompts: 2,
  generationLength: 20,
};

test('runTextExperiment on a tiny corpus: every model in the table with finite held-out metrics, same training text', async () => {
  const stages = new Set<string>();
  const fractions: number[] = [];
  const r = await runTextExperiment(TINY, {
    onProgress: (p) => {
      stages.add(p.stage);
      fractions.push(p.fraction);
    },
  });
  // The progress line's fraction of the expected work: from 0, never back, to 1.
  assert.equal(fractions[0], 0);
  assert.equal(fractions[fractions.length - 1], 1);
  for (let i = 1; i < fractions.length; i++) assert.ok(fractions[i] >= fractions[i - 1], `${fractions}`);
  assert.deepEqual(
    r.table.map((row) => row.key),
    ['ngram', 'ngramWindows', 'laplace', 'rfm'],
  );
  for (const row of r.table) {
    assert.ok(row.accuracy >= 0 && row.accuracy <= 1);
    assert.ok(
      Number.isFinite(row.bitsPerCharacter) && row.bitsPerCharacter > 0,
      `${row.model}: ${row.bitsPerCharacter}`,
    );
    assert.ok(Math.abs(row.perplexity - 2 ** row.bitsPerCharacter) < 1e-9 * row.perplexity);
    for (const g of [row.greedy, row.sampled]) {
      assert.ok(g.charBleu >= 0 && g.charBleu <= 1 && g.wordBleu >= 0 && g.wordBleu <= 1);
      assert.ok(g.distinct4 > 0 && g.distinct4 <= 1);
    }
  }
  assert.deepEqual(r.table[3].published, { bleu: 0.472, perplexity: 11.53 });
  assert.equal(r.table[0].published, undefined);
  assert.match(r.table[3].model, /^RFM \(position M, L=5; kept t=[01]/);
  // The RFM's back-off fit (when it kept t = 1) saw every window of the train split, and its row says so.
  const splitWindows = r.data.splits!.train.reduce((a, s) => a + s.end - s.start - 12, 0);
  if (r.fits.rfm.backoff) {
    assert.deepEqual(
      { ...r.fits.rfm.backoff, nodes: 0 },
      {
        bandwidth: 0.7,
        windows: 'backoffWindows',
        windowCount: splitWindows,
        innerTargets: 0,
        pairs: splitWindows,
        nodes: 0,
      },
    );
    assert.match(
      r.table[3].model,
      new RegExp(`back-off kernel, L=0.7, fitted on all ${splitWindows} windows of the training text\\)$`),
    );
  }
  // Random windows by default: one stretch per window, each inside the train split.
  assert.equal(r.data.trainWindows, 120);
  assert.equal(r.data.trainPieces.length, 120);
  const splits = r.data.splits!;
  for (const p of r.data.trainPieces) {
    assert.equal(p.end - p.start, 13);
    assert.ok(splits.train.some((s) => s.start <= p.start && p.end <= s.end));
  }
  // One n-gram counts the whole train split, the other only the kernel models' windows' last 4 characters and target.
  assert.deepEqual(r.fits.ngram.spans, splits.train);
  assert.deepEqual(r.fits.ngramWindows.spans, ngramSpans(r.data.trainPieces, 12, 5));
  assert.equal(r.fits.ngramWindows.characters, 120 * 5);
  assert.equal(r.studyMethod.rows.length, 8);
  for (const row of r.studyMethod.rows) assert.ok(row.bleuBest <= STUDY_BLEU_CAP + 1e-12 && row.perplexityMean <= 16);
  assert.equal(r.samples.length, 2);
  assert.equal(r.samples[0].prompt.length, 12);
  assert.equal(r.samples[0].continuations.rfm.greedy.length, 20);
  assert.ok(r.fits.rfm.rfm && r.fits.rfm.rfm.history.length === 2);
  assert.ok(r.fits.laplace.softmax.beta > 0);
  for (const stage of ['corpus', 'windows', 'ngram', 'laplace', 'rfm', 'evaluation', 'generation', 'done'])
    assert.ok(stages.has(stage), stage);
  assert.equal(textTableCells(r).rows.length, 4);
  assert.equal(textTableCells(r).rows[0].length, textTableCells(r).columns.length);
  assert.equal(studyMethodCells(r).rows[0].length, studyMethodCells(r).columns.length);
  assert.equal((r.config as unknown as Record<string, unknown>).onProgress, undefined);
  assert.doesNotThrow(() => JSON.stringify(r));
});

test('the learning curve: nested random windows, every model at every size, the main run as its last point', async () => {
  const messages: string[] = [];
  const fractions: number[] = [];
  const curve = await runTextLearningCurve([40, 80], TINY, {
    onProgress: (p) => {
      messages.push(p.message);
      fractions.push(p.fraction);
    },
  });
  assert.ok(fractions.every((f, i) => f > 0 && f <= 1 && (i === 0 || f >= fractions[i - 1])));
  assert.equal(fractions[fractions.length - 1], 1);
  assert.deepEqual(
    curve.points.map((p) => `${p.trainWindows} ${p.model}`),
    ['40 ngram', '40 ngramWindows', '40 laplace', '40 rfm', '80 ngram', '80 ngramWindows', '80 laplace', '80 rfm'],
  );
  for (const p of curve.points) assert.ok(p.accuracy >= 0 && p.accuracy <= 1 && Number.isFinite(p.bitsPerCharacter));
  assert.equal(messages.length, 8);
  // The whole-split n-gram is the RFM's comparison when its back-off fit sees the whole split: the same at every size.
  assert.equal(curve.points[0].bitsPerCharacter, curve.points[4].bitsPerCharacter);
  assert.deepEqual(curveModels(textConfig({ ...TINY, rfmFinalWindows: 'sampled' })), [
    'ngramWindows',
    'laplace',
    'rfm',
  ]);
  const main = await runTextExperiment(TINY);
  const last = curvePointsOf(main);
  assert.deepEqual(
    last.map((p) => p.trainWindows),
    [120, 120, 120, 120],
  );
  assert.equal(last[3].keptIteration, main.fits.rfm.rfm!.bestIteration);
  const figures = learningCurveFigures({ ...curve, points: [...curve.points, ...last] });
  assert.equal(figures.accuracy.data.length, 4);
  // Larger points with the Nystrom solver: recorded with their centres, drawn as their own lines, in order of size.
  const large = await runTextLearningCurve([160], { ...TINY, solver: 'nystrom', nystrom: { centres: 50 } });
  assert.deepEqual(
    large.points.map((p) => [p.model, p.solver, p.centres]),
    [
      ['ngram', undefined, undefined],
      ['ngramWindows', undefined, undefined],
      ['laplace', 'nystrom', 50],
      ['rfm', 'nystrom', 50],
    ],
  );
  const both = learningCurveFigures({ ...curve, points: [...large.points, ...curve.points, ...last] });
  const traces = both.accuracy.data as unknown as Array<{ name: string; x: number[] }>;
  assert.deepEqual(
    traces.map((t) => t.name),
    [
      'n-gram on the train split',
      "n-gram on the kernel models' text",
      'Laplace',
      'Laplace (Nystrom, m = 50)',
      'RFM',
      'RFM (Nystrom, m = 50)',
    ],
  );
  assert.deepEqual(traces[1].x, [40, 80, 120, 160]);
  const heat = positionWeightsFigure(main);
  const z = (heat.data[0] as unknown as { z: number[][] }).z;
  assert.equal(z.length, 12);
  assert.equal(z[0].length, 50);
  await assert.rejects(runTextLearningCurve([80, 40], TINY), /sizes must be increasing positive integers/);
  await assert.rejects(
    runTextLearningCurve([40], { ...TINY, trainSampling: 'stretches' }),
    /needs mode 'correct' with trainSampling 'random'/,
  );
});

test('runTextExperiment with stretches: the windows-only n-gram counts inside the stretches', async () => {
  const r = await runTextExperiment({
    ...TINY,
    trainSampling: 'stretches',
    trainPieces: 3,
    sampleTopK: null,
    calibration: 'temperature',
  });
  assert.equal(r.data.trainPieces.length, 3);
  assert.equal(r.data.trainWindows, 120);
  for (const s of r.fits.ngramWindows.spans)
    assert.ok(r.data.trainPieces.some((p) => p.start <= s.start && s.end <= p.end));
  assert.equal(r.fits.rfm.softmax.gamma, 0);
});

test("runTextExperiment in the study's mode: line windows, all-zero rows, the study's defaults", async () => {
  const r = await runTextExperiment({
    ...TINY,
    mode: 'study',
    trainWindows: 100,
    validationWindows: 40,
    testWindows: 60,
    context: 48,
  });
  assert.equal(r.config.ngramOrder, 3);
  assert.equal(r.config.rfmBandwidth, 48);
  assert.equal(r.config.rfmMetric, 'full');
  assert.equal(r.config.rfmFinalWindows, 'sampled');
  assert.equal(r.data.protocol, 'study');
  assert.equal(r.data.lines!.fit, 100);
  assert.ok(r.data.trainWindows <= 100 && r.data.trainWindows > 90);
  for (const row of r.table) assert.ok(Number.isFinite(row.bitsPerCharacter));
  assert.equal(textConfig({ mode: 'study' }).trainWindows, 1515);
  // Without explicit sizes the study's 1515 / 379 / 1506 lines are scaled to the 300 the corpus has, and said so.
  const scaled = await runTextExperiment({
    corpus: { path: corpusPath },
    mode: 'study',
    rfmIterations: 1,
    prompts: 2,
    generationLength: 20,
  });
  assert.deepEqual(scaled.data.lines, { available: 300, fit: 133, validation: 33, test: 132 });
  assert.match(scaled.notes[0], /300 lines of at least 64 characters, fewer than the study's 3400/);
});

test('bad inputs get errors that name them', async () => {
  await assert.rejects(
    runTextExperiment({ ...TINY, windowSize: 48 } as never),
    (e: Error) => e instanceof OptionError && /unknown option "windowSize"/.test(e.message),
  );
  await assert.rejects(
    runTextExperiment({ ...TINY, corpus: { path: join(dir, 'missing.txt') } }),
    /file not found: .*missing\.txt/,
  );
  await assert.rejects(
    runTextExperiment({ ...TINY, context: 100000 }),
    /context of 100000 characters is longer than the corpus/,
  );
  await assert.rejects(
    runTextExperiment({ ...TINY, trainWindows: 100000 }),
    /train split has \d+ windows of 12 characters, fewer than the 100000 requested \(trainWindows\)/,
  );
  await assert.rejects(
    runTextExperiment({ ...TINY, trainSampling: 'stretches', trainWindows: 100000 }),
    /100000 training windows .* need .* characters of training text/,
  );
  await assert.rejects(
    runTextExperiment({ ...TINY, trainSampling: 'all' as never }),
    /trainSampling must be 'random' or 'stretches'/,
  );
  await assert.rejects(
    runTextExperiment({ ...TINY, rfmMetric: 'block' as never }),
    /rfmMetric must be 'position', 'diagonal' or 'full'/,
  );
  await assert.rejects(
    runTextExperiment({ ...TINY, rfmMetric: 'full' }),
    /rfmFinalKernel 'backoff' needs rfmMetric 'position' \(got 'full'\); set rfmFinalKernel: 'laplace'/,
  );
  await assert.rejects(
    runTextExperiment({ ...TINY, rfmFinalKernel: 'laplace', rfmInnerTargets: 2 }),
    /rfmInnerTargets need rfmFinalKernel 'backoff'/,
  );
  await assert.rejects(
    runTextExperiment({ ...TINY, rfmFinalKernel: 'laplace' }),
    /rfmFinalWindows 'split' needs rfmFinalKernel 'backoff' \(only its fit can take every window\); set rfmFinalWindows: 'sampled'/,
  );
  await assert.rejects(
    runTextExperiment({ ...TINY, rfmFinalWindows: 'all' as never }),
    /rfmFinalWindows must be 'split' or 'sampled', got all/,
  );
  await assert.rejects(
    runTextExperiment({ ...TINY, rfmBackoffBandwidth: 0 }),
    /rfmBackoffBandwidth must be 'auto' or a positive number, got 0/,
  );
  await assert.rejects(
    runTextExperiment({ ...TINY, rfmInnerTargets: -1 }),
    /rfmInnerTargets must be 'ngram' or an integer in \[0, context\)/,
  );
  await assert.rejects(runTextExperiment({ ...TINY, sampleTopK: 0 }), /sampleTopK must be a positive integer or null/);
  await assert.rejects(
    runTextExperiment({ ...TINY, testWindows: 100000 }),
    /test split has \d+ windows of 12 characters, fewer than the 100000 requested/,
  );
  await assert.rejects(
    runTextExperiment({ ...TINY, mode: 'study', trainWindows: 1000 }),
    /1100 lines requested .* only 300 lines/,
  );
  await assert.rejects(
    runTextExperiment({ ...TINY, mode: 'study', context: 64 }),
    /context of 64 characters does not fit in the study's 64-character lines/,
  );
  await assert.rejects(runTextExperiment({ ...TINY, mode: 'fast' as never }), /mode must be 'correct' or 'study'/);
  await assert.rejects(runTextExperiment({ ...TINY, rfmIterations: 0 }), /rfmIterations must be an integer >= 1/);
  await assert.rejects(
    runTextExperiment({ ...TINY, rfmSelection: 'mse' as never }),
    /rfmSelection must be 'accuracy' or 'nll'/,
  );
  await assert.rejects(runTextExperiment({ ...TINY, split: { block: 3 } as never }), /split: unknown option "block"/);
});
