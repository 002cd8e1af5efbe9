"""Kernel evaluation shared by the kernelised learners.

The parameters are named and interpreted as scikit-learn's ``KernelPCA`` names
them (``kernel``, ``gamma``, ``degree``, ``coef0``, ``kernel_params``), so a
kernel configured for one works unchanged for the other.
"""

from numbers import Integral, Real

from sklearn.metrics.pairwise import PAIRWISE_KERNEL_FUNCTIONS, pairwise_kernels
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
        "gamma": estimator.gamma,
        "degree": estimator.degree,
        "coef0": estimator.coef0,
        **(estimator.kernel_params or {}),
    }


def kernel_matrix(estimator, X, Y=None):
    """K[i, j] = k(X[i], Y[j]) under the estimator's kernel parameters."""
    return pairwise_kernels(X, Y, **kernel_arguments(estimator))
