import type { Backend } from '../linalg/backend';
import { scaleInPlace } from '../linalg/elementwise';
import { Matrix } from '../linalg/matrix';

/**
 * The AGOP in sample space (docs/rfm-math.md section 4). With W = K o D^(q-2) (0 where D = 0) among the training points,
 * A the weights, kappa = q / L^q and J the AGOP points, the gradient of output k at x_j (j in J) is M X' b_jk with
 *     b_jk = -kappa (s_jk e_j - A[:, k] o W[:, j]),   s_jk = (W' A)_jk,
 * so AGOP = M X' S X M / |J| with S = sum_{j in J, k} b_jk b_jk'. W is symmetric (the fit symmetrises the Gram
 * matrix), so W[:, j] is row j of W: W_J below is the |J| x n block of rows J of W.
 *
 * B_k (|J| x n), row r = b_{J_r, k}', is Backend.gradientCoefficients (an elementwise pass the native backend runs
 * off the main thread); with centring, each gradient field's mean over J is removed first (the mean gradient is
 * M X' times the mean row, so centring the rows of B_k is exact).
 */

/** The rows J of W (W itself when J is all points). */
export function sampleRows(w: Matrix, rows: Int32Array | null, out?: Matrix): Matrix {
  if (rows === null) return w;
  const res = out ?? new Matrix(rows.length, w.cols, w.dtype);
  for (let r = 0; r < rows.length; r++) res.data.set(w.row(rows[r]), r * w.cols);
  return res;
}

/** S_m = W_J A (|J| x c): s_jk for j in J. */
export function scoreMatrix(backend: Backend, wj: Matrix, alpha: Matrix, out?: Matrix): Promise<Matrix> {
  return backend.gemm(wj, alpha, { out });
}

/**
 * The n x n matrix S by the Hadamard identity, in O(n^2 |J| + n^2 c) instead of O(n^2 c d):
 *   S = kappa^2 [ diag_J(rowsum(S_m o S_m)) - T - T' + (W_J' W_J) o (A A') ],  T_ji = W_ij (S_m A')_ji for j in J,
 * and with centring S -= |J| kappa^2 Bbar Bbar', Bbar_k = (s_k on J - A_k o (W_J' 1)) / |J|.
 * `work` is an n x n scratch matrix. Meant for float64 (docs/rfm-math.md section 5: S spans ~1e-7..2e11).
 */
export async function hadamardS(
  backend: Backend,
  wj: Matrix,
  alpha: Matrix,
  sm: Matrix,
  rows: Int32Array | null,
  kappa: number,
  centering: boolean,
  out: Matrix,
  work: Matrix,
): Promise<Matrix> {
  const n = alpha.rows;
  const c = alpha.cols;
  const m = wj.rows;
  await backend.syrk(wj, { trans: true, out });
  await backend.syrk(alpha, { out: work });
  const S = out.data;
  const AA = work.data;
  for (let i = 0; i < S.length; i++) S[i] *= AA[i];
  const v = await backend.gemm(sm, alpha, { transB: true, out: new Matrix(m, n, work.data.subarray(0, m * n)) });
  const V = v.data;
  const Wd = wj.data;
  for (let r = 0; r < m; r++) {
    const j = rows === null ? r : rows[r];
    const off = r * n;
    for (let i = 0; i < n; i++) {
      const t = Wd[off + i] * V[off + i];
      S[j * n + i] -= t;
      S[i * n + j] -= t;
    }
    let ss = 0;
    for (let k = 0; k < c; k++) ss += sm.data[r * c + k] * sm.data[r * c + k];
    S[j * n + j] += ss;
  }
  if (centering) {
    const bbar = new Matrix(n, c, 'float64');
    const colSums = new Float64Array(n);
    for (let r = 0; r < m; r++) for (let i = 0, off = r * n; i < n; i++) colSums[i] += Wd[off + i];
    for (let i = 0; i < n; i++)
      for (let k = 0; k < c; k++) bbar.data[i * c + k] = (-alpha.data[i * c + k] * colSums[i]) / m;
    for (let r = 0; r < m; r++) {
      const j = rows === null ? r : rows[r];
      for (let k = 0; k < c; k++) bbar.data[j * c + k] += sm.data[r * c + k] / m;
    }
    await backend.syrk(bbar.astype(out.dtype), { alpha: -m, beta: 1, out });
  }
  scaleInPlace(out, kappa * kappa);
  return out;
}
