import numpy as np
from numpy.testing import assert_allclose

from mlearn.lsml._evaluator import QuadrupletResiduals
from mlearn.lsml._solver import lsml_objective, solve_lsml


def _problem(seed=0, n=20, d=3, n_quadruplets=60, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * scale
    quadruplets = np.array([rng.choice(n, 4, replace=False) for _ in range(n_quadruplets)])
    weights = np.full(n_quadruplets, 1.0 / n_quadruplets)
    return X, quadruplets, weights, rng


def _objective_in_k(evaluator, weights, M0, K):
    C = np.linalg.cholesky(M0).T
    L = K @ C
    return lsml_objective(L.T @ L, evaluator, weights, M0)


def test_objective_gradient_in_k_matches_finite_differences():
    # The gradient the solver hands to L-BFGS, read off its loss_and_grad through a probe.
    X, quadruplets, weights, rng = _problem(seed=1)
    A = rng.normal(size=(3, 3))
    M0 = A @ A.T + np.eye(3)
    evaluator = QuadrupletResiduals(X, quadruplets)
    K = np.eye(3) + 0.3 * rng.normal(size=(3, 3))
    C = np.linalg.cholesky(M0).T
    loss, G = evaluator.loss_and_gradient(K @ C, weights)
    grad = 2 * (K @ (C @ G @ C.T)) + 2 * K - 2 * np.linalg.inv(K).T
    h = 1e-6
    numeric = np.zeros_like(K)
    for i in range(3):
        for j in range(3):
            E = np.zeros_like(K)
            E[i, j] = h
            numeric[i, j] = (
                _objective_in_k(evaluator, weights, M0, K + E)
                - _objective_in_k(evaluator, weights, M0, K - E)
            ) / (2 * h)
    assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)


def _projected_gradient_reference(evaluator, weights, M0, n_iter=300):
    """The paper's method: gradient steps on M, projected onto M ⪰ 1e-8·I, best of ten steps."""
    M, M0_inv = M0.copy(), np.linalg.inv(M0)
    best = lsml_objective(M, evaluator, weights, M0)
    for _ in range(n_iter):
        loss, G = evaluator.loss_and_gradient(np.linalg.cholesky(M).T, weights)
        grad = G + M0_inv - np.linalg.inv(M)
        norm = np.linalg.norm(grad)
        candidates = []
        for step in np.logspace(-10, 0, 10) / norm:
            w, V = np.linalg.eigh(M - step * grad)
            candidate = (V * np.maximum(w, 1e-8)) @ V.T
            candidates.append((lsml_objective(candidate, evaluator, weights, M0), candidate))
        value, candidate = min(candidates, key=lambda vc: vc[0])
        if value >= best:
            break
        best, M = value, candidate
    return best


def test_solution_is_stationary_and_at_most_the_projected_gradient_optimum():
    X, quadruplets, weights, _ = _problem(seed=2, scale=3.0)
    evaluator = QuadrupletResiduals(X, quadruplets)
    M0 = np.eye(3)
    M, value, n_iter = solve_lsml(
        evaluator, weights, M0, max_iter=500, tol=1e-9, verbose=0, name="LSML"
    )
    assert n_iter > 1
    assert_allclose(value, lsml_objective(M, evaluator, weights, M0), rtol=1e-12)
    _, G = evaluator.loss_and_gradient(np.linalg.cholesky(M).T, weights)
    stationarity = G + np.eye(3) - np.linalg.inv(M)
    assert np.abs(stationarity).max() < 1e-4
    reference = _projected_gradient_reference(evaluator, weights, M0)
    assert value <= reference + 1e-9 * abs(reference)


def test_squared_hinge_vanishes_on_separable_quadruplets():
    # Feature 0 orders every quadruplet with a margin; feature 1 is noise on the same
    # scale, so the prior violates some. Violations cost (scale)², the LogDet change that
    # satisfies them with the margin is O(1): the residual left at the optimum shrinks as
    # scale⁻⁴ relative to the prior's hinge (1e-3 at scale 100, 1e-7 at 1000, 0 at 1e4).
    rng = np.random.default_rng(3)
    n, scale = 40, 1000.0
    X = rng.uniform(0, 1, (n, 2)) * scale
    quadruplets = []
    while len(quadruplets) < 150:
        a, b, c, d = rng.choice(n, 4, replace=False)
        if abs(X[a, 0] - X[b, 0]) + 0.3 * scale < abs(X[c, 0] - X[d, 0]):
            quadruplets.append([a, b, c, d])
    quadruplets = np.array(quadruplets)
    weights = np.full(len(quadruplets), 1.0 / len(quadruplets))
    evaluator = QuadrupletResiduals(X, quadruplets)
    at_prior, _ = evaluator.loss_and_gradient(np.eye(2), weights)
    M, _, _ = solve_lsml(
        evaluator, weights, np.eye(2), max_iter=1000, tol=1e-10, verbose=0, name=""
    )
    L = np.linalg.cholesky(M).T
    at_fit, _ = evaluator.loss_and_gradient(L, weights)
    assert np.mean(evaluator.residuals(np.eye(2)) > 0) > 0.05
    assert at_fit < 1e-6 * at_prior
    assert np.all(evaluator.residuals(L) < 1e-3 * scale)
