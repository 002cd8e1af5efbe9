"""Where a learner's points come from: an array, a ``preprocessor``'s identifiers, or a
dask array (the checks that keep a dask X on the cluster when the fit can use it there)."""

import sys

import numpy as np
from sklearn.utils.validation import validate_data

from .._blocks import paired_distances
from .._dask import (
    inverse_covariance_on_cluster,
    lazy_transform,
    row_block_bounds,
    rows_apart,
    rows_for_tuples,
)
from .._validation import (
    check_points,
    check_preprocessor,
    float_dtype,
    is_dask_array,
    points_from_identifiers,
)
from ..psd import inverse_covariance_components, metric_from_components


def _paired_distances(X, first, second, L):
    """Row norms ‖L(X[first] − X[second])‖ (:func:`mlearn._blocks.paired_distances`).

    For a dask array X (a dask ``preprocessor``), only the rows the pairs use are
    fetched from the cluster.
    """
    if is_dask_array(X):
        X, pairs = rows_for_tuples(X, np.column_stack([first, second]))
        X = X.astype(float_dtype(X), copy=False)
        first, second = pairs[:, 0], pairs[:, 1]
    return paired_distances(X, first, second, L)


def map_rows(estimator, transform, X, n_features_out):
    """``transform(X)`` for an array, or the lazy dask array of it for a dask array X.

    For the ``transform`` methods of fitted estimators: a dask X is embedded
    block by block on the workers through ``estimator.transform`` (see
    :func:`mlearn._dask.lazy_transform`); anything else is validated against
    the fit and handed to ``transform``.
    """
    if is_dask_array(X):
        return lazy_transform(estimator, X, n_features_out)
    X = validate_data(estimator, X, reset=False, dtype=[np.float64, np.float32])
    return transform(X)


def inverse_covariance(X, used=None):
    """A callable giving the inverse covariance of the rows ``used`` of X (all if None).

    Called only when a learner needs it (``init='covariance'``); for a dask X it
    is computed on a worker and only the d × d matrix comes back. float64.
    """
    if is_dask_array(X):
        return inverse_covariance_on_cluster(X, used)

    def compute():
        points = X if used is None else X[used]
        return metric_from_components(inverse_covariance_components(points)).astype(np.float64)

    return compute


def row_blocks_of(X):
    """Where X's row blocks start, and n: [0, n_samples] for an array in memory."""
    return row_block_bounds(X) if is_dask_array(X) else [0, X.shape[0]]


def rows_set_apart(X, rows):
    """(X without the rows marked in the boolean ``rows``, those rows in memory).

    For a dask X the rest stays on the cluster in X's row blocks, each block keeping its
    unmarked rows (:func:`mlearn._dask.rows_apart`), and only the marked rows are computed.
    """
    if is_dask_array(X):
        return rows_apart(X, rows)
    return X[~rows], X[rows]


def _rows_unless_fitted_on_dask(estimator, X, tuples, name):
    """(X, tuples) as they are, or, for a dask X and a learner that does not fit on one,
    only the rows the tuples use (fetched and checked) with the tuples re-indexed."""
    if not is_dask_array(X) or getattr(estimator, "_fits_on_dask", False):
        return X, tuples
    rows, tuples = rows_for_tuples(X, tuples)
    return check_points(rows, name=name), tuples


def points_of(estimator, X):
    """X's points: X itself, or, for a 1-D X and an estimator with a ``preprocessor``, its
    identifiers' rows (:func:`mlearn._validation.points_from_identifiers`)."""
    preprocessor = check_preprocessor(getattr(estimator, "preprocessor", None))
    return points_from_identifiers(X, preprocessor)


def _flat_dimensions(data):
    """Whether data is a regular 1-D or 2-D array: points X or labels y, not tuples."""
    try:
        return np.ndim(data) in (1, 2)
    except ValueError:  # ragged nested lists
        return False


def _twin_hint(estimator):
    """Where to go with points X and class labels y instead of tuples: the learner's
    ``…Supervised`` twin, looked up in the module that defines the learner."""
    name = type(estimator).__name__
    twin = f"{name}Supervised"
    if hasattr(sys.modules.get(type(estimator).__module__), twin):
        return f"To learn from points X and class labels y, use {twin}(...).fit(X, y)."
    return f"{name} learns from tuples, not from points X and class labels y."


def points_in_memory(X, why):
    """X itself, or a ValueError saying ``why`` the points must be in memory (dask X)."""
    if is_dask_array(X):
        raise ValueError(f"{why} needs the points in memory, not a dask array.")
    return X
