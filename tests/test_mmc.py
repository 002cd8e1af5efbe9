import warnings

import cvxpy as cp
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from mlearn import MMC, MMCSupervised
from mlearn.constraints import similar_dissimilar_pairs
from mlearn.mmc import (
    diagonal_objective,
    difference_scatter,
    dissimilar_sum_and_gradient,
)
from mlearn.psd import components_from_metric, is_psd


def _random_pairs(seed, n=14, d=4, n_pairs=30):
    """Points on unequal scales with random, balanced pair labels."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, size=d)
    pairs = np.array([rng.choice(n, 2, replace=False) for _ in range(n_pairs)])
    y = np.where(np.arange(n_pairs) % 2 == 0, 1, -1)
    return X, pairs, y


def _differences(X, pairs, y, label):
    chosen = pairs[y == label]
    return X[chosen[:, 0]] - X[chosen[:, 1]]


def _f_and_g(X, pairs, y, M):
    S, D = _differences(X, pairs, y, 1), _differences(X, pairs, y, -1)
    f = np.einsum("ij,jk,ik->", S, M, S)
    g = np.sum(np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", D, M, D), 0)))
    return f, g


def _cvxpy_full_optimum(X, pairs, y):
    S, D = _differences(X, pairs, y, 1), _differences(X, pairs, y, -1)
    M = cp.Variable((X.shape[1], X.shape[1]), PSD=True)
    g = cp.sum(cp.hstack([cp.sqrt(d @ M @ d) for d in D]))
    problem = cp.Problem(cp.Maximize(g), [cp.trace(S.T @ S @ M) <= 1])
    problem.solve(solver=cp.CLARABEL)
    return problem.value


def _diagonal_terms(X, pairs, y):
    s = np.sum(_differences(X, pairs, y, 1) ** 2, axis=0)
    return s, _differences(X, pairs, y, -1) ** 2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_full_objective_matches_cvxpy_optimum(seed):
    X, pairs, y = _random_pairs(seed)
    mmc = MMC(preprocessor=X, tol=1e-7, max_iter=5000).fit(pairs, y)
    M = mmc.get_mahalanobis_matrix()
    f, g = _f_and_g(X, pairs, y, M)
    # The learned metric is already scaled onto the constraint f(M) = 1.
    assert f == pytest.approx(1.0, rel=1e-8)
    optimum = _cvxpy_full_optimum(X, pairs, y)
    assert g == pytest.approx(optimum, rel=1e-3)
    assert is_psd(M)
    # tol certifies the relative gap: a loose tol still lands within it of the optimum.
    loose = MMC(preprocessor=X, tol=1e-3).fit(pairs, y).get_mahalanobis_matrix()
    assert _f_and_g(X, pairs, y, loose)[1] >= optimum * (1 - 1e-3 - 1e-7)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_diagonal_objective_matches_cvxpy_optimum(seed):
    X, pairs, y = _random_pairs(seed)
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
    X, pairs, y = _random_pairs(3, d=5)
    s, Q = _diagonal_terms(X, pairs, y)
    w = np.diag(MMC(diagonal=True, preprocessor=X).fit(pairs, y).get_mahalanobis_matrix())
    start = np.full_like(s, 0.5 / s.sum())
    assert diagonal_objective(s, Q, w)[0] < diagonal_objective(s, Q, start)[0] - 1e-3


def test_dissimilar_gradient_matches_finite_differences():
    X, pairs, y = _random_pairs(4, d=5)
    D = pairs[y == -1]
    rng = np.random.default_rng(0)
    R = rng.normal(size=(5, 5))
    M = R @ R.T + np.eye(5)
    _, G = dissimilar_sum_and_gradient(X, D[:, 0], D[:, 1], M)
    E = rng.normal(size=(5, 5))
    E = (E + E.T) / 2
    eps = 1e-6
    plus = dissimilar_sum_and_gradient(X, D[:, 0], D[:, 1], M + eps * E)[0]
    minus = dissimilar_sum_and_gradient(X, D[:, 0], D[:, 1], M - eps * E)[0]
    assert np.vdot(G, E) == pytest.approx((plus - minus) / (2 * eps), rel=1e-6)


def test_diagonal_gradient_and_hessian_match_finite_differences():
    X, pairs, y = _random_pairs(5, d=5)
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


def test_difference_scatter_equals_sum_of_weighted_outer_products():
    X, pairs, _ = _random_pairs(6)
    weights = np.random.default_rng(2).uniform(size=len(pairs))
    diffs = X[pairs[:, 0]] - X[pairs[:, 1]]
    expected = (diffs * weights[:, None]).T @ diffs
    got = difference_scatter(X, pairs[:, 0], pairs[:, 1], weights)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def _noisy_badly_scaled(seed=0, n=300):
    """Three classes told apart by two features, hidden among large-scale noise features."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    centres = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, 0.9]])
    informative = centres[y] + 0.12 * rng.normal(size=(n, 2))
    noise = rng.normal(size=(n, 6)) * np.array([1, 3, 10, 30, 100, 300])
    return np.hstack([informative, noise]), y


