import { scaleInPlace, symmetrize } from '../linalg/elementwise';
import { Matrix } from '../linalg/matrix';
import { IDENTITY, Metric, copyMetric } from '../kernels/kernel';
import { NystromMethod, NystromProgress, NystromSolution, solveNystrom } from '../kernels/nystrom';
import { FeatureKernels } from '../kernels/nystrom-kernels';
import { uniformCentres } from '../kernels/centres';
import { deriveSeed } from '../core/seed';
import { Rng } from '../random';
import { Engine, EngineSetup, kappaOf } from './engine';
import { Features, stackFeatures } from './features';
import type { FittedState } from './fitted';
import { finishMetricUpdate } from './metric-update';

/**
 * The RFM iteration with the Nystrom solver (kernels/nystrom.ts): the model of iteration t is the pair (M_t, alpha_t)
 * with f_t(x) = sum_j alpha_tj k_M(x, c_j) over m centres C (fixed training points), i.e. a primal model whose
 * "training points" are the centres, so fitted.ts predicts and serialises it unchanged.
 *
 * AGOP: the same formula as the exact one (rfm-math.md section 4) with the centres in place of the training points.
 * For z_j in the AGOP sample J, grad f_k(z_j) = -kappa M (s_jk z_j - sum_i A_ik W_ji c_i), W = K o D^(q-2) between J
 * and C, s = W A. Stacking U = [Z_J; C] ((|J| + m) x d), grad f_k(z_j) = M U' b_jk and
 *     S = sum_jk b_jk b_jk' = kappa^2 [ diag(rowsum(s o s))   -W o (s A')       ]
 *                                     [ (-W o (s A'))'         (W'W) o (A A')    ],
 * AGOP = M (U' S U) M / |J|, with U' S U from U's structure (one-hot codes on text windows, features.ts). Centring
 * subtracts |J| kappa^2 bbar_k bbar_k' (bbar_k the mean b_jk). Cost O(|J| m^2 + m^2 c) for S, independent of d.
 * S is formed in float64 (rfm-math.md section 5).
 */

export interface NystromEngineOptions {
  centres: Int32Array;
  method: NystromMethod;
  blockRows: number;
  keepBlocks: boolean;
  tolerance?: number;
  maxIterations?: number;
  signal?: AbortSignal;
  onProgress?: (p: NystromProgress) => void;
  /** Training points scored for the train metrics (a fixed seeded subsample; all when n is smaller). */
  trainSample: number;
  seed: number;
}

interface Snapshot {
  metric: Metric;
  alpha: Matrix;
  norms: Float64Array;
}

export class NystromEngine implements Engine {
  private metric: Metric = IDENTITY;
  private source?: FeatureKernels;
  alpha: Matrix;
  /** What the last solve reported (method, CG iterations and residuals). */
  lastSolution?: NystromSolution;
  private kept?: Snapshot;
  private baselineSnapshot?: Snapshot;
  private readonly tracked: Features[];
  /** Rows of X the train metrics are computed on, and those points. */
  readonly trainRows: Int32Array;
  private readonly trainPoints: Features;

  constructor(
    private readonly s: EngineSetup,
    private readonly x: Features,
    private readonly o: NystromEngineOptions,
  ) {
    this.alpha = new Matrix(o.centres.length, s.y.cols);
    this.tracked = s.tracked.map((t) => t.z!);
    const n = x.rows;
    this.trainRows =
      n <= o.trainSample
        ? Int32Array.from({ length: n }, (_, i) => i)
        : uniformCentres(n, o.trainSample, new Rng(deriveSeed(o.seed, 'nystrom train metrics')));
    this.trainPoints = x.select(this.trainRows);
  }

  /** f_t on the fixed training subsample `trainRows` (the exact forms get K alpha = Y - lambda alpha free; this costs a block). */
  async trainScores(): Promise<{ pred: Matrix; rows: Int32Array }> {
    return {
      pred: await this.s.profile.time('train metrics', 0, () => this.scores(this.trainPoints)),
      rows: this.trainRows,
    };
  }

  async solve(): Promise<number> {
    const { backend, profile } = this.s;
    const o = this.o;
    this.source = await profile.time('Nystrom: norms and centres', 0, () =>
      FeatureKernels.create(backend, this.x, o.centres, this.metric, this.s.kernel, o.blockRows),
    );
    const src = this.source;
    const sol = await profile.time(`Nystrom: ${o.method} solve`, 0, () =>
      solveNystrom(backend, src, this.s.y, {
        ridge: this.s.ridge,
        method: o.method,
        blockRows: o.blockRows,
        keepBlocks: o.keepBlocks,
        tolerance: o.tolerance,
        maxIterations: o.maxIterations,
        signal: o.signal,
        onProgress: o.onProgress,
        onJitter: this.s.onJitter,
      }),
    );
    this.lastSolution = sol;
    this.alpha = sol.alpha;
    this.baselineSnapshot ??= this.snapshot();
    return sol.jitter;
  }

  /** f_t at the given points (float64). */
  async scores(z: Features): Promise<Matrix> {
    const k = (await this.source!.cross(z)).kernel;
    return this.s.backend.gemm(k, this.alpha);
  }

