"""MultiMetricLMNN against LMNN and Euclidean kNN, measured in the same run.

Cases (``--case``):

- ``regional``: :func:`mlearn.datasets.make_regional_directions` (600 points, its defaults:
  three regions, two classes, 6 features), a stratified 50/50 split per seed, seeds
  ``--seeds`` (0..4): data on which one global metric cannot do well;
- ``small``: iris, wine, breast cancer and digits, stratified 5-fold (shuffled,
  ``random_state=0``), min-max scaled per fold (as ``benchmarks/lmnn_scale.py --case small``);
- ``mnist``: the 5,000 MNIST digits of :func:`mlearn.datasets.load_mnist_digits` (pixels / 255,
  PCA to 50 dimensions fitted on the training part), a stratified 70/30 split per seed: a check
  on data not used to choose the defaults.

Learners: Euclidean kNN, ``LMNN(random_state=0)``, and ``MultiMetricLMNN(random_state=0)`` at
its defaults and with ``n_metrics`` in ``--n-metrics`` (k-means clusters) and
``clustering='classes'``. Every one is scored by the accuracy of its 3-NN classifier on the
held-out points (LMNN through ``KNeighborsClassifier(3)`` on its embedding, MultiMetricLMNN by
its own ``score``). Each row: the mean and standard deviation of the accuracy over the splits,
the mean and standard deviation of the paired difference to LMNN on the same splits, and the
median fit CPU time. Run on one core::

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/multimetric_lmnn.py --case regional
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/multimetric_lmnn.py --case small
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/multimetric_lmnn.py --case mnist
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import MinMaxScaler

from mlearn import LMNN, MultiMetricLMNN
from mlearn.datasets import load_dataset, load_mnist_digits, make_regional_directions


def _splits(case, seeds):
    """(name, X_train, X_test, y_train, y_test) for every split of the case."""
    if case == "regional":
        for seed in seeds:
            X, y = make_regional_directions(600, random_state=seed)
            parts = train_test_split(X, y, test_size=0.5, random_state=seed, stratify=y)
            yield "regional", *parts
    elif case == "small":
        for name in ("iris", "wine", "breast_cancer", "digits"):
            X, y = load_dataset(name)
            folds = StratifiedKFold(5, shuffle=True, random_state=0)
            for train, test in folds.split(X, y):
                scaler = MinMaxScaler().fit(X[train])
                yield name, scaler.transform(X[train]), scaler.transform(X[test]), y[train], y[test]
    else:
        X, y = load_mnist_digits()
        for seed in seeds:
            parts = train_test_split(X / 255.0, y, test_size=0.3, random_state=seed, stratify=y)
            pca = PCA(50, random_state=0).fit(parts[0])
            yield "mnist-pca50", pca.transform(parts[0]), pca.transform(parts[1]), *parts[2:]


def _learners(n_metrics):
    learners = {"Euclidean": None, "LMNN": LMNN(random_state=0)}
    learners["MultiMetricLMNN()"] = MultiMetricLMNN(random_state=0)
    for c in n_metrics:
        learners[f"MultiMetricLMNN(n_metrics={c})"] = MultiMetricLMNN(n_metrics=c, random_state=0)
    learners["MultiMetricLMNN(clustering='classes')"] = MultiMetricLMNN(
        clustering="classes", random_state=0
    )
    return learners


def _score(learner, X_train, X_test, y_train, y_test):
    """(3-NN accuracy on the held-out points, fit CPU seconds)."""
    if learner is None:
        return KNeighborsClassifier(3).fit(X_train, y_train).score(X_test, y_test), 0.0
    start = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        learner.fit(X_train, y_train)
    seconds = time.process_time() - start
    if isinstance(learner, MultiMetricLMNN):
        return learner.score(X_test, y_test), seconds
    knn = KNeighborsClassifier(3).fit(learner.transform(X_train), y_train)
    return knn.score(learner.transform(X_test), y_test), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=["regional", "small", "mnist"], default="regional")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--n-metrics", type=int, nargs="+", default=[2, 3, 4])
    args = parser.parse_args()
    learners = _learners(args.n_metrics)
    results = {}  # (data, learner) -> list of (accuracy, seconds)
    for data, *split in _splits(args.case, args.seeds):
        for name, learner in learners.items():
            results.setdefault((data, name), []).append(_score(learner, *split))
    print("| data | learner | 3-NN accuracy | − LMNN (paired) | fit CPU s (median) |")
    print("|---|---|---|---|---|")
    for (data, name), rows in results.items():
        accuracy, seconds = np.array(rows).T
        delta = accuracy - np.array(results[(data, "LMNN")])[:, 0]
        print(
            f"| {data} | {name} | {accuracy.mean():.3f} ± {accuracy.std():.3f} "
            f"| {delta.mean():+.3f} ± {delta.std():.3f} | {np.median(seconds):.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
