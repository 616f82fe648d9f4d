import { diagonalInto, scaleInPlace, symmetrize } from '../linalg/elementwise';
import { FloatArray, Matrix, allocate } from '../linalg/matrix';
import { IDENTITY, Metric, copyMetric, kernelFromGram } from '../kernels/kernel';
import { hadamardS, sampleRows, scoreMatrix } from './agop';
import { Engine, EngineSetup, flopsOf, gemmFlops, kappaOf, solveKernelSystem } from './engine';
import type { Features } from './features';
import type { FittedState } from './fitted';
import { finishMetricUpdate } from './metric-update';

/**
 * The primal form (docs/rfm-math.md section 3): M_t is d x d (or its diagonal), distances from X M X'. Per iteration:
 * X M (2nd^2), X M X' (2n^2 d), the kernel and its solve, then M_{t+1} = (X M)' S (X M) / |J|, built per output as
 * G_k = B_k (X M), M += G_k' G_k / |J| (one GEMM and one SYRK per output), or, with many outputs in float64,
 * through the Hadamard S (cost independent of c), as (X M)' S (X M) or as M (X' S X) M, whichever the cost model
 * prices lower (the second for a one-hot X).
 * X enters only through the products of features.ts, so a dense and a one-hot X run this same code; the one-hot
 * products are sums and gathers, profiled with their seconds but no flops.
 */
export class PrimalEngine implements Engine {
  private readonly n: number;
  private readonly d: number;
  private metric: Metric = IDENTITY;
  /** X M_t: formed by solve() for M != I; for M = I only if the gradients need it (a one-hot X is never dense otherwise). */
  private xm?: Matrix;
  private readonly xmBuffer: Matrix;
  private readonly gram: Matrix;
  private readonly norms: FloatArray;
  private readonly kernelMatrix: Matrix;
  private readonly weights: Matrix;
  private readonly factor: Matrix;
  readonly alpha: Matrix;
  private readonly tracked: Array<{ z: Features; zm: Matrix; gram: Matrix; norms: FloatArray; pred: Matrix }>;
  private kept?: PrimalSnapshot;
  private baselineSnapshot?: PrimalSnapshot;
  private work?: PrimalWork;

  constructor(
    private readonly s: EngineSetup,
    private readonly x: Features,
  ) {
    const { dtype } = s;
    const n = x.rows;
    const d = x.cols;
    this.n = n;
    this.d = d;
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
    const { n, d, metric, x } = this;
    if (metric.kind === 'identity') {
      this.xm = undefined;
      await profile.time("X M X'", flopsOf(x, n * n * d), () => x.gram(this.gram));
    } else {
      const xm = await profile.time('X M', metric.kind === 'full' ? flopsOf(x, gemmFlops(n, d, d)) : 0, () =>
        x.times(metric, this.xmBuffer),
      );
      this.xm = xm;
      await profile.time("X M X'", flopsOf(x, gemmFlops(n, n, d)), () =>
        x.crossProducts(xm, { symmetric: true, out: this.gram }),
      );
    }
    diagonalInto(this.gram, this.norms);
    const system = { kernelMatrix: this.kernelMatrix, weights: this.weights, factor: this.factor, alpha: this.alpha };
    const jitter = await solveKernelSystem(this.s, this.gram, this.norms, system);
    this.baselineSnapshot ??= this.snapshot();
    return jitter;
  }

  async predict(set: number): Promise<Matrix> {
    const t = this.tracked[set];
    return this.predictPoints(t.z, { metric: this.metric, alpha: this.alpha, norms: this.norms }, t);
  }

  async predictDeferred(): Promise<{ kept: Matrix; baseline: Matrix }> {
    const z = this.s.deferred!.z!;
    const baseline = this.baselineSnapshot!;
    return {
      kept: await this.predictPoints(z, this.kept!),
      baseline: await this.predictPoints(z, { metric: IDENTITY, alpha: baseline.alpha, norms: baseline.norms }),
    };
  }

  /** f(z) of the pair (M, alpha) with the training norms ||x_i||_M^2, into `buffers` when given. */
  private async predictPoints(
    z: Features,
    pair: PrimalSnapshot,
    buffers?: { zm: Matrix; gram: Matrix; norms: FloatArray; pred: Matrix },
  ): Promise<Matrix> {
    const { backend, profile } = this.s;
    const { n, d } = this;
    const { metric, alpha } = pair;
    const m = z.rows;
    const zm = await profile.time('tracked points', metric.kind === 'full' ? flopsOf(z, gemmFlops(m, d, d)) : 0, () =>
      z.times(metric, buffers?.zm),
    );
    const gram = await profile.time('tracked points', flopsOf(this.x, gemmFlops(m, n, d)), () =>
      this.x.crossProducts(zm, { out: buffers?.gram }),
    );
    const norms = z.rowDots(zm, buffers?.norms);
    await kernelFromGram(backend, gram, norms, pair.norms, this.s.kernel, gram);
    return profile.time('tracked points', gemmFlops(m, alpha.cols, n), () =>
      backend.gemm(gram, alpha, { out: buffers?.pred }),
    );
  }

