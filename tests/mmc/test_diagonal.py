"""The diagonal metric's solver and objective (mlearn/mmc/_diagonal.py)."""

import cvxpy as cp
import numpy as np
import pytest

from mlearn import MMC
from mlearn.mmc._diagonal import diagonal_objective

from ._helpers import differences, random_pairs


def _diagonal_terms(X, pairs, y):
    s = np.sum(differences(X, pairs, y, 1) ** 2, axis=0)
    return s, differences(X, pairs, y, -1) ** 2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_diagonal_objective_matches_cvxpy_optimum(seed):
    X, pairs, y = random_pairs(seed)
    mmc = MMC(diagonal=True, preprocessor=X, tol=1e-10).fit(pairs, y)
    M = mmc.get_mahalanobis_matrix()
    np.testing.assert_allclose(M, np.diag(np.diag(M)), atol=1e-14)
    s, Q = _diagonal_terms(X, pairs, y)
    w = cp.Variable(X.shape[1], nonneg=True)
    problem = cp.Problem(cp.Minimize(s @ w - cp.log(cp.sum(cp.sqrt(Q @ w)))))
    problem.solve(solver=cp.CLARABEL)
    ours = diagonal_objective(s, Q, np.diag(M))[0]
    assert ours == pytest.approx(problem.value, rel=1e-3, abs=1e-6)
    assert ours <= problem.value + 1e-6
    # Stationarity in the scale of w: Σ_S ‖d‖²_w = ½ at the optimum.
    assert s @ np.diag(M) == pytest.approx(0.5, rel=1e-4)


def test_diagonal_optimum_is_far_below_metric_learn_style_start():
    # The Newton iterations move well away from the (rescaled) identity start.
    X, pairs, y = random_pairs(3, d=5)
    s, Q = _diagonal_terms(X, pairs, y)
    w = np.diag(MMC(diagonal=True, preprocessor=X).fit(pairs, y).get_mahalanobis_matrix())
    start = np.full_like(s, 0.5 / s.sum())
    assert diagonal_objective(s, Q, w)[0] < diagonal_objective(s, Q, start)[0] - 1e-3


def test_diagonal_gradient_and_hessian_match_finite_differences():
    X, pairs, y = random_pairs(5, d=5)
    s, Q = _diagonal_terms(X, pairs, y)
    w = np.random.default_rng(1).uniform(0.2, 1.0, size=5)
    _, grad, hess = diagonal_objective(s, Q, w)
    eps = 1e-6
    for i in range(5):
        e = np.zeros(5)
        e[i] = eps
        fp, gp, _ = diagonal_objective(s, Q, w + e)
        fm, gm, _ = diagonal_objective(s, Q, w - e)
        assert grad[i] == pytest.approx((fp - fm) / (2 * eps), rel=1e-6, abs=1e-9)
        np.testing.assert_allclose(hess[:, i], (gp - gm) / (2 * eps), rtol=1e-5, atol=1e-8)
