"""Determinism: the same ``random_state`` gives bit-identical results, and the
methods of a fitted estimator give identical results from several threads at once.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from ._estimators import (
    ALL_CLASSES,
    TUPLE_SIZES,
    class_id,
    fit_args,
    fit_quietly,
    fitted,
    labelled_points,
    make,
    point_method_names,
    supervision,
)

N_THREADS = 8


def _fitted_arrays(estimator):
    """The fitted attributes of an estimator that are arrays or numbers."""
    return {
        k: v
        for k, v in vars(estimator).items()
        if k.endswith("_") and isinstance(v, np.ndarray | np.generic | int | float)
    }


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=class_id)
def test_same_random_state_gives_bit_identical_fitted_attributes(cls):
    X, y = labelled_points(seed=3)
    runs = []
    for _ in range(2):
        estimator = make(cls)
        # Fresh copies: nothing may be cached between the fits through the data.
        args = [a.copy() for a in fit_args(estimator, X, y)]
        runs.append(_fitted_arrays(fit_quietly(estimator, *args)))
    first, second = runs
    assert first and first.keys() == second.keys()
    for name in first:
        a, b = np.asarray(first[name]), np.asarray(second[name])
        assert a.dtype == b.dtype and a.shape == b.shape, name
        assert a.tobytes() == b.tobytes(), f"{name} differs between two fits"


def _calls(estimator, X, y):
    calls = [(name, (X,)) for name in point_method_names(estimator)]
    if hasattr(estimator, "pair_distance"):
        calls.append(("pair_distance", (X[np.arange(40).reshape(20, 2)],)))
    if supervision(estimator) in TUPLE_SIZES:
        tuples = fit_args(estimator, X, y)[0]
        calls += [("predict", (tuples,)), ("decision_function", (tuples,))]
    return calls


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=class_id)
def test_methods_give_identical_results_from_concurrent_threads(cls):
    estimator = fitted(cls)
    # Each thread works on its own data, so that state shared between calls shows.
    work = [_calls(estimator, *labelled_points(seed=10 + t, n=300)) for t in range(N_THREADS)]
    expected = [[getattr(estimator, name)(*args) for name, args in calls] for calls in work]
    start = threading.Barrier(N_THREADS)

    def run_all(calls):
        start.wait()  # all threads enter the estimator at the same moment
        return [getattr(estimator, name)(*args) for _ in range(3) for name, args in calls]

    with ThreadPoolExecutor(N_THREADS) as pool:
        results = list(pool.map(run_all, work))
    for calls, want, got in zip(work, expected, results, strict=True):
        for i, out in enumerate(got):
            reference = want[i % len(calls)]
            assert out.dtype == reference.dtype
            assert out.tobytes() == reference.tobytes(), (
                f"{calls[i % len(calls)][0]} differs when called from several threads"
            )
