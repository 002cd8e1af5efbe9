"""The full metric's solver (mlearn/mmc/_full.py): it reaches the optimum cvxpy finds."""

import cvxpy as cp
import pytest

from mlearn import MMC
from mlearn.psd import is_psd

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
