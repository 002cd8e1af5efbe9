"""The full metric's solver (mlearn/mmc/_full.py): it reaches the optimum cvxpy finds."""

import cvxpy as cp
import numpy as np
import pytest

from mlearn import MMC
from mlearn.mmc._evaluator import PairSums
from mlearn.mmc._full import _initial_point
from mlearn.psd import is_psd, whitening_components

from ._helpers import differences, f_and_g, random_pairs


def _cvxpy_full_optimum(X, pairs, y):
    S, D = differences(X, pairs, y, 1), differences(X, pairs, y, -1)
    M = cp.Variable((X.shape[1], X.shape[1]), PSD=True)
    g = cp.sum(cp.hstack([cp.sqrt(d @ M @ d) for d in D]))
    problem = cp.Problem(cp.Maximize(g), [cp.trace(S.T @ S @ M) <= 1])
    problem.solve(solver=cp.CLARABEL)
    return problem.value


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_full_objective_matches_cvxpy_optimum(seed):
    X, pairs, y = random_pairs(seed)
    mmc = MMC(preprocessor=X, tol=1e-7, max_iter=5000).fit(pairs, y)
    M = mmc.get_mahalanobis_matrix()
    f, g = f_and_g(X, pairs, y, M)
    # The learned metric is already scaled onto the constraint f(M) = 1.
    assert f == pytest.approx(1.0, rel=1e-8)
    optimum = _cvxpy_full_optimum(X, pairs, y)
    assert g == pytest.approx(optimum, rel=1e-3)
    assert is_psd(M)
    # tol certifies the relative gap: a loose tol still lands within it of the optimum.
    loose = MMC(preprocessor=X, tol=1e-3).fit(pairs, y).get_mahalanobis_matrix()
    assert f_and_g(X, pairs, y, loose)[1] >= optimum * (1 - 1e-3 - 1e-7)


def test_a_start_blind_to_the_similar_span_restarts_from_the_centre():
    # A low-rank start ('lda', 'pca', a map) orthogonal to the similar pairs' span leaves
    # only rounding in N₀, whose trace can be negative: dividing by it used to overflow.
    X, pairs, y = random_pairs(5)
    sums = PairSums(X, pairs[y == 1], pairs[y == -1])
    B = whitening_components(sums.scatter("similar")).T
    sums.project(B)
    rounding = -1e-20 * np.eye(X.shape[1])  # N₀ = B⁺ M₀ B⁺ᵀ of negative trace
    N0, G0 = _initial_point(sums, B, rounding)
    np.testing.assert_allclose(N0, np.eye(B.shape[1]) / B.shape[1])
    assert np.all(np.isfinite(G0))
