/**
 * Notebook 02's LARGE_CURVE learning curve run from a script (`npx tsx bench/large-curve.ts [--out file.json]
 * [--final-windows split|sampled]`): the notebook's config (context 48, 5,000 / 4,000 / 2,000 windows, T = 5, seed 0,
 * the RFM's back-off fit on every window of the train split unless --final-windows sampled) with `solver: 'nystrom'`
 * and m = 2,000 centres at 10k, 20k, 50k and 100k training windows; with the whole split, the n-gram on the train
 * split is a point at every size too (the RFM's fair comparison). Prints each point with the load average as it comes
 * and writes every point (windows, model, centres, back-off windows, accuracy, bits/char, fit seconds, load) to --out.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { runTextLearningCurve } from '../src/experiments/text/learning-curve';

const SIZES = [10000, 20000, 50000, 100000];
const CENTRES = 2000;
/** The notebook's parameters cell (non-quick run). */
const NOTEBOOK_CONFIG = {
  corpus: { source: 'moby-dick' as const },
  context: 48,
  trainWindows: 5000,
  validationWindows: 4000,
  testWindows: 2000,
  rfmIterations: 5,
  prompts: 10,
  generationLength: 64,
  seed: 0,
};

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

async function main(): Promise<void> {
  const i = process.argv.indexOf('--out');
  const out = i >= 0 ? process.argv[i + 1] : undefined;
  const f = process.argv.indexOf('--final-windows');
  // The notebook's default; runTextExperiment's config check names a bad value.
  const rfmFinalWindows = (f >= 0 ? process.argv[f + 1] : 'split') as 'split' | 'sampled';
  const started = performance.now();
  const rows: Array<Record<string, unknown>> = [];
  console.log(`start ${new Date().toISOString()}, load ${load()}`);
  await runTextLearningCurve(
    SIZES,
    { ...NOTEBOOK_CONFIG, rfmFinalWindows, solver: 'nystrom', nystrom: { centres: CENTRES } },
    {
      onProgress: (p) => {
        console.log(`${p.message} (load ${load()})`);
        rows.push({ message: p.message, load: load() });
      },
    },
  ).then((curve) => {
    const points = curve.points.map((p, k) => ({ ...p, load: rows[k]?.load }));
    const minutes = (performance.now() - started) / 60000;
    console.log(`whole curve: ${minutes.toFixed(1)} min, load at end ${load()}`);
    if (out)
      writeFileSync(
        out,
        JSON.stringify(
          {
            command: `npx tsx bench/large-curve.ts --final-windows ${rfmFinalWindows}`,
            date: new Date().toISOString(),
            minutes,
            points,
          },
          null,
          2,
        ),
      );
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
