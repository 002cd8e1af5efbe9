"""LMNN's n_passes='auto' rule on the Dask benchmark's problem, in memory, against LDA.

The problem is ``dask_scale.py``'s (50 features in 20 classes: 10 informative, 40 noise of
standard deviation 2), generated block by block exactly as the workers generate it, at
``--sizes`` training points; the held-out reference and query points come from blocks the
training part never uses, as in ``dask_scale.py``. For each size: Euclidean 3-NN, LDA (all
n_classes − 1 axes), the informative features alone (what an ideal metric could reach), and
LMNN at its defaults, at ``n_passes=1`` and at ``n_passes=5``, with the passes each ran
(``n_passes_``), the iterations, CPU seconds and the map's singular values (the 40 noise
directions of a good metric are near 0).

Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/lmnn_passes_check.py [--sizes 20000 100000]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dask_scale import N_FEATURES, N_INFORMATIVE, knn_accuracy, make_block  # noqa: E402

CHUNK_ROWS, NOISE = 2000, 2.0
# The held-out blocks start where the 10⁶-point Dask run's training blocks end.
HELD_OUT_FIRST_BLOCK = 10**6 // CHUNK_ROWS
VARIANTS = [("LMNN()", {}), ("n_passes=1", {"n_passes": 1}), ("n_passes=5", {"n_passes": 5})]


def blocks(first, count):
    data = np.vstack([make_block(CHUNK_ROWS, NOISE, first + i) for i in range(count)])
    return data[:, :N_FEATURES], data[:, N_FEATURES].astype(np.intp)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20000, 100000])
    args = parser.parse_args(argv)

    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    from mlearn import LMNN

    X_held, y_held = blocks(HELD_OUT_FIRST_BLOCK, 13)
    reference = X_held[:20000], y_held[:20000]
    queries = X_held[20000:25000], y_held[20000:25000]
    print(
        "| n | fit | passes run | iterations | CPU s | 3-NN "
        "| singular values: largest 10, then the 40 after |"
    )
    print("|---|---|---|---|---|---|---|")
    for n in args.sizes:
        X, y = blocks(0, n // CHUNK_ROWS)
        print(f"| {n} | Euclidean | | | | {knn_accuracy(lambda A: A, reference, queries):.4f} | |")
        print(
            f"| {n} | informative features only | | | | "
            f"{knn_accuracy(lambda A: A[:, :N_INFORMATIVE], reference, queries):.4f} | |"
        )
        start = time.process_time()
        lda = LinearDiscriminantAnalysis().fit(X, y)
        seconds = time.process_time() - start
        accuracy = knn_accuracy(lda.transform, reference, queries)
        print(f"| {n} | LDA | | | {seconds:.1f} | {accuracy:.4f} | |")
        for label, params in VARIANTS:
            start = time.process_time()
            model = LMNN(random_state=0, **params).fit(X, y)
            seconds = time.process_time() - start
            values = np.linalg.svd(model.components_, compute_uv=False)
            print(
                f"| {n} | {label} | {model.n_passes_} | {model.n_iter_} | {seconds:.1f} | "
                f"{knn_accuracy(model.transform, reference, queries):.4f} | "
                f"{np.array2string(values[:10], precision=2)} / "
                f"{values[10:].min():.3f}–{values[10:].max():.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
