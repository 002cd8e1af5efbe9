import warnings

import cvxpy as cp
import numpy as np
import pytest
from sklearn.covariance import graphical_lasso as sklearn_graphical_lasso
from sklearn.exceptions import ConvergenceWarning

from mlearn.sdml._glasso import dual_gap, graphical_lasso
from mlearn.sdml._solver import sdml_objective


def _covariance(seed, d=12, n=40):
    """A sample covariance with correlated features (well conditioned: n > d)."""
    rng = np.random.default_rng(seed)
    mixing = np.eye(d) + 0.4 * rng.normal(size=(d, d))
    X = rng.normal(size=(n, d)) @ mixing
    return np.cov(X, rowvar=False)


def _cvxpy_optimum(P, alpha):
    d = P.shape[0]
    M = cp.Variable((d, d), PSD=True)
    off_diagonal = cp.sum(cp.multiply(1 - np.eye(d), cp.abs(M)))
    problem = cp.Problem(cp.Minimize(cp.trace(M @ P) - cp.log_det(M) + alpha * off_diagonal))
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10)
    return problem.value


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("alpha", [0.01, 0.1, 0.4])
def test_optimum_matches_cvxpy_and_is_never_worse_than_scikit_learns(seed, alpha):
    P = _covariance(seed)
    ours, n_iter = graphical_lasso(P, alpha, tol=1e-6, max_iter=200)
    assert abs(dual_gap(P, ours, alpha)) < 1e-6
    assert 1 <= n_iter < 200
    f_ours = sdml_objective(ours, P, alpha)
    reference = _cvxpy_optimum(P, alpha)
    assert abs(f_ours - reference) <= 1e-4 * abs(reference)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        _, theirs = sklearn_graphical_lasso(P, alpha, tol=1e-6, max_iter=200)
    f_theirs = sdml_objective(theirs, P, alpha)
    assert f_ours <= f_theirs + 1e-8 * abs(f_theirs)
    if not caught:  # where scikit-learn's converges too, the two optima agree
        assert abs(f_ours - f_theirs) <= 1e-6 * abs(f_theirs)


def test_default_tolerance_agrees_with_scikit_learn_and_zeroes_the_same_entries():
    P = _covariance(3, d=8)
    ours, _ = graphical_lasso(P, 0.2, tol=1e-4, max_iter=100)
    _, theirs = sklearn_graphical_lasso(P, 0.2, tol=1e-4, max_iter=100)
    f_ours, f_theirs = sdml_objective(ours, P, 0.2), sdml_objective(theirs, P, 0.2)
    assert abs(f_ours - f_theirs) <= 1e-4 * abs(f_theirs)
    assert np.array_equal(ours == 0, theirs == 0)


def test_large_penalty_gives_the_diagonal_closed_form():
    # For λ above every |P_ij| (i ≠ j) the optimum is diagonal: M_ii = 1 / P_ii.
    P = _covariance(4)
    alpha = 1.01 * np.max(np.abs(P - np.diag(np.diag(P))))
    M, _ = graphical_lasso(P, alpha, tol=1e-10, max_iter=50)
    np.testing.assert_allclose(M, np.diag(1 / np.diag(P)), atol=1e-10)


def test_warns_at_max_iter_and_raises_on_a_singular_problem():
    P = _covariance(5)
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        graphical_lasso(P, 0.01, tol=1e-14, max_iter=1)
    singular = np.ones((3, 3))  # rank one: W₁₁ singular, the precision infinite
    with warnings.catch_warnings(), pytest.raises(FloatingPointError):
        warnings.simplefilter("ignore")
        graphical_lasso(singular, 1e-3, tol=1e-6, max_iter=20)
