import type { Backend } from '../linalg/backend';
import { rowDots, symmetrize } from '../linalg/elementwise';
import { DType, FloatArray, Matrix, allocate } from '../linalg/matrix';
import { WORK_MATRICES } from '../linalg/matrix-pool';
import { backendFor } from '../linalg/registry';
import { forceTrainDiagonal, kernelFromGram } from '../kernels/kernel';
import { ridgeSolve } from '../kernels/ridge-solve';
import { hadamardS, sampleRows, scoreMatrix } from './agop';
import { DualEngineBase, Engine, EngineSetup, gemmFlops, kappaOf } from './engine';
import type { DualData, DualFit, FittedState } from './fitted';

/**
 * The dual Q form (docs/rfm-math.md section 5): S is never formed. Per output k, with B_k the |J| x n gradient
 * coefficients of agop.ts,
 *     Q_k = B_k P_t,   P_{t+1} = sum_k Q_k' Q_k / |J|,   P_{z,t+1} = sum_k (B_k P_z,t')' Q_k / |J|,
 *     p_{z,t+1} = sum_k column sums of (B_k P_z,t') o (B_k P_z,t') / |J|:
 * one GEMM and one SYRK of n^3 per output, and accurate in float32 (it never multiplies by S's ~1e18 spread).
 *
 * New points after the fit need C_t (M_t = X' C_t X), which this form does not track: each iteration's W_J and
 * alpha are kept instead (n^2 values per iteration), and C of the kept iteration is rebuilt from them on first use,
 * in float64 through the explicit S: C_1 = S_0 / |J|, C_{t+1} = (G C_t)' S_t (G C_t) / |J|.
 */
export class DualQEngine extends DualEngineBase implements Engine {
  /** Per update: W_J, alpha and J (to rebuild C), and Q_k = B_k P_t per output when a deferred set needs replaying. */
  private readonly log: Array<{ wj: Matrix; alpha: Matrix; rows: Int32Array | null; q?: Matrix[] }> = [];
  private keptIteration = 0;
  private keptAlpha?: Matrix;
  private keptNorms?: FloatArray;
  private work?: { sm: Matrix; b: Matrix; q: Matrix; qz: Matrix[] };

  private readonly data: DualData;

  /** `gram` is G in the run dtype; `data` holds X and/or G in float64 (G is formed from X when missing). */
  constructor(setup: EngineSetup, gram: Matrix, data: DualData) {
    super(setup, gram);
    this.data = data;
  }

  keepBest(t: number): void {
    this.keptIteration = t;
    this.keptAlpha = this.alpha.clone();
    this.keptNorms = this.norms.slice();
  }

  async update(t: number): Promise<void> {
    const { backend, profile, dtype, centering } = this.s;
    const n = this.n;
    const rows = this.s.sample(t);
    const j = rows === null ? n : rows.length;
    const c = this.alpha.cols;
    const kappa = kappaOf(this.s.kernel);
    const work = (this.work ??= {
      sm: new Matrix(j, c, dtype),
      b: WORK_MATRICES.take(j, n, dtype),
      q: WORK_MATRICES.take(j, n, dtype),
      qz: this.trackedGram.map((g) => WORK_MATRICES.take(j, g.rows, dtype)),
    });
    // W_J is kept for rebuilding C later; the engine takes another W buffer for the next iteration.
    const wj = rows === null ? this.weights : sampleRows(this.weights, rows);
    if (rows === null) this.weights = WORK_MATRICES.take(n, n, dtype);
    const entry = { wj, alpha: this.alpha.clone(), rows, q: this.s.deferred ? new Array<Matrix>(c) : undefined };
    this.log.push(entry);
    const sm = await scoreMatrix(backend, wj, this.alpha, work.sm);
    for (let k = 0; k < c; k++) {
      await backend.gradientCoefficients(wj, this.alpha, sm, { rows, output: k, kappa, centering, out: work.b });
      await profile.time('AGOP: Q = B P', gemmFlops(j, n, n), () => backend.gemm(work.b, this.p, { out: work.q }));
      await profile.time("AGOP: P' = Q' Q", j * n * n, () =>
        backend.syrk(work.q, { trans: true, alpha: 1 / j, beta: k > 0 ? 1 : 0, out: this.pNext }),
      );
      for (let i = 0; i < this.trackedGram.length; i++) {
        const m = this.trackedGram[i].rows;
        const qz = work.qz[i];
        await profile.time('tracked points', gemmFlops(j, m, n) * 2, async () => {
          await backend.gemm(work.b, this.trackedGram[i], { transB: true, out: qz });
          await backend.gemm(qz, work.q, {
            transA: true,
            alpha: 1 / j,
            beta: k > 0 ? 1 : 0,
            out: this.trackedGramNext[i],
          });
        });
        await backend.addColumnSquares(qz, this.trackedNormsNext[i], 1 / j, k > 0);
      }
      if (entry.q) {
        // The log takes this Q_k's buffer (no copy) and the work set gets another for the next product.
        entry.q[k] = work.q;
        work.q = WORK_MATRICES.take(j, n, dtype);
      }
    }
    this.s.checks?.agop(this.pNext.data, `X M_${t + 1} X'`);
    this.swap();
  }

