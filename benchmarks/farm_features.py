"""FARM's feature selection: kNN accuracy, fit time and the features kept.

On the four datasets bundled with scikit-learn and on a synthetic problem with 3 informative
and 50 noise features, each standardised on its train part (stratified 70/30 split,
``random_state=0``), this fits FARMSupervised (one row per ``--penalty``) and, when the
checkout exports them, LMNN and ITMLSupervised, and scores a kNN classifier (k=3) in the
learned space. Euclidean kNN on the standardised features is the baseline. "features kept"
counts the input features with a non-zero column in ``components_`` (for FARM: the non-zero
weights).

    python benchmarks/farm_features.py --threads 1 --repeats 3
"""

import argparse
import sys
from types import SimpleNamespace

import numpy as np
from datasets import SHIPPED_DATASETS, load_dataset
from measure import blas_threads, knn_accuracy, measure_estimator
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import mlearn

SYNTHETIC = "synthetic_3+50"
KNN_K = 3


def _standardized_split(X, y):
    """Stratified 70/30 split (random_state=0), standardised on the train part."""
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    return SimpleNamespace(
        X_train=scaler.transform(X_train),
        X_test=scaler.transform(X_test),
        y_train=y_train,
        y_test=y_test,
    )


def synthetic_problem(n_samples=600, n_informative=3, n_noise=50, seed=0):
    """Three classes that differ only in ``n_informative`` features; the rest is noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n_samples)
    centres = 2.0 * rng.normal(size=(3, n_informative))
    informative = centres[y] + rng.normal(size=(n_samples, n_informative))
    return np.column_stack([informative, rng.normal(size=(n_samples, n_noise))]), y


def learners(penalties):
    """(row name, factory) for FARM and for the comparison learners this checkout has."""
    rows = [
        (f"FARMSupervised({penalty})", lambda p=penalty: mlearn.FARMSupervised(penalty=p))
        for penalty in penalties
    ]
    if "LMNN" in mlearn.__all__:
        rows.append(("LMNN", lambda: mlearn.LMNN(n_neighbors=KNN_K, random_state=0)))
    if "ITMLSupervised" in mlearn.__all__:
        rows.append(("ITMLSupervised", lambda: mlearn.ITMLSupervised(random_state=0)))
    return rows


def features_kept(estimator):
    weights = getattr(estimator, "feature_weights_", None)
    if weights is not None:
        return int(np.count_nonzero(weights))
    return int(np.count_nonzero(np.any(estimator.components_ != 0, axis=0)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join([*SHIPPED_DATASETS, SYNTHETIC]))
    parser.add_argument("--penalty", default="fro,l1,nuclear", help="comma list of penalties")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--threads", type=int, help="pin BLAS threads (default: not pinned)")
    args = parser.parse_args(argv)
    print(
        "| dataset | n × d | method | fit time (s) | kNN accuracy (k=3) | features kept |\n"
        "|---|---|---|---|---|---|"
    )
    for name in args.datasets.split(","):
        X, y = synthetic_problem() if name == SYNTHETIC else load_dataset(name)
        split = _standardized_split(X, y)
        shape = f"{X.shape[0]} × {X.shape[1]}"
        with blas_threads(args.threads):
            baseline = knn_accuracy(split.X_train, split.y_train, split.X_test, split.y_test, KNN_K)
        print(f"| {name} | {shape} | euclidean | | {baseline:.3f} | {X.shape[1]} |", flush=True)
        for label, make in learners(args.penalty.split(",")):
            with blas_threads(args.threads):
                timing, accuracy = measure_estimator(
                    make,
                    (split.X_train, split.X_test, split.y_train, split.y_test),
                    supervised=True,
                    repeats=args.repeats,
                    n_neighbors=KNN_K,
                )
            notes = "; ".join(w.split(";")[0] for w in timing.warnings)
            print(
                f"| {name} | {shape} | {label} | {timing.median_s:.2f} | {accuracy:.3f} | "
                f"{features_kept(timing.estimator)} |" + (f" {notes}" if notes else ""),
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
