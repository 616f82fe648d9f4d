import { parentPort, workerData } from 'node:worker_threads';
import { backendInfo, setThreads } from '../../linalg/registry';
import { runNativeCallsInline } from '../../linalg/backends/native';
import { ScalingConfig, runTrial } from './experiment';

/**
 * A worker thread of the scaling test (workers.ts starts it when `workers` > 0): it runs the trials it is sent, one
 * message per fit and one per finished trial, on its own JavaScript thread and garbage collector. Its first message
 * names the backend it loaded, so that the main thread can refuse a worker that fell back to another one. With one
 * trial at a time (`inline`) its native calls run on its own thread: there is nothing in it to overlap them with.
 */
export type WorkerMessage =
  | { type: 'ready'; backend: string }
  | { type: 'fit'; result: import('./experiment').ScalingTrialResult }
  | { type: 'trial'; trial: number; results: Array<import('./experiment').ScalingTrialResult> }
  | { type: 'error'; message: string };

const port = parentPort;
if (port) {
  const { config: c, inline } = workerData as { config: ScalingConfig; inline: boolean };
  const send = (m: WorkerMessage): void => port.postMessage(m);
  const run = async (trial: number): Promise<void> => {
    try {
      const results = await runTrial(c, trial, async (result) => send({ type: 'fit', result }));
      send({ type: 'trial', trial, results });
    } catch (e) {
      send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  };
  port.on('message', (trial: number) => void run(trial));
  void (async () => {
    await setThreads(c.threadsPerTrial);
    if (inline) runNativeCallsInline(true);
    send({ type: 'ready', backend: (await backendInfo()).active[c.dtype] });
  })();
}
