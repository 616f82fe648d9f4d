// Predictions in blocks of rows: a prediction forms an m x n kernel block (and, with a metric, an m x d product Z M),
// so predicting many points at once would need memory in proportion to m. Blocks bound it whatever m is: two float64
// blocks of BLOCK_ENTRIES are 64 MB, under the 256 MB above which allocations are priced first (core/memory.ts).

import { Matrix } from '../linalg/matrix';

/** Entries (rows x max(n, d)) per block: 32 MB of float64 (838 rows against n = 5000 training points). */
const BLOCK_ENTRIES = 1 << 22;

/** Rows per block for predictions against `n` training points (or centres) in `d` features. */
export function predictBlockRows(n: number, d: number): number {
  return Math.max(1, Math.floor(BLOCK_ENTRIES / Math.max(n, d, 1)));
}

/**
 * The `count` x `cols` prediction assembled from `predictRows(start, rows)` over consecutive blocks of `blockRows`
 * rows (one call when everything fits in one block).
 */
export async function predictInBlocks(
  count: number,
  blockRows: number,
  cols: number,
  predictRows: (start: number, rows: number) => Promise<Matrix>,
): Promise<Matrix> {
  if (count <= blockRows) return predictRows(0, count);
  const out = new Matrix(count, cols);
  for (let start = 0; start < count; start += blockRows) {
    const rows = Math.min(blockRows, count - start);
    out.data.set((await predictRows(start, rows)).data, start * cols);
  }
  return out;
}
