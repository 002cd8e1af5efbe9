"""The order effect of ITML.partial_fit: a stream of chunks against the batch fit of the same pairs.

Three classes separated in three features among six wide noise features
(``mlearn.datasets.make_informative_noise``; the class centres are drawn from the seed, so the
held-out set is drawn with the same seed, beyond the training points) and balanced
similar/dissimilar pairs. Two measurements:

1. One pass over the pairs in k chunks (k = 1, 2, 5, 10, 30; ``--orders`` random chunk orders,
   medians reported): the median |log| ratio of the streamed to the batch squared distances on
   the training pairs, the relative Frobenius distance ‖M_stream − M_batch‖ / ‖M_batch‖, and
   held-out 5-NN accuracy against the batch one and the Euclidean one.
2. The same pairs streamed again and again (in 2 chunks, reshuffled each pass), for several
   seeds of the data and the pairs: the relative Frobenius distance to the batch fit of the
   distinct pairs, and to the batch fit of everything streamed so far (repeats included),
   after 1, 2, 5 and 10 passes.

Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/itml_online_order.py [--orders 5]
        [--out benchmarks/results/itml_online_order.md]
"""

import argparse
import statistics
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import KNeighborsClassifier

from mlearn import ITML
from mlearn.constraints import similar_dissimilar_pairs
from mlearn.datasets import make_informative_noise

ROOT = Path(__file__).resolve().parents[1]


def noisy_classes(seed, n):
    """Three classes in 3 informative features among 6 noise features 4 times as wide."""
    return make_informative_noise(
        n, n_informative=3, n_noise=6, n_classes=3, class_sep=2.0, noise_scale=4.0,
        random_state=seed,
    )  # fmt: skip


def knn_accuracy(M, train, test):
    L = np.linalg.cholesky(M).T
    (X, y), (X_test, y_test) = train, test
    return KNeighborsClassifier(5).fit(X @ L.T, y).score(X_test @ L.T, y_test)


def one_pass(X, y, pairs, signs, test, orders, tol):
    diff = X[pairs[:, 0]] - X[pairs[:, 1]]

    def squared(M):
        return np.einsum("ij,jk,ik->i", diff, M, diff)

    batch = ITML(tol=tol, preprocessor=X).fit(pairs, signs)._metric
    rows, rng = [], np.random.default_rng(0)
    for k in (1, 2, 5, 10, 30):
        logs, frobenius, accuracy = [], [], []
        for _ in range(orders):
            online = ITML(tol=tol, preprocessor=X)
            for chunk in np.array_split(rng.permutation(len(pairs)), k):
                online.partial_fit(pairs[chunk], signs[chunk])
            M = online._metric
            logs.append(np.median(np.abs(np.log(squared(M) / squared(batch)))))
            frobenius.append(np.linalg.norm(M - batch) / np.linalg.norm(batch))
            accuracy.append(knn_accuracy(M, (X, y), test))
        rows.append((k, *(statistics.median(v) for v in (logs, frobenius, accuracy))))
    return rows, knn_accuracy(batch, (X, y), test)


def repeated_passes(X, pairs, signs, tol, n_chunks, seed):
    distinct = ITML(tol=tol, preprocessor=X).fit(pairs, signs)._metric
    online, seen, rows = ITML(tol=tol, preprocessor=X), [], []
    rng = np.random.default_rng(seed)
    for n_pass in range(1, 11):
        for chunk in np.array_split(rng.permutation(len(pairs)), n_chunks):
            online.partial_fit(pairs[chunk], signs[chunk])
            seen.append(chunk)
        if n_pass in (1, 2, 5, 10):
            every = np.concatenate(seen)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                streamed = ITML(tol=tol, max_iter=20000, preprocessor=X)
                streamed = streamed.fit(pairs[every], signs[every])._metric
            M = online._metric
            rows.append(
                (
                    n_chunks,
                    n_pass,
                    np.linalg.norm(M - distinct) / np.linalg.norm(distinct),
                    np.linalg.norm(M - streamed) / np.linalg.norm(streamed),
                )
            )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=5)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--n-pairs", type=int, default=200)
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/itml_online_order.md"))
    args = parser.parse_args()
    X_all, y_all = noisy_classes(seed=0, n=args.n + 600)
    X, y, test = X_all[: args.n], y_all[: args.n], (X_all[args.n :], y_all[args.n :])
    pairs, signs = similar_dissimilar_pairs(y, args.n_pairs, random_state=0)
    rows, batch_accuracy = one_pass(X, y, pairs, signs, test, args.orders, args.tol)
    euclidean = knn_accuracy(np.eye(X.shape[1]), (X, y), test)
    lines = [
        "# ITML.partial_fit: order effects against the batch fit",
        "",
        f"`OPENBLAS_NUM_THREADS=1 python benchmarks/itml_online_order.py --orders {args.orders} "
        f"--n {args.n} --n-pairs {args.n_pairs} --tol {args.tol:g} "
        f"--seeds {' '.join(map(str, args.seeds))}`",
        "",
        f"{args.n} points with {X.shape[1]} features (3 informative), {len(pairs)} pairs; "
        f"held-out 5-NN on 600 points: Euclidean {euclidean:.3f}, batch ITML "
        f"{batch_accuracy:.3f}.",
        "",
        f"One pass in k chunks (median of {args.orders} chunk orders):",
        "",
        "| chunks | median abs log ratio of pair d² | rel. Frobenius to batch | held-out 5-NN |",
        "|---|---|---|---|",
    ]
    lines += [f"| {k} | {a:.3f} | {b:.3f} | {c:.3f} |" for k, a, b, c in rows]
    lines += [
        "",
        "The same pairs streamed again and again, in 2 chunks reshuffled each pass, for several "
        "seeds of the data and the pairs "
        "(relative Frobenius distance):",
        "",
        "| seed | passes | to batch of the distinct pairs | to batch of everything streamed |",
        "|---|---|---|---|",
    ]
    for seed in args.seeds:
        X_s, y_s = noisy_classes(seed=seed, n=args.n)
        pairs_s, signs_s = similar_dissimilar_pairs(y_s, args.n_pairs, random_state=seed)
        repeated = repeated_passes(X_s, pairs_s, signs_s, args.tol, 2, seed)
        lines += [f"| {seed} | {p} | {a:.3f} | {b:.3f} |" for _, p, a, b in repeated]
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
