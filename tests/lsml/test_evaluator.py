import numpy as np
from numpy.testing import assert_allclose

from mlearn.lsml._evaluator import QuadrupletResiduals


def _problem(seed=0, n=15, d=4, n_quadruplets=40):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n + 5, d)) * rng.uniform(0.5, 2.0, d)
    quadruplets = np.array([rng.choice(n, 4, replace=False) for _ in range(n_quadruplets)])
    weights = rng.uniform(0.5, 1.5, n_quadruplets)
    return X, quadruplets, weights / weights.sum(), rng


def _loop_loss(X, quadruplets, weights, M):
    """The squared-residual loss one quadruplet at a time, from M itself."""
    total = 0.0
    for (a, b, c, d), w in zip(quadruplets, weights, strict=True):
        v, u = X[a] - X[b], X[c] - X[d]
        residual = np.sqrt(v @ M @ v) - np.sqrt(u @ M @ u)
        total += w * max(residual, 0.0) ** 2
    return total


def test_loss_matches_a_loop_over_the_quadruplets():
    X, quadruplets, weights, rng = _problem()
    L = rng.normal(size=(4, 4))
    loss, _ = QuadrupletResiduals(X, quadruplets).loss_and_gradient(L, weights)
    reference = _loop_loss(X, quadruplets, weights, L.T @ L)
    assert reference > 0
    assert_allclose(loss, reference, rtol=1e-12)


def test_gradient_in_m_matches_finite_differences():
    X, quadruplets, weights, rng = _problem(seed=1)
    L = rng.normal(size=(4, 4))
    M = L.T @ L
    _, G = QuadrupletResiduals(X, quadruplets).loss_and_gradient(L, weights)
    h = 1e-6
    numeric = np.zeros_like(M)
    for i in range(4):
        for j in range(i, 4):
            E = np.zeros_like(M)
            E[i, j] = E[j, i] = h
            slope = (
                _loop_loss(X, quadruplets, weights, M + E)
                - _loop_loss(X, quadruplets, weights, M - E)
            ) / (2 * h)
            # A symmetric perturbation moves M_ij and M_ji: the slope is 2 G_ij off the diagonal.
            numeric[i, j] = numeric[j, i] = slope if i == j else slope / 2
    assert_allclose(G, numeric, rtol=1e-5, atol=1e-8)
    assert_allclose(G, G.T)


def test_residuals_are_positive_exactly_on_the_violated_quadruplets():
    X, quadruplets, weights, rng = _problem(seed=2)
    L = rng.normal(size=(2, 4))
    evaluator = QuadrupletResiduals(X, quadruplets)
    residuals = evaluator.residuals(L)
    Z = X @ L.T
    d_ab = np.linalg.norm(Z[quadruplets[:, 0]] - Z[quadruplets[:, 1]], axis=1)
    d_cd = np.linalg.norm(Z[quadruplets[:, 2]] - Z[quadruplets[:, 3]], axis=1)
    assert_allclose(residuals, d_ab - d_cd, rtol=1e-12, atol=1e-12)
    loss, _ = evaluator.loss_and_gradient(L, weights)
    assert_allclose(loss, np.sum(weights * np.maximum(residuals, 0) ** 2), rtol=1e-12)


def test_a_pair_of_identical_points_gives_a_finite_gradient():
    X, quadruplets, weights, rng = _problem(seed=3)
    quadruplets[:5, 3] = quadruplets[:5, 2]  # d(c, d) = 0: violated whenever a ≠ b
    loss, G = QuadrupletResiduals(X, quadruplets).loss_and_gradient(np.eye(4), weights)
    assert np.isfinite(loss) and np.all(np.isfinite(G))


def test_few_and_many_violations_give_the_same_scatter():
    # Fewer than n_points / 2 violated quadruplets take the differences' route, more the
    # Laplacian's: both must be the same sum.
    X, quadruplets, _, rng = _problem(seed=4, n=60, n_quadruplets=200)
    evaluator = QuadrupletResiduals(X, quadruplets)
    omega_ab, omega_cd = rng.normal(size=200), rng.normal(size=200)
    for n_active in (5, 150):
        active = np.zeros(200, dtype=bool)
        active[rng.choice(200, n_active, replace=False)] = True
        a, c = np.where(active, omega_ab, 0), np.where(active, omega_cd, 0)
        q = quadruplets
        V, U = X[q[:, 0]] - X[q[:, 1]], X[q[:, 2]] - X[q[:, 3]]
        reference = (V * a[:, None]).T @ V + (U * c[:, None]).T @ U
        scatter = evaluator._weighted_scatter(a, c, active)
        assert_allclose(scatter, reference, rtol=1e-10, atol=1e-10 * np.abs(reference).max())


def test_few_quadruplets_among_many_points_keep_only_their_points():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(200, 3))
    quadruplets = np.array([rng.choice(200, 4, replace=False) for _ in range(6)])
    weights = np.full(6, 1 / 6)
    evaluator = QuadrupletResiduals(X, quadruplets)
    assert evaluator.X.shape[0] <= 24  # re-indexed onto the used rows
    L = rng.normal(size=(3, 3))
    loss, _ = evaluator.loss_and_gradient(L, weights)
    assert_allclose(loss, _loop_loss(X, quadruplets, weights, L.T @ L), rtol=1e-12)
