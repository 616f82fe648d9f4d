#!/usr/bin/env python3
"""The published RFM in PyTorch (CPU), the peer of `npm run bench:rfm`: the loop of the RFM authors' rfm.py
(github.com/aradha/recursive_feature_machines, the code the study ran) on the study's scaling data.

Per iteration, as rfm.py does it: the Laplace kernel exp(-||x - z||_M / L) from classic_kernel.euclidean_distances_M,
K + reg I solved with numpy.linalg.solve on the float32 kernel, validation and test predictions and MSE, then M from
get_grads (the per-point gradients G = (K/dist)-weighted differences times M, M = sum_i G_i' G_i / n, summed over
batches of 2 points as rfm.py's batch_size = 2 default). Iterations t = 0..T are fitted and scored (T + 1 kernel
solves, T updates); the kept iteration is the lowest validation MSE. Validation and test are scored every iteration.

Usage: rfm_torch.py DATA.rfmdata [--L 1] [--reg 1e-3] [--T 10] [--threads 2] [--repeats 3]
prints one JSON line: {"seconds": min over repeats after a warm-up fit, "all_seconds", "best_iter", "best_test_mse",
"val_mse", "test_mse", "torch": version, "threads"}. Needs torch and numpy (never a dependency of rfm-lab).
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


# classic_kernel.py of the published code.
def euclidean_distances_M(samples, centers, M, squared=True):
    samples_norm = torch.sum((samples @ M) * samples, dim=1, keepdim=True)
    if samples is centers:
        centers_norm = samples_norm
    else:
        centers_norm = torch.sum((centers @ M) * centers, dim=1, keepdim=True)
    centers_norm = torch.reshape(centers_norm, (1, -1))
    distances = samples.mm(M @ torch.t(centers))
    distances.mul_(-2)
    distances.add_(samples_norm)
    distances.add_(centers_norm)
    if not squared:
        distances.clamp_(min=0)
        distances.sqrt_()
    return distances


def laplacian_M(samples, centers, bandwidth, M):
    kernel_mat = euclidean_distances_M(samples, centers, M, squared=False)
    kernel_mat.clamp_(min=0)
    kernel_mat.mul_(-1.0 / bandwidth)
    kernel_mat.exp_()
    return kernel_mat


# rfm.py's get_grads (all points as centres: n = 640 < its 20000-sample cap), on the CPU.
def get_grads(X, sol, L, P, batch_size=2):
    x = X
    K = laplacian_M(X, x, L, P)
    dist = euclidean_distances_M(X, x, P, squared=False)
    dist = torch.where(dist < 1e-10, torch.zeros(1).float(), dist)
    K = K / dist
    K[K == float("Inf")] = 0.0
    a1 = torch.from_numpy(sol.T).float()
    n, d = X.shape
    n, c = a1.shape
    m, d = x.shape
    a1 = a1.reshape(n, c, 1)
    X1 = (X @ P).reshape(n, 1, d)
    step1 = (a1 @ X1).reshape(-1, c * d)
    step2 = (K.T @ step1).reshape(-1, c, d)
    a2 = torch.from_numpy(sol).float()
    step3 = (a2 @ K).T
    x1 = (x @ P).reshape(m, 1, d)
    step3 = step3.reshape(m, c, 1) @ x1
    G = (step2 - step3) * -1 / L
    M = 0.0
    for grad in torch.split(G, batch_size):
        M += torch.sum(torch.transpose(grad, 1, 2) @ grad, dim=0)
    M /= len(G)
    return M.numpy()


def rfm(X, Y, Xv, Yv, Xt, Yt, L, reg, T):
    n, d = X.shape
    M = np.eye(d, dtype="float32")
    y = Y.numpy()
    hist = []
    for t in range(T + 1):
        Mt = torch.from_numpy(M)
        K_train = laplacian_M(X, X, L, Mt).numpy()
        sol = np.linalg.solve(K_train + reg * np.eye(len(K_train), dtype="float32"), y).T
        mse = []
        for Z, Yz in ((Xv, Yv), (Xt, Yt)):
            K_z = laplacian_M(X, Z, L, Mt).numpy()
            preds = (sol @ K_z).T
            mse.append(float(np.mean(np.square(preds - Yz.numpy()))))
        hist.append(mse)
        if t < T:
            M = get_grads(X, sol, L, Mt)
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
                      "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "blas_threads_env": os.environ.get("OPENBLAS_NUM_THREADS")}))


if __name__ == "__main__":
    sys.exit(main())
