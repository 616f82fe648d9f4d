import { addColumnSquares, diagonalInto, maxAbs, rowDots, scaleColumns, scaleInPlace, symmetrize } from '../linalg/elementwise';
import { FloatArray, Matrix, allocate } from '../linalg/matrix';
import { IDENTITY, Metric, forceTrainDiagonal, kernelFromGram } from '../kernels/kernel';
import { ridgeSolve } from '../kernels/ridge-solve';
import { gradientCoefficients, hadamardS, sampleRows, scoreMatrix } from './agop';
import { Engine, EngineSetup, gemmFlops, kappaOf } from './engine';
import type { FittedState } from './fitted';

/**
 * The primal form (rfm-math.md section 3): M_t is d x d (or its diagonal), distances from X M X'. Per iteration:
 * X M (2nd^2), X M X' (2n^2 d), the kernel and its solve, then M_{t+1} = (X M)' S (X M) / |J|, built per output as
 * G_k = B_k (X M), M += G_k' G_k / |J| (one GEMM and one SYRK per output), or, with many outputs in float64,
 * through the Hadamard S (cost independent of c).
 */
export class PrimalEngine implements Engine {
  private readonly n: number;
  private readonly d: number;
  private metric: Metric = IDENTITY;
  private xm: Matrix;
  private readonly xmBuffer: Matrix;
  private readonly gram: Matrix;
  private readonly norms: FloatArray;
  private readonly kernelMatrix: Matrix;
  private readonly weights: Matrix;
  private readonly factor: Matrix;
  readonly alpha: Matrix;
  private readonly tracked: Array<{ z: Matrix; zm: Matrix; gram: Matrix; norms: FloatArray; pred: Matrix }>;
  private kept?: PrimalSnapshot;
  private baselineSnapshot?: PrimalSnapshot;
  private work?: { wj?: Matrix; sm: Matrix; b: Matrix; g: Matrix; s?: Matrix; scratch?: Matrix; v?: Matrix };

  constructor(private readonly s: EngineSetup, private readonly x: Matrix) {
    const { dtype } = s;
    const n = x.rows;
    const d = x.cols;
    this.n = n;
    this.d = d;
    this.xm = x;
    this.xmBuffer = new Matrix(n, d, dtype);
    this.gram = new Matrix(n, n, dtype);
    this.norms = allocate(dtype, n);
    this.kernelMatrix = new Matrix(n, n, dtype);
    this.weights = new Matrix(n, n, dtype);
    this.factor = new Matrix(n, n, dtype);
    this.alpha = new Matrix(n, s.y.cols, dtype);
    this.tracked = s.tracked.map((t) => ({
      z: t.z!,
      zm: new Matrix(t.rows, d, dtype),
      gram: new Matrix(t.rows, n, dtype),
      norms: allocate(dtype, t.rows),
      pred: new Matrix(t.rows, s.y.cols, dtype),
    }));
  }

  async solve(): Promise<number> {
    const { backend, profile } = this.s;
    const { n, d, metric } = this;
    if (metric.kind === 'identity') {
      this.xm = this.x;
      await profile.time("X M X'", n * n * d, () => backend.syrk(this.x, { out: this.gram }));
    } else {
      if (metric.kind === 'diagonal') this.xm = scaleColumns(this.x, metric.diagonal, this.xmBuffer);
      else this.xm = await profile.time('X M', gemmFlops(n, d, d), () => backend.gemm(this.x, metric.matrix, { out: this.xmBuffer }));
      await profile.time("X M X'", gemmFlops(n, n, d), () => backend.gemm(this.xm, this.x, { transB: true, out: this.gram }));
      symmetrize(this.gram);
    }
    diagonalInto(this.gram, this.norms);
    await profile.time('distance kernel', 0, () => kernelFromGram(backend, this.gram, this.norms, this.norms, this.s.kernel, this.kernelMatrix, this.weights));
    forceTrainDiagonal(this.kernelMatrix, this.weights);
    const r = await profile.time('cholesky + solve', (n * n * n) / 3 + 2 * n * n * this.alpha.cols, () =>
      ridgeSolve(backend, this.kernelMatrix, this.s.ridge, this.s.y, { factor: this.factor, alpha: this.alpha }, 'kernel matrix K(X, X)', this.s.onJitter),
    );
    this.baselineSnapshot ??= this.snapshot();
    return r.jitter;
  }

  async predict(set: number): Promise<Matrix> {
    const { backend, profile } = this.s;
    const t = this.tracked[set];
    const { n, d, metric } = this;
    const zm = metric.kind === 'identity' ? t.z : metric.kind === 'diagonal' ? scaleColumns(t.z, metric.diagonal, t.zm) : await backend.gemm(t.z, metric.matrix, { out: t.zm });
    await profile.time('tracked points', gemmFlops(t.z.rows, n, d) + (metric.kind === 'full' ? gemmFlops(t.z.rows, d, d) : 0), () =>
      backend.gemm(zm, this.x, { transB: true, out: t.gram }),
    );
    rowDots(zm, t.z, t.norms);
    await kernelFromGram(backend, t.gram, t.norms, this.norms, this.s.kernel, t.gram);
    return profile.time('tracked points', gemmFlops(t.z.rows, this.alpha.cols, n), () => backend.gemm(t.gram, this.alpha, { out: t.pred }));
  }

