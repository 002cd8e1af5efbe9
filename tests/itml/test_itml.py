"""ITML and ITMLSupervised: the optimum against cvxpy, constraints, accuracy and errors."""

import warnings

import cvxpy as cp
import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils import check_random_state

from mlearn import ITML, ITMLSupervised
from mlearn.constraints import similar_dissimilar_pairs
from mlearn.itml._prior import prior_metric

from ._helpers import noisy_classes, small_problem


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


@pytest.mark.parametrize(
    ("seed", "gamma", "prior"), [(0, 1.0, "identity"), (1, 0.3, "random"), (2, 5.0, "identity")]
)
def test_objective_matches_cvxpy_optimum(seed, gamma, prior):
    X, pairs, signs = small_problem(seed)
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
    return prior_metric(itml.prior, X, check_random_state(seed))


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


def test_knn_accuracy_beats_euclidean_on_noisy_features():
    X, y = noisy_classes()
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    euclidean = KNeighborsClassifier().fit(X_train, y_train).score(X_test, y_test)
    # 300 of each kind: the 600 pairs this test drew when n_constraints counted all pairs.
    itml = ITMLSupervised(n_constraints=300, random_state=0).fit(X_train, y_train)
    learned = (
        KNeighborsClassifier()
        .fit(itml.transform(X_train), y_train)
        .score(itml.transform(X_test), y_test)
    )
    assert learned >= euclidean + 0.15, (learned, euclidean)


def test_supervised_runs_the_pairs_solver_on_n_constraints_pairs_of_each_kind():
    X, y = noisy_classes(n=90, n_noise=3)
    supervised = ITMLSupervised(n_constraints=50, random_state=0).fit(X, y)
    pairs, signs = similar_dissimilar_pairs(y, 100, random_state=np.random.RandomState(0))
    assert np.sum(signs > 0) == np.sum(signs < 0) == 50
    weak = ITML(preprocessor=X).fit(pairs, signs)
    np.testing.assert_allclose(supervised.components_, weak.components_, rtol=1e-10)
    np.testing.assert_array_equal(supervised.bounds_, weak.bounds_)


def test_supervised_draws_twenty_n_classes_squared_pairs_of_each_kind_by_default():
    X, y = noisy_classes(n=90, n_noise=3)
    supervised = ITMLSupervised(random_state=0).fit(X, y)
    pairs, signs = similar_dissimilar_pairs(y, 2 * 20 * 3**2, random_state=np.random.RandomState(0))
    weak = ITML(preprocessor=X).fit(pairs, signs)
    np.testing.assert_allclose(supervised.components_, weak.components_, rtol=1e-10)


def test_n_components_keeps_the_leading_directions():
    X, y = noisy_classes(n=90, n_noise=3)
    full = ITMLSupervised(random_state=0).fit(X, y)
    low = ITMLSupervised(n_components=2, random_state=0).fit(X, y)
    assert low.components_.shape == (2, 6)
    np.testing.assert_allclose(low.components_, full.components_[:2], rtol=1e-8, atol=1e-10)


def test_float32_input_gives_float32_components():
    X, y = noisy_classes(n=90, n_noise=3)
    itml = ITMLSupervised(random_state=0).fit(X.astype(np.float32), y)
    assert itml.components_.dtype == np.float32
    assert itml.transform(X.astype(np.float32)).dtype == np.float32


def test_pairs_of_identical_points_only_are_rejected():
    X = np.array([[1.0, 2.0], [1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match="identical points"):
        ITML(preprocessor=X).fit([[0, 1], [1, 0]], [1, -1])


def test_too_many_components_are_rejected():
    X, y = noisy_classes(n=60, n_noise=1)
    with pytest.raises(ValueError, match="n_components must be in"):
        ITMLSupervised(n_components=5).fit(X, y)


def test_parameters_after_the_first_are_keyword_only():
    with pytest.raises(TypeError):
        ITML(1.0, 1000)
    with pytest.raises(TypeError):
        ITMLSupervised(1.0, 1000)


def test_max_iter_reached_warns_and_sets_n_iter():
    X, y = noisy_classes(n=90, n_noise=3)
    with pytest.warns(ConvergenceWarning, match="ITMLSupervised did not converge"):
        itml = ITMLSupervised(max_iter=2, tol=0.0, random_state=0).fit(X, y)
    assert itml.n_iter_ == 2


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_verbose_prints_a_row_per_sweep(capsys):
    X, y = noisy_classes(n=60, n_noise=1)
    ITMLSupervised(max_iter=3, tol=0.0, verbose=1, random_state=0).fit(X, y)
    rows = [line for line in capsys.readouterr().out.splitlines() if "[ITMLSupervised]" in line]
    assert len(rows) == 6  # the rule, the header, three sweeps and how it ended
    assert rows[-1].startswith("[ITMLSupervised] stopped at max_iter after 3 iterations")


@pytest.mark.parametrize("scale", [False, True], ids=["raw", "minmax"])
def test_defaults_converge_on_iris_without_a_warning(scale):
    # Cyclic projections converge linearly; iris needs over 1,000 sweeps at tol=1e-3.
    X, y = load_iris(return_X_y=True)
    if scale:
        X = MinMaxScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = ITMLSupervised(random_state=0).fit(X, y)
    assert 1000 < model.n_iter_ < model.max_iter


def test_auto_prior_is_the_identity_unless_features_are_in_different_units():
    from sklearn.datasets import load_wine

    from mlearn.itml._prior import prior_metric

    rng = np.random.RandomState(0)
    X, _ = load_iris(return_X_y=True)
    np.testing.assert_array_equal(prior_metric("auto", X, rng), np.eye(4))
    X, _ = load_wine(return_X_y=True)  # proline's spread is 388 times the median feature's
    np.testing.assert_allclose(prior_metric("auto", X, rng), np.diag(1 / X.std(axis=0) ** 2))


def test_auto_prior_recovers_badly_scaled_features_where_the_identity_does_not():
    from mlearn.datasets import make_badly_scaled

    X, y = make_badly_scaled(n_samples=300, random_state=1)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)

    def held_out(prior):
        itml = ITMLSupervised(prior=prior, random_state=0).fit(Xtr, ytr)
        knn = KNeighborsClassifier(3).fit(itml.transform(Xtr), ytr)
        return knn.score(itml.transform(Xte), yte)

    auto, identity = held_out("auto"), held_out("identity")
    assert auto >= identity + 0.3 and auto >= 0.9, (auto, identity)
