// Exact kernel ridge regression on code windows with the back-off kernel of a per-position metric (docs/text-rfm.md
// section 7): k(x, z) = exp(-||M^(1/2) (x - z)||_inf / L) on the windows' one-hot codes, M diagonal with one weight m_p
// per context position. On one-hot codes ||M^(1/2) (x - z)||_inf = sqrt(max of m_p over the positions where x and z
// differ), so with the positions ordered by weight, heaviest first, k depends only on how many of them x and z share
// before the first difference: k = g_j for j shared, g_0 <= g_1 <= ... <= g_w = 1. That is
//     k(x, z) = sum_{i <= j} (g_i - g_{i-1}),   a sum of "same first i positions" indicators (g_{-1} = 0),
// a positive-definite kernel (each indicator is the kernel of an equivalence relation) that backs off like an
// interpolated n-gram: a window that shares only its last character with the training windows is predicted from the
// windows that share that character, not pulled towards the average of all windows.
//
// Kernel ridge regression with it is a Gaussian process on the trie of the windows' weight-ordered codes: the value at
// a node of depth j is its parent's plus an independent N(0, g_j - g_parent) increment, and a training window is an
// observation with noise variance lambda at its leaf. Two passes over the trie (up: each subtree's likelihood as a
// precision and a vector; down: posterior means) give K(x, X) (K + lambda I)^-1 Y exactly in O(n w log n + n c), not
// O(n^3). The trie is stored compressed (a node per branching, found from the sorted windows' common prefixes); a
// point between two nodes of a chain is a Brownian bridge, so its posterior mean is interpolated.

import { OptionError, ShapeError } from '../core/errors';
import type { ScoreMatrix } from '../kernels/temperature';
import type { CodeWindows, Windows } from './windows';

export interface SuffixTreeOptions {
  /** m_p, one weight >= 0 per context position (diag(M) tied over the symbols of each position). */
  weights: Float64Array;
  /** L of exp(-d / L). */
  bandwidth: number;
  /** lambda > 0 (the trie's passes need a noise variance). */
  ridge: number;
  /** Output columns: targets are 0..classes-1. */
  classes: number;
}

/** K(x, X) (K + lambda I)^-1 Y for the back-off kernel, fitted exactly through the windows' trie. */
export class SuffixTreeRegressor {
  private constructor(
    private readonly order: Int32Array,
    /** g_j: the kernel of two windows sharing exactly the first j weight-ordered positions (g_w = 1). */
    private readonly levels: Float64Array,
    /** The distinct training windows' weight-ordered codes, sorted (leaf r holds row r). */
    private readonly keys: Int32Array,
    private readonly leafNode: Int32Array,
    private readonly depth: Int32Array,
    private readonly parent: Int32Array,
    /** Posterior mean of every node (nodes x classes). */
    private readonly means: Float64Array,
    readonly classes: number,
  ) {}

  /** The number of trie nodes (at most twice the number of distinct training windows). */
  get nodes(): number {
    return this.depth.length;
  }

