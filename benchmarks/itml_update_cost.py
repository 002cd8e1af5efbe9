"""Cost of one ITML Bregman update (ns), compiled against a numpy loop and metric-learn.

Runs a fixed number of sweeps (tol=0) over random pairs in d dimensions and divides the
time by the number of updates. The numpy loop is the same update written with one numpy
call per operation (the way metric-learn writes it); metric-learn itself runs in the peer
interpreter (``--peer-python``) on the same pairs. Also reports the first-call cost of the
compiled sweep in a fresh interpreter, with an empty numba cache (compile) and with the
on-disk cache filled (load).

    python benchmarks/itml_update_cost.py --d 64 --peer-python .peer-venv/bin/python
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent


def random_pairs(d, n_points=1000, n_pairs=4000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_points, d))
    pairs = rng.integers(0, n_points, size=(2 * n_pairs, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]][:n_pairs]
    signs = np.where(np.arange(n_pairs) % 2 == 0, 1.0, -1.0)
    squared = np.sum((X[pairs[:, 0]] - X[pairs[:, 1]]) ** 2, axis=1)
    bounds = np.percentile(squared, (5, 95))
    return X, pairs, signs, bounds


def numpy_sweep(M, X, pairs, signs, slack, dual, gamma):
    """One sweep of the update with numpy calls per constraint."""
    ratio = gamma / (gamma + 1)
    for c in range(pairs.shape[0]):
        v = X[pairs[c, 0]] - X[pairs[c, 1]]
        w = M @ v
        p = v @ w
        delta = signs[c]
        alpha = min(dual[c], delta * ratio * (1 / p - 1 / slack[c]))
        dual[c] -= alpha
        M += (delta * alpha / (1 - delta * alpha * p)) * np.outer(w, w)
        slack[c] = 1 / (1 / slack[c] + delta * alpha / gamma)


def time_compiled(X, pairs, signs, bounds, sweeps):
    from sklearn.exceptions import ConvergenceWarning

    from mlearn.itml._solver import _itml_solve

    eye = np.eye(X.shape[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _itml_solve(X, pairs, signs, eye, bounds, 1.0, max_iter=1, tol=0.0)  # load / compile
        start = time.perf_counter()
        _itml_solve(X, pairs, signs, eye, bounds, 1.0, max_iter=sweeps, tol=0.0, shrink=False)
    return (time.perf_counter() - start) / (sweeps * pairs.shape[0])


def time_numpy(X, pairs, signs, bounds, sweeps):
    M = np.eye(X.shape[1])
    slack = np.where(signs > 0, bounds[0], bounds[1])
    dual = np.zeros(pairs.shape[0])
    start = time.perf_counter()
    for _ in range(sweeps):
        numpy_sweep(M, X, pairs, signs, slack, dual, 1.0)
    return (time.perf_counter() - start) / (sweeps * pairs.shape[0])


PEER_SNIPPET = """
import json, sys, time, warnings
import numpy as np
from metric_learn import ITML
from threadpoolctl import threadpool_limits
data = np.load(sys.argv[1])
X, pairs, signs, bounds = data["X"], data["pairs"], data["signs"], data["bounds"]
sweeps = int(sys.argv[2])
with threadpool_limits(1, "blas"), warnings.catch_warnings():
    warnings.simplefilter("ignore")
    itml = ITML(max_iter=sweeps, tol=0.0)
    start = time.perf_counter()
    itml.fit(X[pairs], signs, bounds=bounds)
    elapsed = time.perf_counter() - start
print(json.dumps({"s_per_update": elapsed / (sweeps * len(signs))}))
"""


def time_peer(peer_python, X, pairs, signs, bounds, sweeps):
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "pairs.npz"
        np.savez(data, X=X, pairs=pairs, signs=signs.astype(int), bounds=bounds)
        out = subprocess.run(
            [peer_python, "-c", PEER_SNIPPET, str(data), str(sweeps)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
        )
    return json.loads(out.stdout.strip().splitlines()[-1])["s_per_update"]


FIRST_CALL = """
import time
import numpy as np
t0 = time.perf_counter()
import mlearn.itml._solver
t1 = time.perf_counter()
import mlearn.itml._bregman
t2 = time.perf_counter()
args = (np.eye(3), np.array([[0, 1]]), np.array([1.0]), np.eye(3), (1.0, 2.0), 1.0)
mlearn.itml._solver._itml_solve(*args, max_iter=1, tol=0.0)
t3 = time.perf_counter()
mlearn.itml._solver._itml_solve(*args, max_iter=1, tol=0.0)
t4 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3)
"""


def first_call_seconds(cache_dir):
    """(import mlearn.itml, import numba + kernels module, first solve, second solve) in s."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_CACHE_DIR": cache_dir}
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", FIRST_CALL],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return [float(t) for t in out.stdout.split()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--d", type=int, default=64, help="dimension (default 64)")
    parser.add_argument("--sweeps", type=int, default=20, help="compiled sweeps (default 20)")
    parser.add_argument("--peer-python", help="interpreter with metric-learn 0.7.0")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    X, pairs, signs, bounds = random_pairs(args.d)
    with threadpool_limits(1, "blas"):
        rows = {
            "mlearn (numba)": time_compiled(X, pairs, signs, bounds, args.sweeps),
            "numpy loop": time_numpy(X, pairs, signs, bounds, 3),
        }
    if args.peer_python:
        rows["metric-learn 0.7.0"] = time_peer(args.peer_python, X, pairs, signs, bounds, 3)
    compiled = rows["mlearn (numba)"]
    print(f"d={args.d}, {pairs.shape[0]} pairs, one BLAS thread")
    print("| implementation | ns per update | × mlearn |\n|---|---|---|")
    for name, seconds in rows.items():
        print(f"| {name} | {seconds * 1e9:,.0f} | {seconds / compiled:.1f} |")
    with tempfile.TemporaryDirectory() as cache:
        for label in ("empty numba cache (compiles)", "filled numba cache (loads)"):
            imp, numba_imp, first, second = first_call_seconds(cache)
            print(
                f"fresh interpreter, {label}: import mlearn.itml {imp:.2f} s, import numba and "
                f"the kernels {numba_imp:.2f} s, first solve {first:.2f} s, second {second:.4f} s"
            )


if __name__ == "__main__":
    main()