  async predict(set: number): Promise<Matrix> {
    return this.s.profile.time('tracked points', 0, () => this.scores(this.tracked[set]));
  }

  private snapshot(): Snapshot {
    return {
      metric: copyMetric(this.metric),
      alpha: this.alpha.clone(),
      norms: Float64Array.from(this.source!.centreSquaredNorms),
    };
  }

  keepBest(): void {
    this.kept = this.snapshot();
  }

  private fitted(s: Snapshot): FittedState {
    return { kind: 'primal', x: this.source!.centres, metric: s.metric, alpha: s.alpha, norms: s.norms };
  }

  best(): () => Promise<FittedState> {
    const state = this.fitted(this.kept!);
    return async () => state;
  }

  baseline(): FittedState {
    return this.fitted(this.baselineSnapshot!);
  }

  async update(t: number): Promise<void> {
    const { profile } = this.s;
    const rows = this.s.sample(t) ?? Int32Array.from({ length: this.x.rows }, (_, i) => i);
    const z = this.x.select(rows);
    const { weights } = await profile.time('AGOP: W(J, C)', 0, () => this.source!.cross(z, true));
    const s = await profile.time('AGOP: Hadamard S', 0, () => this.hadamardS(weights!));
    const u = stackFeatures([z.astype('float64'), this.source!.centres]);
    const usu = await profile.time("AGOP: U' S U", 0, () => u.congruence(s));
    this.metric = await this.sandwich(usu, 1 / rows.length);
  }

  /** S of the file comment ((|J| + m) square, float64). */
  private async hadamardS(w: Matrix): Promise<Matrix> {
    const { backend, centering } = this.s;
    const j = w.rows;
    const m = w.cols;
    const c = this.alpha.cols;
    const a = this.alpha;
    const kappa2 = kappaOf(this.s.kernel) ** 2;
    const sm = await backend.gemm(w, a);
    const wtw = await backend.syrk(w, { trans: true });
    const aat = await backend.syrk(a);
    const sat = await backend.gemm(sm, a, { transB: true });
    const size = j + m;
    const out = new Matrix(size, size);
    const S = out.data;
    for (let r = 0; r < j; r++) {
      let ss = 0;
      for (let k = 0; k < c; k++) ss += sm.data[r * c + k] ** 2;
      S[r * size + r] = ss;
      for (let i = 0; i < m; i++) {
        const v = -w.data[r * m + i] * sat.data[r * m + i];
        S[r * size + j + i] = v;
        S[(j + i) * size + r] = v;
      }
    }
    for (let i = 0; i < m; i++)
      for (let l = 0; l < m; l++) S[(j + i) * size + j + l] = wtw.data[i * m + l] * aat.data[i * m + l];
    if (centering) await this.centre(out, w, sm);
    scaleInPlace(out, kappa2);
    return out;
  }

  /** S -= |J| sum_k bbar_k bbar_k' with bbar_k = mean over J of b_jk (before the kappa^2 scale). */
  private async centre(out: Matrix, w: Matrix, sm: Matrix): Promise<void> {
    const j = w.rows;
    const m = w.cols;
    const c = this.alpha.cols;
    const bbar = new Matrix(j + m, c);
    for (let r = 0; r < j; r++) for (let k = 0; k < c; k++) bbar.data[r * c + k] = sm.data[r * c + k] / j;
    const colSums = new Float64Array(m);
    for (let r = 0; r < j; r++) for (let i = 0; i < m; i++) colSums[i] += w.data[r * m + i];
    for (let i = 0; i < m; i++)
      for (let k = 0; k < c; k++) bbar.data[(j + i) * c + k] = (-this.alpha.data[i * c + k] * colSums[i]) / j;
    await this.s.backend.syrk(bbar, { alpha: -j, beta: 1, out });
  }

  /** M_{t+1} = M_t (U' S U) M_t * scale (diagonal or full), normalised as asked. */
  private async sandwich(usu: Matrix, scale: number): Promise<Metric> {
    const { backend } = this.s;
    const d = usu.rows;
    const m = this.metric;
    let next: Exclude<Metric, { kind: 'identity' }>;
    // A diagonal RFM's M is the identity or diagonal, a full one's the identity or full.
    if (this.s.diagonal) {
      const diagonal = new Float64Array(d);
      for (let p = 0; p < d; p++) {
        const mp = m.kind === 'diagonal' ? m.diagonal[p] : 1;
        diagonal[p] = mp * mp * usu.data[p * d + p] * scale;
      }
      next = { kind: 'diagonal', diagonal };
    } else if (m.kind !== 'full') {
      scaleInPlace(usu, scale);
      next = { kind: 'full', matrix: usu };
    } else {
      const half = await backend.gemm(usu, m.matrix);
      const matrix = await backend.gemm(m.matrix, half, { alpha: scale });
      symmetrize(matrix);
      next = { kind: 'full', matrix };
    }
    finishMetricUpdate(next, this.s, 'M (Nystrom update)');
    return next;
  }
}
