"""How an estimator is measured: fit time and kNN accuracy in the learned space, per fold.

The protocol: each fold's train part fits the scaler (min-max by default) and the learner,
both parts are transformed, and a kNN classifier trained on the train part is scored on the
test part; accuracies are averaged over the folds and fit times are each fold's median over
the repeats, then the median over the folds.

This module is the one definition of the measurement for both libraries: ``run.py`` uses it
for mlearn and ``peer_worker.py`` imports it inside the peer interpreter (metric-learn on
scikit-learn 1.5.2). Keep it free of mlearn and of the other benchmark modules, and use only
numpy, threadpoolctl and scikit-learn API that 1.5 already has.
"""

import time
import warnings
from contextlib import nullcontext
from statistics import median
from typing import Any, NamedTuple

import numpy as np
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from threadpoolctl import threadpool_limits

SCALERS = {"none": None, "standard": StandardScaler, "minmax": MinMaxScaler}


class FitTiming(NamedTuple):
    """Result of `time_fit`.

    Attributes
    ----------
    median_s : float
        Median wall-clock fit time over the repeats, in seconds.
    times_s : list of float
        Every repeat's fit time, in seconds.
    estimator : estimator
        The estimator fitted by the last repeat.
    warnings : list of str
        Distinct warnings raised during the fits, as ``"Category: message"``.
    """

    median_s: float
    times_s: list
    estimator: Any
    warnings: list


def blas_threads(n_threads):
    """Return a context manager pinning BLAS to ``n_threads``, or a no-op when None."""
    if n_threads is None:
        return nullcontext()
    return threadpool_limits(limits=n_threads, user_api="blas")


def time_fit(make_estimator, X, y=None, repeats=1):
    """Fit fresh estimators ``repeats`` times and time each ``fit`` with ``perf_counter``.

    Building the estimator happens outside the timed region, so lazy imports in the factory
    are not counted; warnings from building and fitting are both recorded.

    Parameters
    ----------
    make_estimator : callable
        Called without arguments, returns a fresh unfitted estimator.
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or None
        Labels for supervised estimators; None calls ``fit(X)``.
    repeats : int, default=1

    Returns
    -------
    FitTiming
    """
    times, caught = [], {}
    fit_args = (X,) if y is None else (X, y)
    for _ in range(repeats):
        with warnings.catch_warnings(record=True) as records:
            warnings.simplefilter("always")
            estimator = make_estimator()
            start = time.perf_counter()
            estimator.fit(*fit_args)
            times.append(time.perf_counter() - start)
        for record in records:
            caught.setdefault(f"{record.category.__name__}: {record.message}", None)
    return FitTiming(median(times), times, estimator, list(caught))


def knn_accuracy(X_train, y_train, X_test, y_test, n_neighbors=5):
    """Return the test accuracy of a kNN classifier trained on the train part.

    Parameters
    ----------
    X_train, X_test : ndarray
        Samples, already mapped into the space being scored.
    y_train, y_test : ndarray
    n_neighbors : int, default=5

    Returns
    -------
    float
    """
    knn = KNeighborsClassifier(n_neighbors=n_neighbors).fit(X_train, y_train)
    return float(knn.score(X_test, y_test))


def measure_estimator(make_estimator, split, supervised, repeats=1, n_neighbors=5):
    """Time the fit on the train part, then score kNN on both parts transformed.

    Parameters
    ----------
    make_estimator : callable
        Called without arguments, returns a fresh unfitted transformer.
    split : tuple (X_train, X_test, y_train, y_test)
    supervised : bool
        Whether to fit with ``y_train``.
    repeats : int, default=1
    n_neighbors : int, default=5

    Returns
    -------
    timing : FitTiming
    accuracy : float
    """
    X_train, X_test, y_train, y_test = split
    timing = time_fit(make_estimator, X_train, y_train if supervised else None, repeats)
    estimator = timing.estimator
    if not hasattr(estimator, "transform"):
        # A learner of several local metrics (MultiMetricLMNN) has no embedding: the same kNN
        # classifier is scored on its distances to the training points.
        knn = KNeighborsClassifier(n_neighbors=n_neighbors, metric="precomputed")
        knn.fit(estimator.pairwise_distances(X_train), y_train)
        return timing, float(knn.score(estimator.pairwise_distances(X_test), y_test))
    accuracy = knn_accuracy(
        estimator.transform(X_train), y_train, estimator.transform(X_test), y_test, n_neighbors
    )
    return timing, accuracy


class CVMeasurement(NamedTuple):
    """Result of `measure_cv`: one learner (or the baseline) over every fold.

    Attributes
    ----------
    fit_time_s : float or None
        Median over folds of each fold's median fit time, in seconds (robust to the one-off
        costs of the first fit in a process); None for the baseline.
    fit_times_s : list of float
        Each fold's median fit time.
    accuracy : float
        Mean kNN test accuracy over the folds.
    accuracy_std : float
        Standard deviation of the fold accuracies.
    warnings : list of str
        Distinct warnings raised while building or fitting, over all folds.
    """

    fit_time_s: Any
    fit_times_s: list
    accuracy: float
    accuracy_std: float
    warnings: list


def scaled_folds(X, y, test_fold, scale="minmax"):
    """Yield ``(X_train, X_test, y_train, y_test)`` per fold, scaled with train statistics.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    test_fold : ndarray of shape (n_samples,)
        Fold index of each sample; fold f tests on ``test_fold == f`` and trains on the rest.
    scale : {"none", "standard", "minmax"}, default="minmax"
        Scaler fitted on each fold's train part only.
    """
    scaler_class = SCALERS[scale]
    for fold in np.unique(test_fold):
        test = test_fold == fold
        X_train, X_test = X[~test], X[test]
        if scaler_class is not None:
            scaler = scaler_class().fit(X_train)
            X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        yield X_train, X_test, y[~test], y[test]


def measure_cv(make_estimator, X, y, test_fold, *, scale, supervised, repeats, n_neighbors):
    """Fit and score a learner on every fold; ``make_estimator=None`` scores plain kNN.

    Parameters
    ----------
    make_estimator : callable or None
        Returns a fresh unfitted transformer; None measures the Euclidean baseline.
    X, y : ndarray
        The whole dataset, unscaled.
    test_fold : ndarray of shape (n_samples,)
        Fold index of each sample, see `scaled_folds`.
    scale : {"none", "standard", "minmax"}
    supervised : bool
    repeats : int
        Fits timed per fold; each fold's median is kept.
    n_neighbors : int

    Returns
    -------
    CVMeasurement
    """
    times, accuracies, caught = [], [], {}
    for split in scaled_folds(X, y, test_fold, scale):
        if make_estimator is None:
            X_train, X_test, y_train, y_test = split
            accuracies.append(knn_accuracy(X_train, y_train, X_test, y_test, n_neighbors))
            continue
        timing, accuracy = measure_estimator(
            make_estimator, split, supervised, repeats, n_neighbors
        )
        times.append(timing.median_s)
        accuracies.append(accuracy)
        caught.update(dict.fromkeys(timing.warnings))
    return CVMeasurement(
        float(np.median(times)) if times else None,
        times,
        float(np.mean(accuracies)),
        float(np.std(accuracies)),
        list(caught),
    )