  /**
   * The deferred set's P_{z,t} replayed from iteration 0 to the kept t with the logged Q_k (the same products the
   * tracked sets get each iteration), then f_t(z) and f_0(z).
   */
  async predictDeferred(): Promise<{ kept: Matrix; baseline: Matrix }> {
    const { backend, profile, dtype, centering } = this.s;
    const deferred = this.s.deferred!;
    const n = this.n;
    const m = deferred.rows;
    const kappa = kappaOf(this.s.kernel);
    // Every m x n buffer here comes from the pool and goes back to it: each is written in full before it is read.
    const pool = WORK_MATRICES;
    const gram0 = pool.take(m, n, dtype);
    gram0.data.set(deferred.gram!.data);
    const norms0 = dtype === 'float32' ? Float32Array.from(deferred.norms!) : Float64Array.from(deferred.norms!);
    let pz = gram0;
    let pzNorms: FloatArray = norms0;
    // B_k and B_k P_z' are scratch: the update's B buffer (the fit is over) and one qz, while |J| stays the same.
    let b = this.work?.b;
    let qz: Matrix | undefined;
    for (const e of this.log.slice(0, this.keptIteration)) {
      const j = e.wj.rows;
      const c = e.alpha.cols;
      const sm = await scoreMatrix(backend, e.wj, e.alpha);
      const bj: Matrix = b !== undefined && b.rows === j ? b : new Matrix(j, n, dtype);
      if (qz !== undefined && qz.rows !== j) pool.give(qz);
      const qzj: Matrix = qz !== undefined && qz.rows === j ? qz : pool.take(j, m, dtype);
      b = bj;
      qz = qzj;
      const next = pool.take(m, n, dtype);
      const nextNorms = allocate(dtype, m);
      for (let k = 0; k < c; k++) {
        await backend.gradientCoefficients(e.wj, e.alpha, sm, { rows: e.rows, output: k, kappa, centering, out: bj });
        await profile.time('test points (after the fit)', gemmFlops(j, m, n) * 2, async () => {
          await backend.gemm(bj, pz, { transB: true, out: qzj });
          await backend.gemm(qzj, e.q![k], { transA: true, alpha: 1 / j, beta: k > 0 ? 1 : 0, out: next });
        });
        await backend.addColumnSquares(qzj, nextNorms, 1 / j, k > 0);
      }
      if (pz !== gram0) pool.give(pz);
      pz = next;
      pzNorms = nextNorms;
    }
    const kept = await this.predictFrom(pz, pzNorms, this.keptNorms!, this.keptAlpha!);
    const baseline = await this.predictFrom(gram0, norms0, this.baselineState.norms!, this.baselineState.alpha!);
    for (const x of new Set([pz, gram0, ...(qz ? [qz] : [])])) pool.give(x);
    return { kept, baseline };
  }

