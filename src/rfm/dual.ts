import { copyInto, rowDots, scaleInPlace, symmetrize, traceOfProduct } from '../linalg/elementwise';
import { Matrix } from '../linalg/matrix';
import { hadamardS, sampleRows, scoreMatrix } from './agop';
import { DualEngineBase, Engine, EngineSetup, gemmFlops, kappaOf } from './engine';
import type { DualData, FittedState } from './fitted';

/**
 * The explicit-S dual form (docs/rfm-math.md sections 4-5), float64 only. With S_t from the Hadamard identity (cost
 * independent of the number of outputs) and U = P_t S_t:
 *     P_{t+1} = g U P_t,   P_{z,t+1} = g (P_z,t S_t) P_t,   p_{z,t+1} = g diag(P_z,t S_t P_z,t'),
 * g = gamma / |J| with gamma the trace-normalisation factor (1 without it). It also tracks R_t = G C_t, which costs
 * one more GEMM: R_{t+1} = g U R_t (R_0 = I), so that C_{t+1} = g R_t' S_t R_t is available for the kept iteration
 * and trace(M_{t+1}) = trace(C_{t+1} G) = trace(U R_t) / |J| for trace-normalisation.
 */
export class DualSEngine extends DualEngineBase implements Engine {
  private readonly sMatrix: Matrix;
  private readonly u: Matrix;
  private r: Matrix | null = null;
  private rSpare: Matrix;
  /** R_t and g_t of the last update, so that C_{t+1} = g R_t' S_t R_t when iteration t + 1 is kept. */
  private previous: { r: Matrix | null; scale: number } = { r: null, scale: 1 };
  private kept: { t: number; r: Matrix | null; s?: Matrix; scale: number; alpha?: Matrix; norms?: Float64Array } = {
    t: 0,
    r: null,
    scale: 1,
  };
  private trackedScratch: Matrix[];
  private wjBuffer?: Matrix;

  private readonly data: DualData;

  /** Float64 only: `gram` is G, and `data` holds it with X when X was given. */
  constructor(setup: EngineSetup, gram: Matrix, data: DualData) {
    super(setup, gram);
    this.data = data;
    const n = this.n;
    this.sMatrix = new Matrix(n, n);
    this.u = new Matrix(n, n);
    this.rSpare = new Matrix(n, n);
    this.trackedScratch = this.trackedGram.map((g) => new Matrix(g.rows, n));
  }

  keepBest(t: number): void {
    const n = this.n;
    const kept = this.kept;
    kept.t = t;
    kept.alpha = this.alpha.clone();
    kept.norms = Float64Array.from(this.norms);
    if (t === 0) return;
    kept.s = copyInto(kept.s ?? new Matrix(n, n), this.sMatrix);
    kept.r = this.previous.r === null ? null : copyInto(kept.r ?? new Matrix(n, n), this.previous.r);
    kept.scale = this.previous.scale;
  }

  async update(t: number): Promise<void> {
    const { backend, profile, centering } = this.s;
    const n = this.n;
    const rows = this.s.sample(t);
    const j = rows === null ? n : rows.length;
    const c = this.alpha.cols;
    const wj = sampleRows(this.weights, rows, rows === null ? undefined : (this.wjBuffer ??= new Matrix(j, n)));
    const sm = await scoreMatrix(backend, wj, this.alpha);
    await profile.time('AGOP: Hadamard S', n * n * j + n * n * c + 4 * j * n * c, () =>
      hadamardS(backend, wj, this.alpha, sm, rows, kappaOf(this.s.kernel), centering, this.sMatrix, this.u),
    );
    this.s.checks?.agop(this.sMatrix.data, `S_${t}`);
    await profile.time('AGOP: U = P S', gemmFlops(n, n, n), () => backend.gemm(this.p, this.sMatrix, { out: this.u }));
    let gamma = 1;
    if (this.s.normalization === 'trace') {
      let tr = 0;
      if (this.r === null) for (let i = 0; i < n; i++) tr += this.u.data[i * n + i];
      else tr = traceOfProduct(this.u, this.r);
      gamma = this.s.features! / (tr / j);
    }
    const g = gamma / j;
    await profile.time("AGOP: P' = U P", gemmFlops(n, n, n), () =>
      backend.gemm(this.u, this.p, { alpha: g, out: this.pNext }),
    );
    symmetrize(this.pNext);
    for (let i = 0; i < this.trackedGram.length; i++) {
      const m = this.trackedGram[i].rows;
      const v = this.trackedScratch[i];
      await profile.time('tracked points', 2 * gemmFlops(m, n, n), async () => {
        await backend.gemm(this.trackedGram[i], this.sMatrix, { out: v });
        rowDots(v, this.trackedGram[i], this.trackedNormsNext[i], g);
        await backend.gemm(v, this.p, { alpha: g, out: this.trackedGramNext[i] });
      });
    }
    await profile.time('AGOP: R = U R', this.r === null ? 0 : gemmFlops(n, n, n), async () => {
      if (this.r === null) {
        copyInto(this.rSpare, this.u);
        scaleInPlace(this.rSpare, g);
      } else await backend.gemm(this.u, this.r, { alpha: g, out: this.rSpare });
    });
    this.previous = { r: this.r, scale: g };
    const spare = this.r ?? new Matrix(n, n);
    this.r = this.rSpare;
    this.rSpare = spare;
    this.swap();
  }

  best(): () => Promise<FittedState> {
    // Only what the kept pair needs is captured, so the engine's n x n buffers can be freed after the fit.
    const { t, r, s, scale, alpha, norms } = this.kept;
    const { backend } = this.s;
    const data = this.data;
    return async () => {
      let coef: Matrix | null = null;
      if (t > 0) {
        if (r === null) {
          coef = s!.clone();
          scaleInPlace(coef, scale);
        } else {
          const sr = await backend.gemm(s!, r);
          coef = await backend.gemm(r, sr, { transA: true, alpha: scale });
          symmetrize(coef);
        }
      }
      return { kind: 'dual', data, coef, alpha: alpha!, norms: norms! };
    };
  }

  baseline(): FittedState {
    return {
      kind: 'dual',
      data: this.data,
      coef: null,
      alpha: this.baselineState.alpha!,
      norms: Float64Array.from(this.baselineState.norms!),
    };
  }
}