  static fit(train: Windows, options: SuffixTreeOptions): SuffixTreeRegressor {
    const { weights, bandwidth, ridge, classes } = checkOptionsOf(options, train.context);
    const w = train.context;
    const order = weightOrder(weights);
    const levels = new Float64Array(w + 1);
    for (let j = 0; j < w; j++) levels[j] = Math.exp(-Math.sqrt(weights[order[j]]) / bandwidth);
    levels[w] = 1;
    const sorted = sortedKeys(train, order);
    const trie = buildTrie(sorted.keys, sorted.count, w);
    const c = classes;
    const nodes = trie.depth.length;
    const precision = new Float64Array(nodes);
    const info = new Float64Array(nodes * c);
    for (let i = 0; i < train.count; i++) {
      const t = train.targets[i];
      if (!(Number.isInteger(t) && t >= 0 && t < c))
        throw new ShapeError(`SuffixTreeRegressor: target ${t} at window ${i} is not one of ${c} classes`);
      const leaf = trie.leafNode[sorted.leafOf[i]];
      precision[leaf] += 1 / ridge;
      info[leaf * c + t] += 1 / ridge;
    }
    const byDepth = nodesByDepth(trie.depth, w);
    // Up: each subtree's likelihood of its parent's value, through the edge's variance.
    for (let r = nodes - 1; r > 0; r--) {
      const v = byDepth[r];
      const p = trie.parent[v];
      const s = 1 / (1 + (levels[trie.depth[v]] - levels[trie.depth[p]]) * precision[v]);
      precision[p] += precision[v] * s;
      for (let k = 0; k < c; k++) info[p * c + k] += info[v * c + k] * s;
    }
    // Down: posterior means, parents first (the root's parent is the fixed value 0, its variance g_0).
    const means = new Float64Array(nodes * c);
    for (let r = 0; r < nodes; r++) {
      const v = byDepth[r];
      const p = trie.parent[v];
      const beta = p < 0 ? levels[0] : levels[trie.depth[v]] - levels[trie.depth[p]];
      const s = 1 / (1 + beta * precision[v]);
      for (let k = 0; k < c; k++) means[v * c + k] = ((p < 0 ? 0 : means[p * c + k]) + beta * info[v * c + k]) * s;
    }
    return new SuffixTreeRegressor(order, levels, sorted.keys, trie.leafNode, trie.depth, trie.parent, means, c);
  }

  /** The fitted function at each window (count x classes). */
  predict(windows: CodeWindows): ScoreMatrix {
    const w = this.order.length;
    if (windows.context !== w)
      throw new ShapeError(`SuffixTreeRegressor: windows have ${windows.context} characters, the model reads ${w}`);
    const c = this.classes;
    const out = new Float64Array(windows.count * c);
    const key = new Int32Array(w);
    for (let i = 0; i < windows.count; i++) {
      for (let j = 0; j < w; j++) key[j] = windows.codes[i * w + this.order[j]];
      const { leaf, shared } = this.longestMatch(key);
      // The node at depth `shared` on the leaf's path: a trie node, or a point of the chain below node a.
      let b = this.leafNode[leaf];
      while (this.parent[b] >= 0 && this.depth[this.parent[b]] >= shared) b = this.parent[b];
      const a = this.parent[b];
      const g = this.levels;
      const span = a < 0 ? 0 : g[this.depth[b]] - g[this.depth[a]];
      const t = this.depth[b] === shared || span <= 0 ? 1 : (g[shared] - g[this.depth[a]]) / span;
      for (let k = 0; k < c; k++) {
        const mb = this.means[b * c + k];
        out[i * c + k] = t === 1 ? mb : this.means[a * c + k] + t * (mb - this.means[a * c + k]);
      }
    }
    return { rows: windows.count, cols: c, data: out };
  }

  /** The training leaf sharing the longest prefix with `key` (a neighbour of its place in the sorted keys). */
  private longestMatch(key: Int32Array): { leaf: number; shared: number } {
    const w = key.length;
    const leaves = this.leafNode.length;
    let lo = 0;
    let hi = leaves;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKey(this.keys, mid * w, key, w) < 0) lo = mid + 1;
      else hi = mid;
    }
    let best = { leaf: Math.min(lo, leaves - 1), shared: -1 };
    for (const r of [lo - 1, lo]) {
      if (r < 0 || r >= leaves) continue;
      let j = 0;
      while (j < w && this.keys[r * w + j] === key[j]) j++;
      if (j > best.shared) best = { leaf: r, shared: j };
    }
    return best;
  }
}

