"""ITML: the optimum against cvxpy, constraints, definiteness, accuracy and errors."""

import warnings

import cvxpy as cp
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils import check_random_state

from mlearn import ITML, ITMLSupervised
from mlearn.constraints import similar_dissimilar_pairs
from mlearn.itml import _itml_solve, _prior_metric
from mlearn.psd import check_psd


def _logdet_divergence(A, B):
    """D_ld(A, B) = tr(AB⁻¹) − log det(AB⁻¹) − n."""
    C = np.linalg.solve(B, A)
    return np.trace(C) - np.linalg.slogdet(C)[1] - A.shape[0]


def _itml_objective(M, M0, diff, signs, bounds, gamma):
    """ITML's objective at M with the slacks minimised for that M.

    For fixed M the best slack of a similar pair is max(u, d²_M) and of a
    dissimilar pair min(l, d²_M): γ·(ξ/ξ₀ − log(ξ/ξ₀) − 1) is smallest at
    ξ = ξ₀ and grows away from it.
    """
    squared = np.einsum("ij,jk,ik->i", diff, M, diff)
    xi0 = np.where(signs > 0, bounds[0], bounds[1])
    xi = np.where(signs > 0, np.maximum(xi0, squared), np.minimum(xi0, squared))
    r = xi / xi0
    return _logdet_divergence(M, M0) + gamma * np.sum(r - np.log(r) - 1)


def _cvxpy_optimum(M0, diff, signs, bounds, gamma):
    d, m = M0.shape[0], diff.shape[0]
    M, xi = cp.Variable((d, d), PSD=True), cp.Variable(m)
    xi0 = np.where(signs > 0, bounds[0], bounds[1])
    M0_inv = np.linalg.inv(M0)
    objective = cp.trace(M0_inv @ M) - cp.log_det(M) + gamma * cp.sum(xi / xi0 - cp.log(xi))
    constraints = [
        cp.sum(cp.multiply(np.outer(v, v), M)) <= xi[c]
        if s > 0
        else cp.sum(cp.multiply(np.outer(v, v), M)) >= xi[c]
        for c, (v, s) in enumerate(zip(diff, signs, strict=True))
    ]
    cp.Problem(cp.Minimize(objective), constraints).solve(solver=cp.CLARABEL)
    return (M.value + M.value.T) / 2


def _small_problem(seed, n=15, d=3, n_pairs=12):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, 2, size=n)
    pairs, signs = similar_dissimilar_pairs(y, n_pairs, random_state=seed)
    return X, pairs, signs


@pytest.mark.parametrize(
    ("seed", "gamma", "prior"), [(0, 1.0, "identity"), (1, 0.3, "random"), (2, 5.0, "identity")]
)
def test_objective_matches_cvxpy_optimum(seed, gamma, prior):
    X, pairs, signs = _small_problem(seed)
    itml = ITML(gamma=gamma, prior=prior, tol=1e-10, max_iter=100_000, random_state=seed)
    itml.set_params(preprocessor=X).fit(pairs, signs)
    M0 = np.eye(3) if prior == "identity" else _prior_of(itml, X, seed)
    diff = X[pairs[:, 0]] - X[pairs[:, 1]]
    ours = _itml_objective(itml.get_mahalanobis_matrix(), M0, diff, signs, itml.bounds_, gamma)
    M_ref = _cvxpy_optimum(M0, diff, signs, itml.bounds_, gamma)
    reference = _itml_objective(M_ref, M0, diff, signs, itml.bounds_, gamma)
    assert ours > 0.05  # the constraints are active: the optimum is away from the prior
    assert ours == pytest.approx(reference, rel=1e-3)


def _prior_of(itml, X, seed):
    return _prior_metric(itml.prior, X, check_random_state(seed))


def _reference_sweep(M, X, pairs, signs, slack, dual, gamma):
    """The update formulas of the module docstring, one numpy step per constraint."""
    for c, ((a, b), delta) in enumerate(zip(pairs, signs, strict=True)):
        v = X[a] - X[b]
        w = M @ v
        p = v @ w
        alpha = min(dual[c], delta * gamma / (gamma + 1) * (1 / p - 1 / slack[c]))
        dual[c] -= alpha
        M += delta * alpha / (1 - delta * alpha * p) * np.outer(w, w)
        slack[c] = 1 / (1 / slack[c] + delta * alpha / gamma)