  private snapshot(): PrimalSnapshot {
    const m = this.metric;
    const metric: Metric = m.kind === 'identity' ? m : m.kind === 'diagonal' ? { kind: 'diagonal', diagonal: m.diagonal.slice() } : { kind: 'full', matrix: m.matrix.clone() };
    return { metric, alpha: this.alpha.clone(), norms: this.norms.slice() };
  }

  keepBest(): void {
    this.kept = this.snapshot();
  }

  async update(t: number): Promise<void> {
    const { backend, profile, dtype, centering } = this.s;
    const { n, d } = this;
    const rows = this.s.sample(t);
    const j = rows === null ? n : rows.length;
    const kappa = kappaOf(this.s.kernel);
    const c = this.alpha.cols;
    const work = (this.work ??= {
      wj: rows === null ? undefined : new Matrix(j, n, dtype),
      sm: new Matrix(j, c, dtype),
      b: new Matrix(j, n, dtype),
      g: new Matrix(j, d, dtype),
      s: this.s.gradients === 'hadamard' ? new Matrix(n, n) : undefined,
      scratch: this.s.gradients === 'hadamard' ? new Matrix(n, n) : undefined,
      v: this.s.gradients === 'hadamard' ? new Matrix(n, d) : undefined,
    });
    const wj = sampleRows(this.weights, rows, work.wj);
    const sm = await scoreMatrix(backend, wj, this.alpha, work.sm);
    const next: Metric = this.s.diagonal
      ? { kind: 'diagonal', diagonal: this.metric.kind === 'diagonal' ? this.metric.diagonal : allocate(dtype, d) }
      : { kind: 'full', matrix: this.metric.kind === 'full' ? this.metric.matrix : new Matrix(d, d, dtype) };
    if (this.s.gradients === 'hadamard') {
      // Chosen only in float64 (cost-model.ts), so nothing here converts. M_t's buffer becomes M_{t+1}: X M_t is
      // already formed and the kept pair holds its own copy.
      const sMatrix = await profile.time('AGOP: Hadamard S', n * n * j + n * n * c + 4 * j * n * c, () =>
        hadamardS(backend, wj, this.alpha, sm, rows, kappa, centering, work.s!, work.scratch!),
      );
      const v = await profile.time('AGOP: S (X M)', gemmFlops(n, d, n), () => backend.gemm(sMatrix, this.xm, { out: work.v }));
      if (next.kind === 'diagonal') {
        const col = new Float64Array(d);
        const xm = this.xm.data;
        for (let i = 0; i < n; i++) for (let p = 0; p < d; p++) col[p] += xm[i * d + p] * v.data[i * d + p];
        for (let p = 0; p < d; p++) next.diagonal[p] = col[p] / j;
      } else {
        await profile.time("AGOP: (X M)' S X M", gemmFlops(d, d, n), () => backend.gemm(this.xm, v, { transA: true, alpha: 1 / j, out: next.matrix }));
        symmetrize(next.matrix);
      }
    } else {
      for (let k = 0; k < c; k++) {
        gradientCoefficients(wj, this.alpha, sm, rows, k, kappa, centering, work.b);
        await profile.time('AGOP: gradients B (X M)', gemmFlops(j, d, n), () => backend.gemm(work.b, this.xm, { out: work.g }));
        if (next.kind === 'diagonal') addColumnSquares(work.g, next.diagonal, 1 / j, k > 0);
        else await profile.time("AGOP: G' G", j * d * d, () => backend.syrk(work.g, { trans: true, alpha: 1 / j, beta: k > 0 ? 1 : 0, out: next.matrix }));
      }
    }
    const values = next.kind === 'diagonal' ? next.diagonal : next.matrix.data;
    if (this.s.normalization === 'max') scaleInPlace(values, 1 / maxAbs(values));
    else if (this.s.normalization === 'trace') {
      let tr = 0;
      if (next.kind === 'diagonal') for (let p = 0; p < d; p++) tr += next.diagonal[p];
      else for (let p = 0; p < d; p++) tr += next.matrix.data[p * d + p];
      scaleInPlace(values, d / tr);
    }
    this.metric = next;
  }

  best(): () => Promise<FittedState> {
    const kept = this.kept!;
    return async () => ({ kind: 'primal', x: this.x, metric: kept.metric, alpha: kept.alpha, norms: kept.norms });
  }

  baseline(): FittedState {
    const b = this.baselineSnapshot!;
    return { kind: 'primal', x: this.x, metric: IDENTITY, alpha: b.alpha, norms: b.norms };
  }
}

interface PrimalSnapshot {
  metric: Metric;
  alpha: Matrix;
  norms: FloatArray;
}
