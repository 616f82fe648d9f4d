import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix } from '../../src/linalg/matrix';
import {
  cosineSimilarity,
  entryCorrelation,
  lineAngle,
  topEigenvector,
  topEigenvectorAngle,
} from '../../src/metrics/matrix-similarity';

// The similarity measures the feature-learning experiment reports (src/metrics/matrix-similarity.ts).

test('entry correlation is Pearson over all entries and ignores scale and shift', () => {
  const a = Matrix.from([
    [1, 2],
    [3, 4],
  ]);
  assert.ok(
    Math.abs(
      entryCorrelation(
        a,
        Matrix.from([
          [10, 20],
          [30, 40],
        ]),
      ) - 1,
    ) < 1e-15,
  );
  assert.ok(
    Math.abs(
      entryCorrelation(
        a,
        Matrix.from([
          [-1, -2],
          [-3, -4],
        ]),
      ) + 1,
    ) < 1e-15,
  );
  // Entries 1..4 against 1, 3, 2, 4: centred, (-1.5, -0.5, 0.5, 1.5) and (-1.5, 0.5, -0.5, 1.5), so 4 / 5.
  assert.ok(
    Math.abs(
      entryCorrelation(
        a,
        Matrix.from([
          [1, 3],
          [2, 4],
        ]),
      ) - 0.8,
    ) < 1e-15,
  );
  assert.ok(
    Number.isNaN(
      entryCorrelation(
        a,
        Matrix.from([
          [5, 5],
          [5, 5],
        ]),
      ),
    ),
  );
  assert.throws(() => entryCorrelation(a, new Matrix(2, 3)), /differ in shape/);
});

test('cosine similarity is the uncentred correlation', () => {
  const a = Matrix.from([
    [1, 0],
    [0, 1],
  ]);
  const b = Matrix.from([
    [1, 1],
    [1, 1],
  ]);
  assert.ok(Math.abs(cosineSimilarity(a, b) - 2 / (Math.sqrt(2) * 2)) < 1e-15);
});

test('top eigenvector angles ignore sign and scale', () => {
  const u = [1, 2, 2];
  const outer = (v: number[], s: number) => Matrix.from(v.map((x) => v.map((y) => s * x * y)));
  const a = outer(u, 1);
  const flat = Matrix.from([
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ]);
  const b = outer([-1, -2, -2], 7);
  for (let i = 0; i < 9; i++) a.data[i] += 0.1 * flat.data[i];
  assert.ok(topEigenvectorAngle(a, b) < 1e-6);
  const v = topEigenvector(a);
  assert.ok(Math.abs(Math.abs(v[0]) - 1 / 3) < 1e-12);
  assert.ok(Math.abs(lineAngle([1, 0], [1, 1]) - 45) < 1e-12);
  assert.ok(Math.abs(lineAngle([1, 0], [0, -2]) - 90) < 1e-12);
  assert.ok(Math.abs(lineAngle([1, 0], [-1, 0])) < 1e-12);
});
