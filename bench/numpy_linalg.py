#!/usr/bin/env python3
"""numpy/scipy side of bench/linalg.bench.ts: the same operations, sizes, dtypes and run counts, timed the same way.

Usage: python3 bench/numpy_linalg.py          serves JSON-line requests on stdin, so the bench can interleave
                                               numpy's runs with its own (fair on a machine whose load varies):
         {"cmd": "setup", "n": 2000, "dtype": "float32", "rhs": 60} -> {"ok": true}
         {"cmd": "run", "op": "gemm" | "spd"}                       -> {"time": seconds of one call}
         {"cmd": "info"} -> {"info": {...}};  {"cmd": "quit"}
       python3 bench/numpy_linalg.py --info     prints versions, OpenBLAS config and core of numpy and scipy

GEMM is numpy.matmul into a preallocated output; the SPD solve is scipy.linalg.cho_factor + cho_solve with their
defaults (copies, finiteness checks), i.e. what a user would call. Matrices are built like the TypeScript side's:
uniform [0, 1) entries; the SPD matrix is R + R' + 2n I (diagonally dominant).
"""
import ctypes
import glob
import json
import os
import sys
import time

import numpy as np


def openblas_info(module_dir, libs_dir_name):
    """Config string and core name of the OpenBLAS a wheel vendors (threadpoolctl is not installed here)."""
    base = os.path.dirname(module_dir)
    out = {}
    for path in glob.glob(os.path.join(base, libs_dir_name, "*openblas*.so*")):
        lib = ctypes.CDLL(path)
        for suffix in ("64_", ""):
            try:
                cfg = getattr(lib, "scipy_openblas_get_config" + suffix)
                core = getattr(lib, "scipy_openblas_get_corename" + suffix)
            except AttributeError:
                continue
            cfg.restype = ctypes.c_char_p
            core.restype = ctypes.c_char_p
            out = {"library": os.path.basename(path), "config": cfg().decode(), "corename": core().decode()}
            try:
                nt = getattr(lib, "scipy_openblas_get_num_threads" + suffix)
                out["threads"] = nt()
            except AttributeError:
                pass
            break
    return out


def info():
    import scipy
    import scipy.linalg

    return {
        "python": sys.executable,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "numpy_openblas": openblas_info(os.path.dirname(np.__file__), "numpy.libs"),
        "scipy_openblas": openblas_info(os.path.dirname(scipy.__file__), "scipy.libs"),
        "env": {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS") or k in ("OMP_NUM_THREADS",)},
    }


class Bench:
    """Matrices for one (n, dtype), built like the TypeScript side's, and one timed call per request."""

    def __init__(self):
        import scipy.linalg

        self.sl = scipy.linalg
        self.data = None

    def setup(self, n, dtype, rhs):
        self.data = None  # free the previous size first
        dtype = np.dtype(dtype)
        rng = np.random.default_rng(1)
        a = rng.random((n, n), dtype=np.float64).astype(dtype)
        b = rng.random((n, n), dtype=np.float64).astype(dtype)
        c = np.empty((n, n), dtype=dtype)
        r = rng.random((n, n), dtype=np.float64)
        spd = (r + r.T + 2 * n * np.eye(n)).astype(dtype)
        del r
        rhs_m = rng.random((n, rhs), dtype=np.float64).astype(dtype)
        self.data = (a, b, c, spd, rhs_m, dtype)

    def run(self, op):
        sl = self.sl
        a, b, c, spd, rhs_m, dtype = self.data
        if op == "gemm":
            t = time.perf_counter()
            np.matmul(a, b, out=c)
            return time.perf_counter() - t
        t = time.perf_counter()
        x = sl.cho_solve(sl.cho_factor(spd), rhs_m)
        elapsed = time.perf_counter() - t
        assert x.dtype == dtype, (x.dtype, dtype)
        return elapsed


def serve():
    """One JSON request per line on stdin, one JSON reply per line on stdout."""
    bench = Bench()
    for line in sys.stdin:
        req = json.loads(line)
        cmd = req["cmd"]
        if cmd == "info":
            reply = {"info": info()}
        elif cmd == "setup":
            bench.setup(req["n"], req["dtype"], req.get("rhs", 60))
            reply = {"ok": True}
        elif cmd == "run":
            reply = {"time": bench.run(req["op"])}
        elif cmd == "quit":
            break
        else:
            reply = {"error": f"unknown command {cmd}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--info":
        print(json.dumps({"info": info()}))
        return
    serve()


if __name__ == "__main__":
    main()
