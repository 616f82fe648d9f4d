import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/random';
import { characterErrorRate, levenshtein } from './edit-distance';

function fullDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(up + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

test('Levenshtein distance on known pairs and code points', () => {
  assert.equal(levenshtein('kitten', 'sitting'), 3);
  assert.equal(levenshtein('', 'abc'), 3);
  assert.equal(levenshtein('abc', 'abc'), 0);
  assert.equal(levenshtein('a😀b', 'ab'), 1, 'an astral character is one edit');
  assert.equal(characterErrorRate('strikng', 'striking'), 1 / 8);
  assert.equal(characterErrorRate('', ''), 0);
});

test('the banded computation equals the full dynamic programme, near and far', () => {
  const rng = new Rng(4);
  const letters = 'ab c';
  for (let trial = 0; trial < 60; trial++) {
    const a = Array.from({ length: rng.int(120) }, () => letters[rng.int(4)]).join('');
    let b = a;
    const edits = rng.int(trial < 30 ? 5 : 80);
    for (let e = 0; e < edits; e++) {
      const k = rng.int(b.length + 1);
      const op = rng.int(3);
      b =
        op === 0
          ? b.slice(0, k) + letters[rng.int(4)] + b.slice(k)
          : op === 1
            ? b.slice(0, k) + b.slice(k + 1)
            : b.slice(0, k) + letters[rng.int(4)] + b.slice(k + 1);
    }
    assert.equal(levenshtein(a, b), fullDistance(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
});
