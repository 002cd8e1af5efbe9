"""OASIS speed: 10⁶ passive-aggressive steps at d = 64, compiled against a plain numpy loop.

Measured in one process, medians of ``--repeats`` runs:

1. Dense: 10,000 unit-norm points in d = 64 (Gaussian classes), 10⁶ random triplets from
   their labels. One pass of the compiled kernel over the 10⁶ triplets (the steps alone),
   and the whole ``OASIS(max_iter=1, tol=None).fit`` (validation, the kernel, and the two
   exact evaluations of the mean hinge that the best-iterate rule makes). The baseline is
   the same steps written as a plain Python loop over numpy operations (W u, then the
   rank-one update ``W += τ a uᵀ``), timed on the first 20,000 triplets and scaled to 10⁶;
   both give the same W on those 20,000 (checked).
2. Sparse (bag-of-words): 20,000 rows of word counts over 5,000 words (about 30
   non-zero per row, CSR), 200,000 triplets: the CSR kernel against the dense kernel on
   the same rows densified (the same W; the dense one does O(nnz(a) d) work per step).

Run from the repository root::

    OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/oasis_speed.py
    python benchmarks/oasis_speed.py --repeats 1 --n-triplets 200000   # a shorter run
"""

import argparse
import time
import warnings
from statistics import median

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import normalize

from mlearn import OASIS
from mlearn.constraints import random_triplets
from mlearn.oasis._kernels import dense_pass, margin_slack, sparse_pass

C = 0.1


def dense_points(n=10_000, d=64, n_classes=10, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    centres = rng.normal(size=(n_classes, d))
    return normalize(centres[y] + rng.normal(scale=1.5, size=(n, d))), y


def bag_of_words(n=20_000, d=5_000, n_classes=10, seed=0):
    """Poisson word counts, each class with its own 300 likely words; unit-norm rows."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    rows, cols = [], []
    for i in range(n):
        words = np.r_[rng.integers(0, d, 15), y[i] * 300 + rng.integers(0, 300, 15)]
        rows.append(np.full(words.shape[0], i))
        cols.append(words)
    X = sp.csr_matrix((np.ones(n * 30), (np.concatenate(rows), np.concatenate(cols))), shape=(n, d))
    X.sum_duplicates()
    return normalize(X), y


def numpy_loop(X, triplets, W, C):
    """The PA steps as a user would write them with numpy, one triplet at a time."""
    slack = margin_slack(X.dtype)
    for a, p, n in triplets:
        u = X[p] - X[n]
        hinge = 1.0 - X[a] @ (W @ u)
        if hinge > slack:
            norm = (X[a] @ X[a]) * (u @ u)
            if norm > 0:
                W += min(C, hinge / norm) * np.outer(X[a], u)
    return W


def timed(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return median(times), result


def kernel_pass(X, triplets):
    W = np.eye(X.shape[1])
    order = np.arange(triplets.shape[0])
    hinges = np.empty(triplets.shape[0])
    slack = margin_slack(X.dtype)
    if sp.issparse(X):
        sparse_pass(X.indptr, X.indices, X.data, X.shape[1], triplets, order, W, C, slack, hinges)
    else:
        dense_pass(X, triplets, order, W, C, slack, hinges)
    return W


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-triplets", type=int, default=1_000_000)
    parser.add_argument("--sparse-triplets", type=int, default=200_000)
    parser.add_argument("--baseline-triplets", type=int, default=20_000)
    parser.add_argument("--sparse-baseline-triplets", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = dense_points()
    triplets = random_triplets(y, args.n_triplets, random_state=0)
    kernel_pass(X, triplets[:10])  # compile (or load the cache) outside the timings
    m = args.n_triplets
    t_pass, _ = timed(lambda: kernel_pass(X, triplets), args.repeats)
    fit = lambda: OASIS(C=C, max_iter=1, tol=None, random_state=0, preprocessor=X).fit(triplets)  # noqa: E731
    t_fit, _ = timed(fit, args.repeats)
    head = triplets[: args.baseline_triplets]
    t_loop, W_loop = timed(lambda: numpy_loop(X, head, np.eye(64), C), args.repeats)
    agree = np.allclose(W_loop, kernel_pass(X, head), rtol=1e-10, atol=1e-12)
    per_step_loop = t_loop / head.shape[0]
    print(f"dense: {X.shape[0]} points, d = {X.shape[1]}, {m:,} triplets, C = {C}")
    print(f"  compiled pass          {t_pass:8.2f} s   ({1e9 * t_pass / m:7.0f} ns/step)")
    print(f"  OASIS.fit, 1 pass      {t_fit:8.2f} s   (validation + pass + 2 evaluations)")
    print(
        f"  numpy loop             {per_step_loop * m:8.2f} s   ({1e9 * per_step_loop:7.0f} "
        f"ns/step, timed on {head.shape[0]:,}, scaled)   same W: {agree}"
    )
    print(f"  speed-up of the compiled pass over the numpy loop: {per_step_loop * m / t_pass:.0f}x")
    S, y_words = bag_of_words()
    m = args.sparse_triplets
    word_triplets = random_triplets(y_words, m, random_state=0)
    kernel_pass(S, word_triplets[:10])
    t_sparse, W_sparse = timed(lambda: kernel_pass(S, word_triplets), args.repeats)
    dense_head = word_triplets[: args.sparse_baseline_triplets]
    S_dense = S.toarray()
    t_dense, W_dense = timed(lambda: kernel_pass(S_dense, dense_head), args.repeats)
    agree = np.allclose(kernel_pass(S, dense_head), W_dense, rtol=1e-10, atol=1e-12)
    per_step_dense = t_dense / dense_head.shape[0]
    print(
        f"sparse: {S.shape[0]} rows, d = {S.shape[1]}, {S.nnz / S.shape[0]:.1f} non-zero per row, "
        f"{m:,} triplets"
    )
    print(f"  CSR pass               {t_sparse:8.2f} s   ({1e9 * t_sparse / m:7.0f} ns/step)")
    print(
        f"  dense pass, densified  {per_step_dense * m:8.2f} s   ({1e9 * per_step_dense:7.0f} "
        f"ns/step, timed on {dense_head.shape[0]:,}, scaled)   same W: {agree}"
    )
    print(f"  speed-up of CSR over densified: {per_step_dense * m / t_sparse:.0f}x")


if __name__ == "__main__":
    main()
