#!/usr/bin/env python3
"""The published RFM in PyTorch (CPU), the peer of `npm run bench:rfm`: a port of LaplaceRFM from the RFM authors'
pip package `rfm` (github.com/aradha/recursive_feature_machines, rfm/recursive_feature_machine.py and rfm/kernels.py,
setup.py version 1.0: the release whose fit_M averages the AGOP over the n points, M = sum / n, with no
max-normalisation, as the study's protocol has it), with method='lstsq', on the study's scaling data.

Per iteration, as the package does it: K = laplacian_M(X, X, M, L) from euclidean_distances_M (einsum M-norms and
cross terms), alpha = torch.linalg.solve(K + reg I, y); the held-out sets scored (validation and test, each through
predict = kernel(Z, X) @ alpha); then fit_M: the kernel and distances recomputed, K / dist with its zero-distance
rule, the gradients of all points at once as an (n, c, d) tensor G = (K (alpha * X M) - (K alpha) * (X M)) / L
(one batch: the package's memory-based M_batch_size exceeds n = 640), M = einsum('ncd,ncD->dD', G, G) / n.
Iterations t = 0..T are fitted and scored (T + 1 solves, T updates); the kept iteration is the lowest validation MSE.
Everything in float32 tensors, torch.set_num_threads(threads).

Usage: rfm_torch.py DATA.rfmdata [--L 1] [--reg 1e-3] [--T 10] [--threads 2] [--repeats 3]
prints one JSON line: {"seconds": min over repeats after a warm-up fit, "all_seconds", "best_iter", "best_test_mse",
"val_mse", "test_mse", "torch": version, "threads"}. Needs torch, numpy and opt_einsum (never a dependency of rfm-lab).
"""
import argparse, json, os, sys, time

import numpy as np
import torch


def read_data(path):
    with open(path, "rb") as f:
        head = json.loads(f.readline())
        n, d, c = head["n"], head["d"], head["c"]
        X = np.frombuffer(f.read(8 * n * d), dtype="<f8").reshape(n, d)
        Y = np.frombuffer(f.read(8 * n * c), dtype="<f8").reshape(n, c)
    return X, Y, np.array(head["fit"]), np.array(head["val"]), np.array(head["test"])


def m_distances(samples, centers, M):
    """||x - z||_M for all pairs, as the package's kernels.euclidean_distances_M(squared=False): the M-norms by einsum,
    -2 x'Mz by einsum, added, clamped at 0, square root."""
    s_norm = torch.einsum("md,mD,dD->m", samples, samples, M)
    c_norm = s_norm if samples is centers else torch.einsum("md,mD,dD->m", centers, centers, M)
    dist = -2 * torch.einsum("md,nD,dD->mn", samples, centers, M)
    dist.add_(s_norm.view(-1, 1))
    dist.add_(c_norm)
    dist.clamp_(min=0).sqrt_()
    return dist


def laplace_kernel(samples, centers, M, bandwidth):
    """kernels.laplacian_M: exp(-||x - z||_M / L)."""
    k = m_distances(samples, centers, M)
    k.clamp_(min=0)
    k.mul_(-1.0 / bandwidth)
    k.exp_()
    return k


