"""Kernel evaluation shared by the kernelised learners.

The parameters are named and interpreted as scikit-learn's ``KernelPCA`` names
them (``kernel``, ``gamma``, ``degree``, ``coef0``, ``kernel_params``), so a
kernel configured for one works unchanged for the other.

``gamma=None`` is chosen from the data by the median heuristic for the kernels of a
distance, ``exp(-γ ‖x − x'‖²)`` ('rbf') and ``exp(-γ ‖x − x'‖₁)`` ('laplacian'):
γ = 1 / median of ‖x − x'‖² (resp. ‖x − x'‖₁) over the training pairs. The kernel then
does not depend on the data's units (scaling X by c leaves it unchanged), where
scikit-learn's 1 / n_features default ties it to them: on raw wine, whose features span
four orders of magnitude, that default makes every kernel value ≈ 0 off the diagonal and
KernelLMNN's kNN falls below Euclidean's (0.47 against 0.70). The other kernels keep
scikit-learn's default.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.metrics.pairwise import PAIRWISE_KERNEL_FUNCTIONS, pairwise_distances, pairwise_kernels
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

KERNELS = sorted(set(PAIRWISE_KERNEL_FUNCTIONS) - {"precomputed"})

KERNEL_PARAMETER_CONSTRAINTS = {
    "kernel": [StrOptions(set(KERNELS)), callable],
    "gamma": [Interval(Real, 0, None, closed="neither"), None],
    "degree": [Interval(Integral, 0, None, closed="left")],
    "coef0": [Interval(Real, None, None, closed="neither")],
    "kernel_params": [dict, None],
}


def kernel_arguments(estimator):
    """Keyword arguments of ``pairwise_kernels`` for an estimator's kernel parameters.

    ``gamma``, ``degree`` and ``coef0`` are passed only to the kernels that take
    them (``filter_params``); ``kernel_params`` goes to a callable kernel.
    """
    if callable(estimator.kernel):
        return {"metric": estimator.kernel, **(estimator.kernel_params or {})}
    return {
        "metric": estimator.kernel,
        "filter_params": True,
        "gamma": getattr(estimator, "gamma_", estimator.gamma),
        "degree": estimator.degree,
        "coef0": estimator.coef0,
        **(estimator.kernel_params or {}),
    }


def kernel_matrix(estimator, X, Y=None):
    """K[i, j] = k(X[i], Y[j]) under the estimator's kernel parameters."""
    return pairwise_kernels(X, Y, **kernel_arguments(estimator))


# The median is taken over the pairs of at most this many training points: its error is
# O(1/sqrt(pairs)), far below what moves a kNN accuracy, at a fixed cost.
MEDIAN_HEURISTIC_POINTS = 1000
_DISTANCE_OF_KERNEL = {"rbf": ("sqeuclidean", 2), "laplacian": ("manhattan", 1)}


def median_heuristic_gamma(X, kernel="rbf", *, random_state=0):
    """γ = 1 / median of the kernel's distance over the pairs of distinct training points.

    The distance is ‖x − x'‖² for 'rbf' and ‖x − x'‖₁ for 'laplacian', over a seeded
    subsample of at most ``MEDIAN_HEURISTIC_POINTS`` points. Pairs of identical points are
    left out; when every pair is identical, γ = 1.
    """
    metric, _ = _DISTANCE_OF_KERNEL[kernel]
    X = np.asarray(X)
    if X.shape[0] > MEDIAN_HEURISTIC_POINTS:
        rows = check_random_state(random_state).choice(
            X.shape[0], MEDIAN_HEURISTIC_POINTS, replace=False
        )
        X = X[np.sort(rows)]
    D = pairwise_distances(X, metric=metric)
    distances = D[np.triu_indices_from(D, k=1)]
    distances = distances[distances > 0]
    return 1.0 / float(np.median(distances)) if distances.size else 1.0


def fitted_gamma(estimator, X):
    """The γ a fit uses: the estimator's own, else the median heuristic where it applies."""
    if estimator.gamma is not None or estimator.kernel not in _DISTANCE_OF_KERNEL:
        return estimator.gamma
    return median_heuristic_gamma(X, estimator.kernel)
