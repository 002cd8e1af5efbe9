"""Where one BLAS thread beats the default: the products the solvers repeat, by feature count.

For d features and n rows, times (median of ``--repeats``) the three products that dominate
the iterative learners — the scatter XᵀX (n × d by d × n), the map X M (n × d by d × d) and a
d × d eigendecomposition — on one BLAS thread and on the default number, in the same process,
and prints the ratio (default / one thread; > 1 means one thread is faster). The policy in
``mlearn/_threads.py`` runs fits on one thread up to the d where the ratio falls below 1::

    python benchmarks/blas_threads.py
    python benchmarks/blas_threads.py --n-rows 5000 --features 32 64 128 256 512 1024
"""

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits


def _median_time(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _products(X, M):
    return {
        "XᵀX": lambda: X.T @ X,
        "X M": lambda: X @ M,
        "eigh(M)": lambda: np.linalg.eigh(M),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-rows", type=int, default=20_000)
    parser.add_argument("--features", type=int, nargs="+", default=[16, 64, 128, 256, 384, 512])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    default = max(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")
    print(f"n = {args.n_rows} rows; default BLAS threads: {default}; median of {args.repeats}")
    print(f"{'d':>5} {'product':>8} {'1 thread (ms)':>14} {'default (ms)':>13} {'ratio':>6}")
    rng = np.random.default_rng(0)
    for d in args.features:
        X = rng.normal(size=(args.n_rows, d))
        A = rng.normal(size=(d, d))
        for name, product in _products(X, A.T @ A).items():
            with threadpool_limits(limits=1, user_api="blas"):
                one = _median_time(product, args.repeats)
            many = _median_time(product, args.repeats)
            print(f"{d:>5} {name:>8} {1e3 * one:>14.2f} {1e3 * many:>13.2f} {many / one:>6.2f}")


if __name__ == "__main__":
    main()