  private snapshot(): PrimalSnapshot {
    return { metric: copyMetric(this.metric), alpha: this.alpha.clone(), norms: this.norms.slice() };
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
    const path = this.s.gradients;
    const perOutput = path !== 'hadamard' && path !== 'hadamard-congruence';
    const work = (this.work ??= {
      wj: rows === null ? undefined : new Matrix(j, n, dtype),
      sm: new Matrix(j, c, dtype),
      b: perOutput ? new Matrix(j, n, dtype) : undefined,
      g: perOutput ? new Matrix(j, d, dtype) : undefined,
      s: perOutput ? undefined : new Matrix(n, n),
      scratch: perOutput ? undefined : new Matrix(n, n),
      v: path === 'hadamard' ? new Matrix(n, d) : undefined,
    });
    const wj = sampleRows(this.weights, rows, work.wj);
    const sm = await scoreMatrix(backend, wj, this.alpha, work.sm);
    // Chosen only in float64 (cost-model.ts), so nothing below converts S.
    const sMatrix = perOutput
      ? undefined
      : await profile.time('AGOP: Hadamard S', n * n * j + n * n * c + 4 * j * n * c, () =>
          hadamardS(backend, wj, this.alpha, sm, rows, kappa, centering, work.s!, work.scratch!),
        );
    let next: LearnedMetric;
    if (path === 'hadamard-congruence') {
      const xsx = await profile.time("AGOP: X' S X", flopsOf(this.x, gemmFlops(n, d, n) + gemmFlops(d, d, n)), () =>
        this.x.congruence(sMatrix!, work.xsx),
      );
      next = await this.sandwich(xsx, 1 / j, work);
    } else {
      // M_t's buffer becomes M_{t+1}: X M_t is formed first and the kept pair holds its own copy.
      const product: LearnedMetric = this.s.diagonal
        ? { kind: 'diagonal', diagonal: this.metric.kind === 'diagonal' ? this.metric.diagonal : allocate(dtype, d) }
        : { kind: 'full', matrix: this.metric.kind === 'full' ? this.metric.matrix : new Matrix(d, d, dtype) };
      next = product;
      const xm = this.xm ?? (this.xm = await profile.time('X M', 0, () => this.x.times(IDENTITY, this.xmBuffer)));
      if (sMatrix) {
        const v = await profile.time('AGOP: S (X M)', gemmFlops(n, d, n), () =>
          backend.gemm(sMatrix, xm, { out: work.v }),
        );
        if (product.kind === 'diagonal') {
          const col = new Float64Array(d);
          for (let i = 0; i < n; i++) for (let p = 0; p < d; p++) col[p] += xm.data[i * d + p] * v.data[i * d + p];
          for (let p = 0; p < d; p++) product.diagonal[p] = col[p] / j;
        } else {
          await profile.time("AGOP: (X M)' S X M", gemmFlops(d, d, n), () =>
            backend.gemm(xm, v, { transA: true, alpha: 1 / j, out: product.matrix }),
          );
          symmetrize(product.matrix);
        }
      } else {
        for (let k = 0; k < c; k++) {
          await backend.gradientCoefficients(wj, this.alpha, sm, { rows, output: k, kappa, centering, out: work.b! });
          await profile.time('AGOP: gradients B (X M)', gemmFlops(j, d, n), () =>
            backend.gemm(work.b!, xm, { out: work.g }),
          );
          if (product.kind === 'diagonal') await backend.addColumnSquares(work.g!, product.diagonal, 1 / j, k > 0);
          else
            await profile.time("AGOP: G' G", j * d * d, () =>
              backend.syrk(work.g!, { trans: true, alpha: 1 / j, beta: k > 0 ? 1 : 0, out: product.matrix }),
            );
        }
      }
    }
    finishMetricUpdate(next, this.s, `M_${t + 1}`);
    this.metric = next;
  }

  /** M_t (X' S X) M_t * scale, in `xsx`'s buffer (the kept pair holds its own copy of M_t, whose buffer is reused). */
  private async sandwich(xsx: Matrix, scale: number, work: PrimalWork): Promise<LearnedMetric> {
    const { backend, profile, dtype } = this.s;
    const d = this.d;
    const m = this.metric;
    if (this.s.diagonal) {
      const diagonal = m.kind === 'diagonal' ? m.diagonal : allocate(dtype, d);
      for (let p = 0; p < d; p++) {
        const mp = m.kind === 'diagonal' ? m.diagonal[p] : 1;
        diagonal[p] = mp * mp * xsx.data[p * d + p] * scale;
      }
      work.xsx = xsx;
      return { kind: 'diagonal', diagonal };
    }
    if (m.kind !== 'full') {
      scaleInPlace(xsx, scale);
      work.xsx = undefined;
      return { kind: 'full', matrix: xsx };
    }
    await profile.time("AGOP: M (X' S X) M", 2 * gemmFlops(d, d, d), async () => {
      work.spare = await backend.gemm(xsx, m.matrix, { out: work.spare });
      await backend.gemm(m.matrix, work.spare, { alpha: scale, out: xsx });
    });
    symmetrize(xsx);
    work.xsx = m.matrix;
    return { kind: 'full', matrix: xsx };
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

type LearnedMetric = Exclude<Metric, { kind: 'identity' }>;

/** Buffers of the update, allocated on first use for the gradient path in use. */
interface PrimalWork {
  wj?: Matrix;
  sm: Matrix;
  b?: Matrix;
  g?: Matrix;
  s?: Matrix;
  scratch?: Matrix;
  v?: Matrix;
  xsx?: Matrix;
  spare?: Matrix;
}

interface PrimalSnapshot {
  metric: Metric;
  alpha: Matrix;
  norms: FloatArray;
}
