"""LMNN when the features outnumber what the points support: the subspace of ``init='auto'``.

On more than 256 features, ``LMNN()`` (``n_components=None``, ``init='auto'``) learns L = W P,
P the principal axes whose variance is at least 1 % of the largest
(:mod:`mlearn.lmnn._subspace`); before, it learned a full-rank map from the identity
(``LMNN(init='identity')`` here), slow at 784 dimensions and below the Euclidean metric on
few points. This script measures both beside the baselines, in the same run, each scored by
the 3-NN accuracy on held-out points with the fitted points as the reference:

- Euclidean kNN on the raw features, and kNN after PCA to 32 and 64 dimensions;
- scikit-learn's ``LinearDiscriminantAnalysis`` (n_classes − 1 axes);
- ``LMNN()`` at its defaults, and the same fit with the variance ratio set to each of
  ``--ratios`` (the sweep the ratio was chosen from);
- ``LMNN(n_components=64, init='pca')``: 64 rows started on the principal axes but free to
  leave them;
- with ``--full-rank``, ``LMNN(init='identity')`` (the former default's fit; minutes at
  784 dimensions).

Problems (``--problem``), each a stratified 70/30 split (``random_state=--seed``):

- ``mnist5k``: the 5,000 MNIST digits of :func:`mlearn.datasets.load_mnist_digits`
  (pixels / 255, 784 dimensions);
- ``mnist1000``: 1,000 of them (a seeded permutation's first, as in
  ``benchmarks/init_scaling.py``);
- ``fashion5k``: the first 5,000 Fashion-MNIST training images (pixels / 255, 784
  dimensions, :func:`mlearn.datasets.load_fashion_mnist`);
- ``noise400``: the check problem, not used to choose the rank:
  :func:`mlearn.datasets.make_informative_noise` with 2,000 points, 10 informative features
  (``class_sep=1``) among 390 noise features (``noise_scale=3``), 5 classes. Its principal
  axes are noise axes, the worst case for a PCA start.

Run on one core::

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 \\
        python benchmarks/lmnn_high_dim.py --problem mnist5k --full-rank
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def load(problem, seed):
    """(X_fit, X_test, y_fit, y_test) of one problem."""
    from sklearn.model_selection import train_test_split

    from mlearn.datasets import load_fashion_mnist, load_mnist_digits, make_informative_noise

    if problem.startswith("mnist"):
        X, y = load_mnist_digits()
        X = X / 255.0
        if problem == "mnist1000":
            rows = np.random.default_rng(0).permutation(X.shape[0])[:1000]
            X, y = X[rows], y[rows]
    elif problem == "fashion5k":
        X, y = load_fashion_mnist()
        X, y = X.reshape(X.shape[0], -1)[:5000] / 255.0, y[:5000]
    else:
        X, y = make_informative_noise(
            2000,
            n_informative=10,
            n_noise=390,
            n_classes=5,
            class_sep=1.0,
            noise_scale=3.0,
            random_state=seed,
        )
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)


def knn_accuracy(Z_fit, y_fit, Z_test, y_test, k=3):
    from sklearn.neighbors import KNeighborsClassifier

    return float(KNeighborsClassifier(k).fit(Z_fit, y_fit).score(Z_test, y_test))


def learners(args, n_classes):
    """(name, factory) of every learner run; a None factory is the Euclidean metric."""
    from sklearn.decomposition import PCA
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    from mlearn import LMNN

    rows = [("Euclidean", None)]
    rows += [(f"PCA({k})", lambda k=k: PCA(k, random_state=0)) for k in (32, 64)]
    rows += [(f"LDA ({n_classes - 1} axes)", LinearDiscriminantAnalysis)]
    rows += [("LMNN()", lambda: LMNN(random_state=0))]
    rows += [(f"LMNN() at ratio {r}", lambda r=r: _at_ratio(r)) for r in args.ratios]
    rows += [
        (
            "LMNN(n_components=64, init='pca')",
            lambda: LMNN(n_components=64, init="pca", random_state=0),
        ),
    ]
    if args.full_rank:
        rows += [("LMNN(init='identity')", lambda: LMNN(init="identity", random_state=0))]
    return rows


class _at_ratio:
    """``LMNN()`` fitted with the subspace's variance ratio set to ``ratio``."""

    def __init__(self, ratio):
        self.ratio = ratio

    def fit(self, X, y):
        from mlearn import LMNN
        from mlearn.lmnn import _subspace

        default, _subspace.MIN_VARIANCE_RATIO = _subspace.MIN_VARIANCE_RATIO, self.ratio
        try:
            self.model_ = LMNN(random_state=0).fit(X, y)
        finally:
            _subspace.MIN_VARIANCE_RATIO = default
        self.n_iter_, self.n_passes_ = self.model_.n_iter_, self.model_.n_passes_
        return self

    def transform(self, X):
        return self.model_.transform(X)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problem", choices=["mnist5k", "mnist1000", "fashion5k", "noise400"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ratios", type=float, nargs="*", default=[0.003, 0.001])
    parser.add_argument("--full-rank", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    X_fit, X_test, y_fit, y_test = load(args.problem, args.seed)
    print(
        f"# {args.problem} (seed {args.seed}): {X_fit.shape[0]} x {X_fit.shape[1]} fitted, "
        f"{X_test.shape[0]} held out; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    for name, make in learners(args, int(np.max(y_fit)) + 1):
        start, cpu = time.perf_counter(), time.process_time()
        if make is None:
            Z_fit, Z_test, details = X_fit, X_test, ""
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = make().fit(X_fit, y_fit)
            Z_fit, Z_test = model.transform(X_fit), model.transform(X_test)
            details = (
                f", {model.n_iter_} iterations, {model.n_passes_} passes"
                if hasattr(model, "n_passes_")
                else ""
            )
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        accuracy = knn_accuracy(Z_fit, y_fit, Z_test, y_test)
        print(
            f"{name:>36}: 3-NN {accuracy:.4f}, fit {wall:6.1f} s wall, {cpu:6.1f} s cpu, "
            f"{Z_fit.shape[1]} dimensions{details}",
            flush=True,
        )


if __name__ == "__main__":
    main()
