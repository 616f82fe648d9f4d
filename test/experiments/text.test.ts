import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTextExperiment, STUDY_BLEU_CAP, studyMethodCells, textConfig, textTableCells, type TextExperimentConfig } from '../../src/experiments/text/experiment';
import { ngramSpans } from '../../src/experiments/text/data';
import { OptionError } from '../../src/core';
import { Rng } from '../../src/random';

const WORDS = ['the', 'whale', 'sea', 'ship', 'captain', 'white', 'and', 'of', 'a', 'to', 'in', 'his', 'old', 'man', 'boat', 'deep', 'harpoon'];

/** Lines of 70-100 characters of random words, so that the study's line sampling finds lines of >= 64. */
function syntheticCorpus(lines: number, seed: number): string {
  const rng = new Rng(seed);
  const out: string[] = [];
  for (let l = 0; l < lines; l++) {
    let line = '';
    const target = 70 + rng.int(30);
    while (line.length < target) line += (line ? ' ' : '') + WORDS[rng.int(WORDS.length)] + (rng.next() < 0.1 ? ',' : '');
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
  const r = await runTextExperiment(TINY, { onProgress: (p) => stages.add(p.stage) });
  assert.deepEqual(r.table.map((row) => row.key), ['ngram', 'laplace', 'rfm']);
  for (const row of r.table) {
    assert.ok(row.accuracy >= 0 && row.accuracy <= 1);
    assert.ok(Number.isFinite(row.bitsPerCharacter) && row.bitsPerCharacter > 0, `${row.model}: ${row.bitsPerCharacter}`);
    assert.ok(Math.abs(row.perplexity - 2 ** row.bitsPerCharacter) < 1e-9 * row.perplexity);
    assert.ok(row.charBleu >= 0 && row.charBleu <= 1 && row.wordBleu >= 0 && row.wordBleu <= 1);
  }
  assert.deepEqual(r.table[2].published, { bleu: 0.472, perplexity: 11.53 });
  assert.equal(r.data.trainWindows, 120);
  assert.equal(r.data.trainPieces.length, 3);
  // The n-gram counts only inside the stretches the kernel models' windows were cut from.
  assert.deepEqual(r.fits.ngram.spans, ngramSpans(r.data.trainPieces, 12, 5));
  for (const s of r.fits.ngram.spans) assert.ok(r.data.trainPieces.some((p) => p.start <= s.start && s.end <= p.end));
  const splits = r.data.splits!;
  for (const p of r.data.trainPieces) assert.ok(splits.train.some((s) => s.start <= p.start && p.end <= s.end));
  assert.equal(r.studyMethod.rows.length, 6);
  for (const row of r.studyMethod.rows) assert.ok(row.bleuBest <= STUDY_BLEU_CAP + 1e-12 && row.perplexityMean <= 16);
  assert.equal(r.samples.length, 2);
  assert.equal(r.samples[0].prompt.length, 12);
  assert.equal(r.samples[0].continuations.rfm.greedy.length, 20);
  assert.ok(r.fits.rfm.rfm && r.fits.rfm.rfm.history.length === 2);
  assert.ok(r.fits.laplace.temperature.temperature > 0);
  for (const stage of ['corpus', 'windows', 'ngram', 'laplace', 'rfm', 'evaluation', 'generation', 'done']) assert.ok(stages.has(stage), stage);
  assert.equal(textTableCells(r).rows.length, 3);
  assert.equal(studyMethodCells(r).rows[0].length, studyMethodCells(r).columns.length);
  assert.equal((r.config as unknown as Record<string, unknown>).onProgress, undefined);
  assert.doesNotThrow(() => JSON.stringify(r));
});

test("runTextExperiment in the study's mode: line windows, all-zero rows, the study's defaults", async () => {
  const r = await runTextExperiment({ ...TINY, mode: 'study', trainWindows: 100, validationWindows: 40, testWindows: 60, context: 48 });
  assert.equal(r.config.ngramOrder, 3);
  assert.equal(r.config.rfmBandwidth, 48);
  assert.equal(r.data.protocol, 'study');
  assert.equal(r.data.lines!.fit, 100);
  assert.ok(r.data.trainWindows <= 100 && r.data.trainWindows > 90);
  for (const row of r.table) assert.ok(Number.isFinite(row.bitsPerCharacter));
  assert.equal(textConfig({ mode: 'study' }).trainWindows, 1515);
  // Without explicit sizes the study's 1515 / 379 / 1506 lines are scaled to the 300 the corpus has, and said so.
  const scaled = await runTextExperiment({ corpus: { path: corpusPath }, mode: 'study', rfmIterations: 1, prompts: 2, generationLength: 20 });
  assert.deepEqual(scaled.data.lines, { available: 300, fit: 133, validation: 33, test: 132 });
  assert.match(scaled.notes[0], /300 lines of at least 64 characters, fewer than the study's 3400/);
});

test('bad inputs get errors that name them', async () => {
  await assert.rejects(runTextExperiment({ ...TINY, windowSize: 48 } as never), (e: Error) => e instanceof OptionError && /unknown option "windowSize"/.test(e.message));
  await assert.rejects(runTextExperiment({ ...TINY, corpus: { path: join(dir, 'missing.txt') } }), /file not found: .*missing\.txt/);
  await assert.rejects(runTextExperiment({ ...TINY, context: 100000 }), /context of 100000 characters is longer than the corpus/);
  await assert.rejects(runTextExperiment({ ...TINY, trainWindows: 100000 }), /100000 training windows .* need .* characters of training text/);
  await assert.rejects(runTextExperiment({ ...TINY, testWindows: 100000 }), /test split has \d+ windows of 12 characters, fewer than the 100000 requested/);
  await assert.rejects(runTextExperiment({ ...TINY, mode: 'study', trainWindows: 1000 }), /1100 lines requested .* only 300 lines/);
  await assert.rejects(runTextExperiment({ ...TINY, mode: 'study', context: 64 }), /context of 64 characters does not fit in the study's 64-character lines/);
  await assert.rejects(runTextExperiment({ ...TINY, mode: 'fast' as never }), /mode must be 'correct' or 'study'/);
  await assert.rejects(runTextExperiment({ ...TINY, rfmIterations: 0 }), /rfmIterations must be an integer >= 1/);
  await assert.rejects(runTextExperiment({ ...TINY, rfmSelection: 'mse' as never }), /rfmSelection must be 'accuracy' or 'nll'/);
  await assert.rejects(runTextExperiment({ ...TINY, split: { block: 3 } as never }), /split: unknown option "block"/);
});
