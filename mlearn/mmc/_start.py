"""MMC's starting metric M₀ from ``init``, with the meanings of :mod:`mlearn._init`.

MMC's solvers start from a metric, so the starts that :mod:`mlearn._init` defines
as components L₀ ('auto', 'pca', 'lda', an (n_components, n_features) array)
enter as M₀ = L₀ᵀL₀, and those defined as metrics ('identity', 'covariance',
'random', an (n_features, n_features) array) as they are. ``n_components``
truncates the learned M after the solve, not the iterates, so where 'auto'
resolves to the identity (n_samples ≤ n_components, or n_components =
n_features) the start is the full identity, the same as ``init='identity'``.
Both problems are convex: the start changes the path, not the optimum.
"""

import numpy as np

from .._init import (
    disparate_feature_scales,
    initial_components,
    initial_metric,
    resolve_components_init,
)

# The starts that :mod:`mlearn._init` defines as metrics; the other names are components.
METRIC_STARTS = frozenset({"identity", "covariance", "random"})


def starting_metric(init, n_features, *, points, y, n_components, inverse_covariance, seed):
    """The start M₀ ⪰ 0 (n_features × n_features, float64).

    Parameters
    ----------
    init : str or array-like
        See the module docstring.
    n_features : int
    points : callable
        Returns the training points (MMC: the distinct paired points) as an
        ndarray; called only for the starts that need them ('auto', 'pca', 'lda').
    y : ndarray of shape (n_points,) or None
        The points' labels encoded 0..n_classes − 1 (MMCSupervised); None for pairs.
    n_components : int or None
    inverse_covariance : callable
        Returns the inverse covariance of the training points ('covariance' only).
    seed : int, RandomState instance or None
    """
    if isinstance(init, str) and init in METRIC_STARTS:
        return initial_metric(
            init, n_features, inverse_covariance=inverse_covariance, random_state=seed
        )
    if not isinstance(init, str):
        return _metric_of_array(init, n_features, n_components)
    X = points()
    if init == "auto" and _auto_is_identity(X, y, n_components):
        scales = disparate_feature_scales(X.std(axis=0)) if X.shape[0] else None
        return np.eye(n_features) if scales is None else np.diag(1.0 / scales**2)
    L = initial_components(init, X, y, n_components=n_components, random_state=seed)
    L = np.asarray(L, dtype=np.float64)
    return L.T @ L


def _auto_is_identity(X, y, n_components):
    """Whether metric-learn's 'auto' rule picks the identity for these points."""
    n_classes = None if y is None else int(np.max(y)) + 1
    name = resolve_components_init("auto", n_components, X.shape[1], n_classes, X.shape[0])
    return name == "identity"


def _metric_of_array(init, n_features, n_components):
    """M₀ from an array: a (d, d) metric as given (PSD checked), or LᵀL for (k, d), k < d."""
    A = np.asarray(init, dtype=np.float64)
    if A.ndim == 2 and A.shape == (n_features, n_features):
        return initial_metric(A, n_features)
    if A.ndim == 2 and A.shape[1] == n_features and 0 < A.shape[0] < n_features:
        L = resolve_components_init(A, n_components, n_features)  # rows = n_components
        return L.T @ L
    raise ValueError(
        f"init must be a ({n_features}, {n_features}) metric or an (n_components, "
        f"{n_features}) linear map with fewer rows than {n_features} features, got "
        f"shape {A.shape}."
    )