function checkOptionsOf(o: SuffixTreeOptions, context: number): SuffixTreeOptions {
  if (!(o.weights instanceof Float64Array) || o.weights.length !== context)
    throw new ShapeError(`SuffixTreeRegressor: weights must be a Float64Array of ${context} position weights`);
  for (const m of o.weights)
    if (!(m >= 0 && Number.isFinite(m)))
      throw new OptionError(`SuffixTreeRegressor: position weights must be finite and >= 0, got ${m}`);
  if (!(o.bandwidth > 0 && Number.isFinite(o.bandwidth)))
    throw new OptionError(`SuffixTreeRegressor: bandwidth must be a positive number, got ${String(o.bandwidth)}`);
  if (!(o.ridge > 0 && Number.isFinite(o.ridge)))
    throw new OptionError(`SuffixTreeRegressor: ridge must be a positive number, got ${String(o.ridge)}`);
  if (!(Number.isInteger(o.classes) && o.classes >= 1))
    throw new OptionError(`SuffixTreeRegressor: classes must be a positive integer, got ${String(o.classes)}`);
  return o;
}

/** Positions by weight, heaviest first (ties: the later position first); the kernel does not depend on tie order. */
function weightOrder(weights: Float64Array): Int32Array {
  const order = Array.from(weights.keys()).sort((p, q) => weights[q] - weights[p] || q - p);
  return Int32Array.from(order);
}

function compareKey(keys: Int32Array, offset: number, key: Int32Array, w: number): number {
  for (let j = 0; j < w; j++) {
    const d = keys[offset + j] - key[j];
    if (d !== 0) return d;
  }
  return 0;
}

/** The distinct windows' weight-ordered codes, sorted, and the row of each training window among them. */
function sortedKeys(train: CodeWindows, order: Int32Array): { keys: Int32Array; count: number; leafOf: Int32Array } {
  const w = order.length;
  const n = train.count;
  const all = new Int32Array(n * w);
  for (let i = 0; i < n; i++) for (let j = 0; j < w; j++) all[i * w + j] = train.codes[i * w + order[j]];
  const index = Array.from({ length: n }, (_, i) => i).sort((a, b) => compareKey(all, a * w, all.subarray(b * w), w));
  const keys = new Int32Array(n * w);
  const leafOf = new Int32Array(n);
  let count = 0;
  for (let r = 0; r < n; r++) {
    const i = index[r];
    const row = all.subarray(i * w, (i + 1) * w);
    if (count === 0 || compareKey(keys, (count - 1) * w, row, w) !== 0) keys.set(row, w * count++);
    leafOf[i] = count - 1;
  }
  return { keys: keys.subarray(0, count * w), count, leafOf };
}

/**
 * The compressed trie of sorted distinct keys from their common prefixes: node 0 is the root (depth 0), a leaf per key
 * (depth w), and an inner node wherever two neighbouring keys part. Every child is deeper than its parent.
 */
function buildTrie(keys: Int32Array, count: number, w: number) {
  const depth: number[] = [0];
  const parent: number[] = [-1];
  const leafNode = new Int32Array(count);
  const stack = [0];
  const node = (d: number) => (depth.push(d), parent.push(-1), depth.length - 1);
  for (let r = 0; r < count; r++) {
    let shared = 0;
    if (r > 0) while (keys[(r - 1) * w + shared] === keys[r * w + shared]) shared++;
    while (depth[stack[stack.length - 1]] > shared) {
      const last = stack.pop()!;
      const top = stack[stack.length - 1];
      if (depth[top] < shared) {
        const v = node(shared);
        parent[last] = v;
        stack.push(v);
      } else parent[last] = top;
    }
    const leaf = node(w);
    parent[leaf] = stack[stack.length - 1];
    stack.push(leaf);
    leafNode[r] = leaf;
  }
  for (let i = stack.length - 1; i > 0; i--) parent[stack[i]] = stack[i - 1];
  return { depth: Int32Array.from(depth), parent: Int32Array.from(parent), leafNode };
}

/** Node ids by depth, shallowest first (parents before children); the root first. */
function nodesByDepth(depth: Int32Array, w: number): Int32Array {
  const starts = new Int32Array(w + 2);
  for (const d of depth) starts[d + 1]++;
  for (let d = 0; d <= w; d++) starts[d + 1] += starts[d];
  const out = new Int32Array(depth.length);
  for (let v = 0; v < depth.length; v++) out[starts[depth[v]]++] = v;
  return out;
}
