import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EnvironmentError, RfmLabError } from '../../core/errors';
import { backendInfo } from '../../linalg/registry';
import type { ScalingConfig, ScalingTrialResult } from './experiment';
import type { WorkerMessage } from './trial-worker';

/**
 * The scaling test's trials in `c.workers` worker threads (trial-worker.ts), `c.concurrency` trials at once in all:
 * each worker has its own JavaScript thread and garbage collector, so the fits' JavaScript work (checks, copies,
 * collection; ~50 ms of a ~240 ms dual fit) runs on both cores instead of queueing on one main thread. Trials are
 * handed out one at a time as workers finish them; `step` sees every fit (progress, cancellation: a throw stops every
 * worker). The results are those of the in-thread run: each trial depends only on its seed.
 */
export async function runTrialsInWorkers(
  c: ScalingConfig,
  step: (r: ScalingTrialResult) => Promise<void>,
): Promise<ScalingTrialResult[][]> {
  const expected = (await backendInfo()).active[c.dtype];
  const perWorker = Math.ceil(c.concurrency / c.workers);
  const workers = Array.from({ length: Math.min(c.workers, c.trials) }, () => startWorker(c, perWorker === 1));
  const perTrial: ScalingTrialResult[][] = new Array(c.trials);
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = 0;
      const fail = (e: unknown): void => reject(e);
      const feed = (w: Worker): void => {
        if (next < c.trials) w.postMessage(next++);
      };
      for (const w of workers) {
        w.on('error', fail);
        w.on('exit', (code) => fail(new RfmLabError(`scaling test: a worker thread exited (code ${code}) early`)));
        w.on('message', (m: WorkerMessage) => {
          if (m.type === 'ready') {
            if (m.backend !== expected)
              fail(new EnvironmentError(`scaling test: a worker loaded the ${m.backend} backend, not ${expected}`));
            else for (let i = 0; i < perWorker; i++) feed(w);
          } else if (m.type === 'fit') step(m.result).catch(fail);
          else if (m.type === 'error') fail(new RfmLabError(`scaling test, in a worker thread: ${m.message}`));
          else {
            perTrial[m.trial] = m.results;
            if (++finished === c.trials) resolve();
            else feed(w);
          }
        });
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return perTrial;
}

function startWorker(c: ScalingConfig, inline: boolean): Worker {
  const entry = join(__dirname, `trial-worker${extname(__filename)}`);
  // A worker does not inherit tsx's hooks: under tsx (a .ts source) its entry loads tsx's require hook first.
  let preload = '';
  if (entry.endsWith('.ts')) {
    try {
      preload = `require(${JSON.stringify(require.resolve('tsx/cjs'))});`;
    } catch {
      throw new EnvironmentError('scaling test: workers run TypeScript sources through tsx, which is not installed');
    }
  }
  return new Worker(`${preload} require(${JSON.stringify(entry)});`, { eval: true, workerData: { config: c, inline } });
}
