"""The shared pair scatter Σ_p w_p (x_a − x_b)(x_a − x_b)ᵀ."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from mlearn._scatter import PairScatter


def _explicit(X, first, second, weights):
    diffs = X[first] - X[second]
    return np.einsum("p,pi,pj->ij", weights, diffs, diffs)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_scatter_equals_the_sum_of_weighted_outer_products(dtype):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 5)).astype(dtype)
    # Repeated pairs and both orientations of the same pair, with signed weights.
    first = np.concatenate([rng.integers(0, 30, 80), [3, 3, 7]])
    second = np.concatenate([rng.integers(0, 30, 80), [7, 7, 3]])
    scatter = PairScatter(X, first, second)
    for _ in range(2):  # the pattern is reused across evaluations
        weights = rng.normal(size=first.shape[0])
        expected = _explicit(X.astype(np.float64), first, second, weights)
        tol = 1e-10 if dtype == np.float64 else 1e-4
        assert_allclose(scatter(weights), expected, rtol=tol, atol=tol)
        assert scatter(weights).dtype == dtype
        L = scatter.laplacian(weights)
        assert_allclose(X.T @ (L @ X), expected, rtol=tol, atol=tol)