@pytest.mark.parametrize("diagonal", [False, True])
def test_knn_after_transform_beats_euclidean_on_noisy_badly_scaled_data(diagonal):
    X, y = _noisy_badly_scaled()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=0)
    euclidean = KNeighborsClassifier(5).fit(X_train, y_train).score(X_test, y_test)
    mmc = MMCSupervised(diagonal=diagonal, random_state=0).fit(X_train, y_train)
    knn = KNeighborsClassifier(5).fit(mmc.transform(X_train), y_train)
    learned = knn.score(mmc.transform(X_test), y_test)
    assert euclidean < 0.6
    assert learned > 0.9
    assert learned > euclidean + 0.3


@pytest.mark.parametrize("diagonal", [False, True])
def test_supervised_runs_the_pairs_solver_on_pairs_drawn_from_labels(diagonal):
    X, y = _noisy_badly_scaled(n=120)
    supervised = MMCSupervised(diagonal=diagonal, n_constraints=50, random_state=7).fit(X, y)
    pairs, labels = similar_dissimilar_pairs(y, 100, random_state=7)
    weak = MMC(diagonal=diagonal, preprocessor=X).fit(pairs, labels)
    np.testing.assert_allclose(supervised.components_, weak.components_, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("diagonal", [False, True])
def test_n_components_keeps_the_leading_eigenpairs(diagonal):
    X, pairs, y = _random_pairs(7, d=5)
    params = {"diagonal": diagonal, "preprocessor": X, "tol": 1e-7, "max_iter": 2000}
    full = MMC(**params).fit(pairs, y)
    truncated = MMC(n_components=2, **params).fit(pairs, y)
    assert truncated.components_.shape == (2, 5)
    expected = components_from_metric(full.get_mahalanobis_matrix(), n_components=2)
    np.testing.assert_allclose(
        truncated.get_mahalanobis_matrix(), expected.T @ expected, rtol=1e-6, atol=1e-10
    )


def test_n_components_above_n_features_is_rejected():
    X, pairs, y = _random_pairs(18)
    with pytest.raises(ValueError, match="n_components must be in"):
        MMC(n_components=5, preprocessor=X).fit(pairs, y)


@pytest.mark.parametrize("diagonal", [False, True])
def test_max_iter_warns_convergence_and_sets_n_iter(diagonal):
    X, pairs, y = _random_pairs(8)
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        mmc = MMC(diagonal=diagonal, preprocessor=X, max_iter=1, tol=0.0).fit(pairs, y)
    assert mmc.n_iter_ == 1
    assert is_psd(mmc.get_mahalanobis_matrix())
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        converged = MMC(diagonal=diagonal, preprocessor=X, max_iter=5000).fit(pairs, y)
    assert 1 < converged.n_iter_ < 5000


@pytest.mark.parametrize("init", ["covariance", "random", "matrix"])
def test_every_init_reaches_the_same_optimum(init):
    X, pairs, y = _random_pairs(9)
    if init == "matrix":
        init = np.diag([1.0, 2.0, 3.0, 4.0])
    reference = MMC(preprocessor=X, tol=1e-7, max_iter=5000).fit(pairs, y)
    other = MMC(preprocessor=X, init=init, random_state=0, tol=1e-7, max_iter=5000)
    other.fit(pairs, y)
    g_ref = _f_and_g(X, pairs, y, reference.get_mahalanobis_matrix())[1]
    g_other = _f_and_g(X, pairs, y, other.get_mahalanobis_matrix())[1]
    # Both gaps are certified below 1e-7 of the optimum.
    assert g_other == pytest.approx(g_ref, rel=2e-7)


def test_init_of_wrong_shape_or_not_psd_is_rejected():
    X, pairs, y = _random_pairs(10)
    with pytest.raises(ValueError, match=r"\(4, 4\)"):
        MMC(preprocessor=X, init=np.eye(3)).fit(pairs, y)
    with pytest.raises(ValueError, match="not positive semidefinite"):
        MMC(preprocessor=X, init=-np.eye(4)).fit(pairs, y)


@pytest.mark.parametrize("diagonal", [False, True])
def test_pairs_of_one_kind_are_rejected(diagonal):
    X, pairs, _ = _random_pairs(11)
    for label, missing in ((1, "dissimilar"), (-1, "similar")):
        with pytest.raises(ValueError, match=f"0 {missing}"):
            MMC(diagonal=diagonal, preprocessor=X).fit(pairs, np.full(len(pairs), label))


@pytest.mark.parametrize("diagonal", [False, True])
def test_constant_feature_gets_weight_zero_and_leaves_the_rest_unchanged(diagonal):
    X, pairs, y = _random_pairs(12)
    with_constant = np.hstack([X, np.full((X.shape[0], 1), 7.0)])
    params = {"diagonal": diagonal, "tol": 1e-7, "max_iter": 5000}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        padded = MMC(preprocessor=with_constant, **params).fit(pairs, y)
    plain = MMC(preprocessor=X, **params).fit(pairs, y)
    M = padded.get_mahalanobis_matrix()
    np.testing.assert_allclose(M[-1], 0, atol=1e-12)
    np.testing.assert_allclose(M[:-1, :-1], plain.get_mahalanobis_matrix(), rtol=1e-4, atol=1e-9)


@pytest.mark.parametrize("diagonal", [False, True])
def test_direction_where_similar_pairs_agree_is_reported_unbounded_and_dropped(diagonal):
    rng = np.random.default_rng(13)
    labels = np.repeat(np.arange(3), 6)
    pairs, y = similar_dissimilar_pairs(labels, 40, random_state=0)
    # The class label itself as a feature: equal within every similar pair.
    X = np.column_stack([rng.normal(size=(18, 3)), labels.astype(float)])
    with pytest.warns(UserWarning, match="unbounded"):
        mmc = MMC(diagonal=diagonal, preprocessor=X).fit(pairs, y)
    np.testing.assert_allclose(mmc.get_mahalanobis_matrix()[-1], 0, atol=1e-10)


def test_duplicated_points_only_as_similar_pairs_are_rejected():
    X, pairs, y = _random_pairs(14)
    X_dup = np.vstack([X, X])
    n = X.shape[0]
    similar = np.column_stack([np.arange(5), np.arange(5) + n])
    dissimilar = pairs[y == -1]
    both = np.vstack([similar, dissimilar])
    labels = np.r_[np.ones(5), -np.ones(len(dissimilar))]
    with pytest.raises(ValueError, match="identical points"):
        MMC(preprocessor=X_dup).fit(both, labels)


def test_float32_in_float32_out():
    X, pairs, y = _random_pairs(15)
    for diagonal in (False, True):
        mmc = MMC(diagonal=diagonal, preprocessor=X.astype(np.float32)).fit(pairs, y)
        assert mmc.components_.dtype == np.float32
        assert mmc.transform(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("diagonal", [False, True])
def test_verbose_prints_a_decreasing_objective_up_to_n_iter(capsys, diagonal):
    X, pairs, y = _random_pairs(16)
    mmc = MMC(diagonal=diagonal, preprocessor=X, verbose=1).fit(pairs, y)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("[MMC]")
    rows = np.array([line.split()[1:3] for line in out[1:]], dtype=float)
    assert len(rows) >= 2
    assert rows[-1, 0] == mmc.n_iter_
    assert np.all(np.diff(rows[:, 1]) <= 1e-12)
    MMC(preprocessor=X).fit(pairs, y)
    assert capsys.readouterr().out == ""


def test_default_number_of_constraints_is_capped_at_the_pairs_that_exist():
    X, y = _noisy_badly_scaled(n=12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MMCSupervised(random_state=0).fit(X, y)
    with pytest.warns(UserWarning, match="fewer than the"):
        MMCSupervised(n_constraints=500, random_state=0).fit(X, y)


@pytest.mark.parametrize("diagonal", [False, True])
def test_learned_distances_do_not_depend_on_feature_scales(diagonal):
    # MMC is equivariant under rescaling features: M' = C⁻¹ M C⁻¹ for X' = X C.
    X, pairs, y = _random_pairs(17, d=5)
    scales = np.array([1e-5, 1e-2, 1.0, 1e3, 1e6])
    # Newton's decrement bounds F − F*, so its tol is squared relative to the full one's.
    params = {"diagonal": diagonal, "tol": 1e-14 if diagonal else 1e-7, "max_iter": 5000}
    plain = MMC(preprocessor=X, **params).fit(pairs, y)
    scaled = MMC(preprocessor=X * scales, **params).fit(pairs, y)
    np.testing.assert_allclose(
        scaled.pair_distance(pairs), plain.pair_distance(pairs), rtol=1e-4, atol=1e-8
    )