class LaplaceRFMPort:
    """LaplaceRFM of the package (rfm/recursive_feature_machine.py, setup.py version 1.0, method='lstsq'): M starts at
    I; fit_predictor solves torch.linalg.solve(K + reg I, y); fit_M sums update_M over batches of the training points
    (its memory-based M_batch_size covers all 640 points here: one batch) and divides by n, with no normalisation."""

    def __init__(self, bandwidth, reg):
        self.bandwidth = bandwidth
        self.reg = reg
        self.M = None

    def fit_predictor(self, centers, targets):
        self.centers = centers
        if self.M is None:
            self.M = torch.eye(centers.shape[-1], dtype=centers.dtype)
        K = laplace_kernel(centers, centers, self.M, self.bandwidth)
        self.weights = torch.linalg.solve(K + self.reg * torch.eye(len(centers), dtype=centers.dtype), targets)

    def predict(self, samples):
        return laplace_kernel(samples, self.centers, self.M, self.bandwidth) @ self.weights

    def mse(self, samples, targets):
        return float((targets - self.predict(samples)).pow(2).mean())

    def update_M(self, samples):
        """The batched AGOP term of LaplaceRFM.update_M: K / dist (0 where dist < 1e-10 or the ratio is infinite),
        the gradients G = (K (alpha * X M) - (K alpha) * (Z M)) / L as an (n, c, d) tensor, then sum_n G' G."""
        K = laplace_kernel(samples, self.centers, self.M, self.bandwidth)
        dist = m_distances(samples, self.centers, self.M)
        dist = torch.where(dist < 1e-10, torch.zeros(1, dtype=dist.dtype), dist)
        K = K / dist
        K[K == float("inf")] = 0.0
        p, d = self.centers.shape
        c = self.weights.shape[1]
        n = samples.shape[0]
        samples_term = (K @ self.weights).reshape(n, c, 1)
        centers_term = (K @ (self.weights.view(p, c, 1) * (self.centers @ self.M).view(p, 1, d)).reshape(p, c * d)).view(
            n, c, d
        )
        samples_term = samples_term * (samples @ self.M).reshape(n, 1, d)
        G = (centers_term - samples_term) / self.bandwidth
        return torch.einsum("ncd,ncD->dD", G, G)

    def fit_M(self, samples):
        n, d = samples.shape
        M = torch.zeros(d, d, dtype=samples.dtype)
        for batch in torch.arange(n).split(n):
            M += self.update_M(samples[batch])
        self.M = M / n


def rfm(X, Y, Xv, Yv, Xt, Yt, L, reg, T):
    """The package's fit loop with iters = T: fit_predictor, score, fit_M, T times, then a last fit_predictor and score
    (T + 1 solves, T updates). The package scores one held-out set; here validation (which picks the kept iteration)
    and test are both scored every iteration, as rfm-lab's testEveryIteration does."""
    model = LaplaceRFMPort(L, reg)
    hist = []
    for t in range(T + 1):
        model.fit_predictor(X, Y)
        hist.append([model.mse(Xv, Yv), model.mse(Xt, Yt)])
        if t < T:
            model.fit_M(X)
    return hist


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--L", type=float, default=1.0)
    ap.add_argument("--reg", type=float, default=1e-3)
    ap.add_argument("--T", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if not torch.backends.opt_einsum.is_available():
        # torch contracts a three-operand einsum left to right without opt_einsum: 'md,nD,dD->mn' would build an
        # m x n x d x d tensor (16 GB at d = 100). The package's users have it (pip install opt_einsum).
        sys.exit("rfm_torch.py: torch.backends.opt_einsum is not available (pip install opt_einsum)")
    X, Y, fit, val, test = read_data(a.path)
    f32 = lambda rows, m: torch.from_numpy(np.ascontiguousarray(m[rows], dtype=np.float32))
    args = (f32(fit, X), f32(fit, Y), f32(val, X), f32(val, Y), f32(test, X), f32(test, Y), a.L, a.reg, a.T)
    rfm(*args)  # warm-up
    seconds = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        hist = rfm(*args)
        seconds.append(time.perf_counter() - t0)
    best = min(range(len(hist)), key=lambda t: hist[t][0])
    print(json.dumps({"seconds": round(min(seconds), 5), "all_seconds": [round(s, 5) for s in seconds], "best_iter": best,
                      "best_test_mse": hist[best][1], "val_mse": [h[0] for h in hist], "test_mse": [h[1] for h in hist],
                      "torch": torch.__version__, "opt_einsum": torch.backends.opt_einsum.strategy, "threads": torch.get_num_threads(),
                      "blas_threads_env": os.environ.get("OPENBLAS_NUM_THREADS")}))


if __name__ == "__main__":
    sys.exit(main())
