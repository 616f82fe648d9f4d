import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadTfjsBackend } from '../../src/linalg/backends/tfjs';
import { loadTf } from '../../src/nn/tf';

// Emscripten's handlers rethrow, so a stray error after wasm starts would kill a notebook's kernel.
test('starting tfjs on wasm leaves no process-wide error handlers behind', async () => {
  const before = [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')];
  await loadTfjsBackend();
  await loadTf();
  assert.deepEqual([process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')], before);
});