  best(): () => Promise<FittedState> {
    // Only what rebuilding C needs is captured, so the engine's n x n buffers can be freed after the fit.
    const t = this.keptIteration;
    const keptAlpha = this.keptAlpha!.astype('float64');
    const log = this.log.slice(0, t);
    const { dtype, centering, kernel, ridge } = this.s;
    const y = this.s.y.astype('float64');
    const run = this.s.backend;
    const data = this.data;
    return async () => {
      const backend = dtype === 'float64' ? run : await backendFor('float64');
      const gram = (data.gram ??= await data.x!.gram());
      const coef = await rebuildCoefficients(backend, gram, log, kappaOf(kernel), centering);
      const gc = coef === null ? gram : await backend.gemm(gram, coef);
      if (dtype === 'float64') {
        const norms = coef === null ? gram.diagonal() : rowDots(gc, gram);
        const fit: DualFit = { kind: 'dual', data, coef, alpha: keptAlpha, norms };
        return fit;
      }
      // A float32 fit's alpha solves its own float32 kernel matrix; against the float64 C it would mix two models
      // (seen: 1% off in test MSE at d = 2000). Re-solve alpha_t for M_t in float64: the same pair, in float64.
      const p = coef === null ? gram.clone() : await backend.gemm(gc, gram);
      symmetrize(p);
      const norms = p.diagonal();
      await kernelFromGram(backend, p, norms, norms, kernel, p);
      forceTrainDiagonal(p);
      const alpha = new Matrix(y.rows, y.cols);
      await ridgeSolve(
        backend,
        p,
        ridge,
        y,
        { factor: new Matrix(p.rows, p.cols), alpha },
        'kernel matrix K(X, X) rebuilt in float64',
      );
      const fit: DualFit = { kind: 'dual', data, coef, alpha, norms };
      return fit;
    };
  }

  /**
   * After the fit: the Q log (read only by predictDeferred), the W_J of iterations from the kept one on (best() took
   * only those before it; all of them when the model is dropped) and the work buffers go back to the pool, with the
   * base class's n x n buffers.
   */
  override release(modelDropped = false): void {
    const give = (m: Matrix): void => WORK_MATRICES.give(m);
    this.log.forEach((e, t) => {
      e.q?.forEach(give);
      e.q = undefined;
      if (modelDropped || t >= this.keptIteration) give(e.wj);
    });
    this.log.length = 0;
    if (this.work) [this.work.b, this.work.q, ...this.work.qz].forEach(give);
    this.work = undefined;
    super.release();
  }

  baseline(): FittedState {
    return {
      kind: 'dual',
      data: this.data,
      coef: null,
      alpha: this.baselineState.alpha!.astype('float64'),
      norms: Float64Array.from(this.baselineState.norms!),
    };
  }
}

/** C_t from the per-iteration (W_J, alpha, J) of iterations 0..t-1, in float64; null for t = 0 (M = I). */
export async function rebuildCoefficients(
  backend: Backend,
  gram: Matrix,
  log: ReadonlyArray<{ wj: Matrix; alpha: Matrix; rows: Int32Array | null }>,
  kappa: number,
  centering: boolean,
): Promise<Matrix | null> {
  const n = gram.rows;
  let coef: Matrix | null = null;
  const s = new Matrix(n, n);
  const scratch = new Matrix(n, n);
  for (const e of log) {
    const wj = e.wj.astype('float64');
    const alpha = e.alpha.astype('float64');
    const sm = await scoreMatrix(backend, wj, alpha);
    await hadamardS(backend, wj, alpha, sm, e.rows, kappa, centering, s, scratch);
    const j = wj.rows;
    if (coef === null) {
      coef = s.clone();
      for (let i = 0; i < coef.data.length; i++) coef.data[i] /= j;
    } else {
      const r = await backend.gemm(gram, coef);
      const sr = await backend.gemm(s, r);
      coef = await backend.gemm(r, sr, { transA: true, alpha: 1 / j });
      symmetrize(coef);
    }
  }
  return coef;
}