def test_compiled_sweeps_match_the_update_formulas():
    X, pairs, signs = _small_problem(3, d=4, n_pairs=30)
    bounds, gamma = (1.0, 6.0), 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        M, slack, dual, n_iter = _itml_solve(
            X, pairs, signs, np.eye(4), bounds, gamma, max_iter=5, tol=0.0, shrink=False
        )
    M_ref, slack_ref = np.eye(4), np.where(signs > 0, 1.0, 6.0)
    dual_ref = np.zeros(len(signs))
    for _ in range(5):
        _reference_sweep(M_ref, X, pairs, signs.astype(float), slack_ref, dual_ref, gamma)
    assert n_iter == 5
    assert np.count_nonzero(dual) > 5
    np.testing.assert_allclose(M, M_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(slack, slack_ref, rtol=1e-9)
    np.testing.assert_allclose(dual, dual_ref, rtol=1e-9, atol=1e-12)


def test_shrinking_reaches_the_same_optimum_as_full_sweeps():
    X, pairs, signs = _small_problem(9, d=4, n_pairs=40)
    solutions = [
        _itml_solve(
            X, pairs, signs, np.eye(4), (1.0, 6.0), 1.0, max_iter=100_000, tol=1e-10, shrink=shrink
        )
        for shrink in (False, True)
    ]
    (M_full, _, dual_full, n_full), (M_shrunk, _, dual_shrunk, n_shrunk) = solutions
    assert 0 < np.count_nonzero(dual_full) < len(signs)  # some constraints are shrunk away
    np.testing.assert_allclose(M_shrunk, M_full, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(dual_shrunk, dual_full, rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("gamma", [1e8, np.inf])
def test_large_gamma_satisfies_feasible_constraints(gamma):
    rng = np.random.default_rng(4)
    d = 6
    X = rng.normal(size=(10, d))
    # Five pairs in six dimensions: the differences are independent, so any
    # targets on their squared distances are reachable.
    pairs = np.array([[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]])
    signs = np.array([1, -1, 1, -1, 1])
    u, l = 0.5, 20.0
    itml = ITML(gamma=gamma, bounds=(u, l), tol=1e-9, max_iter=10_000, preprocessor=X)
    distances = itml.fit(pairs, signs).pair_distance(pairs) ** 2
    assert np.all(distances[signs > 0] <= u * (1 + 1e-4))
    assert np.all(distances[signs < 0] >= l * (1 - 1e-4))
    # Under the identity prior most of them are violated.
    prior_distances = np.sum((X[pairs[:, 0]] - X[pairs[:, 1]]) ** 2, axis=1)
    assert (
        np.sum((prior_distances > u) & (signs > 0)) + np.sum((prior_distances < l) & (signs < 0))
        >= 4
    )


def test_metric_stays_positive_definite_after_a_million_updates():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 6)) * np.array([1e-3, 1e-1, 1.0, 1.0, 10.0, 1e3])
    pairs = rng.choice(200, size=(1000, 2), replace=True)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]][:1000]
    signs = rng.choice([-1, 1], size=pairs.shape[0])  # random labels: conflicting constraints
    n_sweeps = -(-1_000_000 // pairs.shape[0])
    with pytest.warns(ConvergenceWarning):
        M, slack, dual, n_iter = _itml_solve(
            X, pairs, signs, np.eye(6), (0.1, 10.0), 1e4, max_iter=n_sweeps, tol=0.0, shrink=False
        )
    assert n_iter * pairs.shape[0] >= 1_000_000
    check_psd(M)
    eigenvalues = np.linalg.eigvalsh(M)
    assert eigenvalues[0] > 0 and np.all(np.isfinite(eigenvalues))
    assert np.all(slack > 0) and np.all(dual >= 0)


def _noisy_classes(seed=0, n=300, n_noise=20):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    centres = np.array([[0.0, 0.0, 0.0], [3.0, 0.0, 0.0], [0.0, 3.0, 3.0]])
    informative = centres[y] + rng.normal(scale=0.8, size=(n, 3))
    noise = rng.normal(scale=4.0, size=(n, n_noise))
    return np.hstack([informative, noise]), y


def test_knn_accuracy_beats_euclidean_on_noisy_features():
    X, y = _noisy_classes()
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    euclidean = KNeighborsClassifier().fit(X_train, y_train).score(X_test, y_test)
    itml = ITMLSupervised(n_constraints=600, random_state=0).fit(X_train, y_train)
    learned = (
        KNeighborsClassifier()
        .fit(itml.transform(X_train), y_train)
        .score(itml.transform(X_test), y_test)
    )
    assert learned >= euclidean + 0.15, (learned, euclidean)


def test_supervised_runs_the_pairs_solver_on_drawn_pairs():
    X, y = _noisy_classes(n=90, n_noise=3)
    supervised = ITMLSupervised(n_constraints=100, random_state=0).fit(X, y)
    pairs, signs = similar_dissimilar_pairs(y, 100, random_state=np.random.RandomState(0))
    weak = ITML(preprocessor=X).fit(pairs, signs)
    np.testing.assert_allclose(supervised.components_, weak.components_, rtol=1e-10)
    np.testing.assert_array_equal(supervised.bounds_, weak.bounds_)


def test_default_bounds_are_percentiles_of_squared_prior_distances():
    X, pairs, signs = _small_problem(6, n=40, n_pairs=20)
    M0 = np.diag([1.0, 4.0, 9.0])
    itml = ITML(prior=M0, preprocessor=X).fit(pairs, signs)
    points = X[np.unique(pairs)] * [1.0, 2.0, 3.0]
    squared = np.sum((points[:, None] - points[None]) ** 2, axis=2)[np.triu_indices(len(points), 1)]
    assert len(points) < 40  # only the points of the pairs count
    np.testing.assert_allclose(itml.bounds_, np.percentile(squared, [5, 95]))
    # Pairs given as points repeat each point once per pair: the same bounds.
    as_points = ITML(prior=M0).fit(X[pairs], signs)
    np.testing.assert_allclose(as_points.bounds_, itml.bounds_)


def test_default_bounds_from_a_sample_when_there_are_many_points(monkeypatch):
    monkeypatch.setattr("mlearn.itml._BOUND_PAIRS", 2000)
    rng = np.random.default_rng(10)
    X = rng.normal(size=(300, 4))
    pairs, signs = similar_dissimilar_pairs(rng.integers(0, 3, 300), 400, random_state=0)
    sampled = ITML(max_iter=1, random_state=0, preprocessor=X)
    with pytest.warns(ConvergenceWarning):
        sampled.fit(pairs, signs)
    points = X[np.unique(pairs)]
    squared = np.sum((points[:, None] - points[None]) ** 2, axis=2)[np.triu_indices(len(points), 1)]
    exact = np.percentile(squared, [5, 95])
    np.testing.assert_allclose(sampled.bounds_, exact, rtol=0.1)
    assert not np.allclose(sampled.bounds_, exact, rtol=1e-9, atol=0)


def test_n_components_keeps_the_leading_directions():
    X, y = _noisy_classes(n=90, n_noise=3)
    full = ITMLSupervised(random_state=0).fit(X, y)
    low = ITMLSupervised(n_components=2, random_state=0).fit(X, y)
    assert low.components_.shape == (2, 6)
    np.testing.assert_allclose(low.components_, full.components_[:2], rtol=1e-8, atol=1e-10)


def test_float32_input_gives_float32_components():
    X, y = _noisy_classes(n=90, n_noise=3)
    itml = ITMLSupervised(random_state=0).fit(X.astype(np.float32), y)
    assert itml.components_.dtype == np.float32
    assert itml.transform(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    ("prior", "message"),
    [
        (np.diag([1.0, 1.0, 0.0]), "strictly positive definite"),
        (np.diag([1.0, -1.0, 1.0]), "not positive semidefinite"),
        (np.eye(2), r"\(3, 3\) matrix"),
        ("covariance", "rank 2 < 3"),
    ],
)
def test_prior_that_is_not_strictly_positive_definite_is_rejected(prior, message):
    X, pairs, signs = _small_problem(7)
    X[:, 2] = X[:, 0] + X[:, 1]  # collinear: singular covariance
    with pytest.raises(ValueError, match=message):
        ITML(prior=prior, preprocessor=X).fit(pairs, signs)


@pytest.mark.parametrize(
    "bounds", [(2.0, 1.0), (0.0, 1.0), (1.0, np.inf), (1.0, 2.0, 3.0), ["a", "b"]]
)
def test_invalid_bounds_are_rejected(bounds):
    X, pairs, signs = _small_problem(8)
    with pytest.raises(ValueError, match="bounds must be two finite numbers"):
        ITML(bounds=bounds, preprocessor=X).fit(pairs, signs)


def test_pairs_of_identical_points_only_are_rejected():
    X = np.array([[1.0, 2.0], [1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match="identical points"):
        ITML(preprocessor=X).fit([[0, 1], [1, 0]], [1, -1])


def test_too_many_components_are_rejected():
    X, y = _noisy_classes(n=60, n_noise=1)
    with pytest.raises(ValueError, match="n_components must be in"):
        ITMLSupervised(n_components=5).fit(X, y)


def test_max_iter_reached_warns_and_sets_n_iter():
    X, y = _noisy_classes(n=90, n_noise=3)
    with pytest.warns(ConvergenceWarning, match="ITMLSupervised did not converge"):
        itml = ITMLSupervised(max_iter=2, tol=0.0, random_state=0).fit(X, y)
    assert itml.n_iter_ == 2


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_verbose_prints_a_row_per_sweep(capsys):
    X, y = _noisy_classes(n=60, n_noise=1)
    ITMLSupervised(max_iter=3, tol=0.0, verbose=1, random_state=0).fit(X, y)
    rows = [line for line in capsys.readouterr().out.splitlines() if "[ITMLSupervised]" in line]
    assert len(rows) == 4  # header and three sweeps
