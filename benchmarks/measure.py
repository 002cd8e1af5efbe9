"""How an estimator is measured: fit time and kNN accuracy in the learned space.

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

from sklearn.neighbors import KNeighborsClassifier
from threadpoolctl import threadpool_limits


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
    accuracy = knn_accuracy(
        estimator.transform(X_train), y_train, estimator.transform(X_test), y_test, n_neighbors
    )
    return timing, accuracy
