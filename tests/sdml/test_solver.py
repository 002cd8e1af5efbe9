import warnings

import cvxpy as cp
import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

from mlearn.constraints import similar_dissimilar_pairs
from mlearn.sdml._evaluator import PairDifferenceScatter
from mlearn.sdml._solver import (
    balance_of,
    definite_or_shifted,
    largest_definite_balance,
    sdml_objective,
    solve_sdml,
)


def _signed_scatter(seed=0, n=40, d=4):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 2.0, d)
    X[:, 0] += 2.0 * y
    pairs, signs = similar_dissimilar_pairs(y, 60, random_state=0)
    return PairDifferenceScatter(X, pairs).scatter(signs.astype(float)), X, pairs, signs


def _cvxpy_sdml(P, sparsity):
    d = P.shape[0]
    M = cp.Variable((d, d), PSD=True)
    off_diagonal = cp.sum(cp.multiply(1 - np.eye(d), cp.abs(M)))
    objective = cp.trace(M @ P) - cp.log_det(M) + sparsity * off_diagonal
    problem = cp.Problem(cp.Minimize(objective))
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10)
    return problem.value


def test_signed_scatter_is_the_sum_of_signed_outer_products():
    S, X, pairs, signs = _signed_scatter()
    diff = X[pairs[:, 0]] - X[pairs[:, 1]]
    assert_allclose(S, (diff * signs[:, None]).T @ diff, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("sparsity", [0.0, 0.05, 0.3])
@pytest.mark.parametrize("prior_scale", [1.0, 2.5])
def test_objective_matches_cvxpy_optimum(sparsity, prior_scale):
    S, *_ = _signed_scatter(seed=1)
    M0 = prior_scale * np.eye(4) + 0.3 * np.ones((4, 4))
    eta = balance_of("auto", S, M0)
    P = np.linalg.inv(M0) + eta * S
    M, _ = solve_sdml(P, sparsity, tol=1e-7, max_iter=500, verbose=0)
    ours = sdml_objective(M, P, sparsity)
    reference = _cvxpy_sdml(P, sparsity)
    assert abs(ours - reference) <= 1e-4 * abs(reference)
    assert ours >= reference - 1e-6 * abs(reference)  # cvxpy's is the optimum


def test_auto_balance_keeps_p_definite_at_a_fraction_of_the_largest():
    S, *_ = _signed_scatter(seed=2)
    M0 = np.diag([1.0, 2.0, 0.5, 1.5])
    eta_max = largest_definite_balance(S, M0)
    edge = np.linalg.eigvalsh(np.linalg.inv(M0) + eta_max * S)
    assert abs(edge[0]) < 1e-9 * edge[-1]  # η_max is where P stops being definite
    eta = balance_of("auto", S, M0)
    assert 0 < eta < eta_max
    assert np.linalg.eigvalsh(np.linalg.inv(M0) + eta * S)[0] > 0
    assert balance_of(0.25, S, M0) == 0.25


def test_an_indefinite_p_is_shifted_with_a_warning():
    S, *_ = _signed_scatter(seed=3)
    P = np.eye(4) + 10 * largest_definite_balance(S, np.eye(4)) * S
    assert np.linalg.eigvalsh(P)[0] < 0
    with pytest.warns(ConvergenceWarning, match="not positive definite"):
        shifted, was_shifted = definite_or_shifted(P)
    assert was_shifted
    w, w_shifted = np.linalg.eigvalsh(P), np.linalg.eigvalsh(shifted)
    assert_allclose(w_shifted - w_shifted[0], w - w[0], atol=1e-9 * w[-1])  # a pure shift
    assert 0 < w_shifted[0] <= 1e-9 * w_shifted[-1]
    with warnings.catch_warnings():  # nearly singular: the dual gap closes slowly
        warnings.simplefilter("ignore", ConvergenceWarning)
        M, _ = solve_sdml(shifted, 0.05, tol=1e-6, max_iter=200, verbose=0)
    assert np.linalg.eigvalsh(M)[0] > 0
    definite = np.eye(4) + 0.5 * largest_definite_balance(S, np.eye(4)) * S
    assert definite_or_shifted(definite) == (definite, False)


def test_one_feature_has_the_closed_form():
    M, n_iter = solve_sdml(np.array([[4.0]]), 0.1, tol=1e-4, max_iter=10, verbose=0)
    assert_allclose(M, [[0.25]])
    assert n_iter == 1


def test_few_pairs_among_many_points_give_the_same_scatter():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(300, 4))
    pairs = rng.choice(300, size=(10, 2), replace=False)
    signs = rng.choice([-1.0, 1.0], 10)
    evaluator = PairDifferenceScatter(X, pairs)
    assert evaluator.X.shape[0] <= 20  # re-indexed onto the used rows
    diff = X[pairs[:, 0]] - X[pairs[:, 1]]
    assert_allclose(evaluator.scatter(signs), (diff * signs[:, None]).T @ diff, atol=1e-12)
