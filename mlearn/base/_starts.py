"""The initial L of a learner, for points in memory or on a cluster."""

import numpy as np

from .._init import (
    components_from_scatters,
    disparate_feature_scales,
    initial_components,
    resolve_components_init,
)
from .._validation import check_n_components, float_dtype, is_dask_array


def initial_components_of(X, y, init, *, n_components, random_state, statistics):
    """The initial L of :func:`mlearn._init.initial_components`, for X in memory or not.

    For a dask X the points never come to the driver: 'pca' and 'lda' take their
    axes from class sums and scatter matrices summed over the row blocks by
    ``statistics``, an evaluator with the 'sum' methods ``class_sums(n_classes)``
    and ``centred_scatters(mean, class_means)`` (see
    :func:`mlearn._init.components_from_scatters`); the other starts need no data.

    Parameters
    ----------
    X : ndarray or dask array of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Labels encoded 0..n_classes − 1.
    init, n_components, random_state
        As :func:`mlearn._init.initial_components` takes them.
    statistics : evaluator
        Used only for a dask X.
    """
    if not is_dask_array(X):
        return initial_components(init, X, y, n_components=n_components, random_state=random_state)
    n_classes = int(np.max(y)) + 1
    name = resolve_components_init(init, n_components, X.shape[1], n_classes, X.shape[0])
    k = check_n_components(n_components, X.shape[1])
    auto = isinstance(init, str) and init == "auto"
    scatter_start = isinstance(name, str) and name in ("pca", "lda")
    if auto or scatter_start:
        # One pass for the class sums and, when the start needs them, one for the scatters.
        counts, sums = statistics.class_sums(n_classes)
        scatters = statistics.centred_scatters
        if auto:
            scatters = _scatters_once(scatters, counts, sums)
            total, _ = scatters(*_grand_and_class_means(counts, sums))
            spreads = np.sqrt(np.maximum(np.diag(total), 0.0) / counts.sum())
            scales = disparate_feature_scales(spreads)
            if scales is not None and scatter_start:
                standardised = _standardised_scatters(scatters, scales)
                L = components_from_scatters(name, k, counts, sums / scales, standardised)
                return L / scales
            if scales is not None:
                return np.eye(k, X.shape[1]) / scales
        if scatter_start:
            return components_from_scatters(name, k, counts, sums, scatters)
    empty = np.empty((0, X.shape[1]), dtype=float_dtype(X))
    return initial_components(name, empty, n_components=n_components, random_state=random_state)


def _grand_and_class_means(counts, sums):
    """The mean of all points and of each class, from the class counts and sums."""
    return sums.sum(axis=0) / counts.sum(), sums / np.maximum(counts, 1)[:, None]


def _scatters_once(centred_scatters, counts, sums):
    """``centred_scatters`` computed once, about the points' own means (the only means the
    starts ask for), however often it is called."""
    cached = centred_scatters(*_grand_and_class_means(counts, sums))
    return lambda mean, class_means: cached


def _standardised_scatters(centred_scatters, scales):
    """``centred_scatters`` of the points divided by ``scales`` (means given in those units)."""

    def of(mean, class_means):
        total, within = centred_scatters(mean * scales, class_means * scales)
        outer = np.outer(scales, scales)
        return total / outer, within / outer

    return of
