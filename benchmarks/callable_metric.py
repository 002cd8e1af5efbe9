"""kNN with the learned metric as a callable, against transform + Euclidean kNN.

``KNeighborsClassifier(metric=learner.get_metric())`` calls the metric once per pair of
points from Python; transforming the points by L and using the Euclidean metric finds the
same neighbours with compiled code. This script fits a metric on the digits training
split (75 %, seed 0), then times fit + predict of a 5-nearest-neighbour classifier both
ways on one BLAS thread (median of ``--repeats``, the two interleaved), checks that the
predictions agree, and prints the ratio::

    OPENBLAS_NUM_THREADS=1 python benchmarks/callable_metric.py
    OPENBLAS_NUM_THREADS=1 python benchmarks/callable_metric.py --repeats 5

The ratio is what ``mlearn.base.MahalanobisDistance`` quotes.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from threadpoolctl import threadpool_limits

from mlearn import Covariance


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def knn_with_callable(learner, X_train, y_train, X_test):
    knn = KNeighborsClassifier(n_neighbors=5, metric=learner.get_metric())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the slow-use warning itself
        return knn.fit(X_train, y_train).predict(X_test)


def knn_on_transform(learner, X_train, y_train, X_test):
    knn = KNeighborsClassifier(n_neighbors=5)
    return knn.fit(learner.transform(X_train), y_train).predict(learner.transform(X_test))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.25, random_state=0)
    learner = Covariance().fit(X_train)
    slow, fast = [], []
    with threadpool_limits(1):
        for _ in range(args.repeats):
            t_slow, predicted_slow = timed(
                lambda: knn_with_callable(learner, X_train, y_train, X_test)
            )
            t_fast, predicted_fast = timed(
                lambda: knn_on_transform(learner, X_train, y_train, X_test)
            )
            slow.append(t_slow)
            fast.append(t_fast)
    agree = float(np.mean(predicted_slow == predicted_fast))
    print(f"digits: {X_train.shape[0]} training points, {X_test.shape[0]} queries, d = 64, k = 5")
    print(f"callable metric:          median {np.median(slow):.3f} s  {np.round(slow, 3).tolist()}")
    print(f"transform + Euclidean:    median {np.median(fast):.4f} s  {np.round(fast, 4).tolist()}")
    print(f"ratio (callable / transform): {np.median(slow) / np.median(fast):.0f}")
    print(f"predictions agreeing: {agree:.4f}")


if __name__ == "__main__":
    main()
