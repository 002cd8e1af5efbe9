import warnings

import cvxpy as cp
import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from mlearn import TripletSVM, TripletSVMSupervised
from mlearn.constraints import knn_triplets, random_triplets
from mlearn.psd import is_psd
from mlearn.triplet_svm import TripletTerms, _full_dual, _TripletScatter


def _problem(seed=0, n=40, d=5, n_triplets=150):
    """Three classes apart along feature 0; triplets drawn from the labels (not separable)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, d))
    X[:, 0] += 2.0 * y
    return X, random_triplets(y, n_triplets, random_state=seed)


def _cvxpy_optimum(X, triplets, C, basis, diagonal):
    """The issue's QP written out directly: ½‖A W Aᵀ‖²_F + C Σ ξ under the triplet margins."""
    d = X.shape[1]
    A = np.eye(d) if basis is None else basis
    i, j, k = triplets.T
    far, near = X[i] - X[k], X[i] - X[j]
    if diagonal:
        w = cp.Variable(A.shape[1], nonneg=True)
        W = cp.diag(w)
    else:
        W = cp.Variable((A.shape[1], A.shape[1]), PSD=True)
    M = A @ W @ A.T
    margins = cp.sum(cp.multiply(far @ M, far), axis=1) - cp.sum(
        cp.multiply(near @ M, near), axis=1
    )
    xi = cp.pos(1 - margins)
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(M) + C * cp.sum(xi)))
    problem.solve(solver=cp.CLARABEL)
    return problem.value


def _objective(model, X, triplets, C):
    """The primal objective of a fitted model, recomputed from its metric."""
    M = model.get_mahalanobis_matrix()
    i, j, k = triplets.T
    far, near = X[i] - X[k], X[i] - X[j]
    margins = np.einsum("td,de,te->t", far, M, far) - np.einsum("td,de,te->t", near, M, near)
    return 0.5 * np.sum(M * M) + C * np.sum(np.maximum(1 - margins, 0))


BASES = {
    "identity": lambda d, rng: None,
    "fewer_columns": lambda d, rng: rng.normal(size=(d, d - 2)),
    "more_columns": lambda d, rng: rng.normal(size=(d, d + 3)),
}


@pytest.mark.parametrize(
    "diagonal, basis",
    # An overcomplete basis leaves W of the full form non-unique (cvxpy then reports an
    # inaccurate solution); the full form is checked with a basis of fewer columns.
    [(True, b) for b in BASES] + [(False, "identity"), (False, "fewer_columns")],
)
def test_objective_matches_cvxpy_optimum(diagonal, basis):
    X, triplets = _problem(seed=1)
    A = BASES[basis](X.shape[1], np.random.default_rng(2))
    C = 0.5
    model = TripletSVM(C=C, diagonal=diagonal, basis=A, preprocessor=X).fit(triplets)
    optimum = _cvxpy_optimum(X, triplets, C, A, diagonal)
    objective = _objective(model, X, triplets, C)
    assert objective == pytest.approx(model.objective_, rel=1e-8)
    assert abs(objective - optimum) <= 1e-4 * optimum
    assert is_psd(model.get_mahalanobis_matrix())


def test_scatter_is_the_sum_of_triplet_outer_products():
    X, triplets = _problem(seed=3, n=12, d=3, n_triplets=20)
    alpha = np.random.default_rng(0).uniform(size=len(triplets))
    expected = np.zeros((3, 3))
    for a, (i, j, k) in zip(alpha, triplets, strict=True):
        far, near = X[i] - X[k], X[i] - X[j]
        expected += a * (np.outer(far, far) - np.outer(near, near))
    assert_allclose(_TripletScatter(X, triplets)(alpha), expected, rtol=1e-10, atol=1e-12)


def test_full_dual_gradient_matches_finite_differences():
    X, triplets = _problem(seed=4, n=15, d=3, n_triplets=12)
    terms = TripletTerms(X, triplets)
    alpha = np.random.default_rng(1).uniform(0.1, 1.0, size=len(triplets))
    _, gradient, _, _ = _full_dual(alpha, terms)
    eps = 1e-6
    numeric = [
        (_full_dual(alpha + eps * e, terms)[0] - _full_dual(alpha - eps * e, terms)[0]) / (2 * eps)
        for e in np.eye(len(triplets))
    ]
    assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-7)


def test_relative_gap_bounds_the_suboptimality():
    X, triplets = _problem(seed=5)
    optimum = _cvxpy_optimum(X, triplets, 1.0, None, True)
    for tol in (1e-1, 1e-2):
        model = TripletSVM(tol=tol, preprocessor=X).fit(triplets)
        assert optimum <= model.objective_ * (1 + 1e-9)
        assert model.objective_ - optimum <= tol * model.objective_


def test_cvxpy_solver_gives_the_same_metric():
    X, triplets = _problem(seed=6)
    fast = TripletSVM(tol=1e-8, preprocessor=X).fit(triplets)
    reference = TripletSVM(solver="cvxpy", preprocessor=X).fit(triplets)
    assert_allclose(fast.weights_, reference.weights_, atol=1e-5 * fast.weights_.max())


def _noisy_classes(seed, n=150, informative=2, noise=6):
    """Classes separated on a few features, drowned by noise features of larger scale."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    signal = rng.normal(size=(n, informative)) * 0.5 + y[:, None]
    return np.hstack([signal, 3.0 * rng.normal(size=(n, noise))]), y


def test_predict_and_score_on_held_out_triplets_beat_euclidean():
    X, y = _noisy_classes(seed=7)
    triplets = random_triplets(y, 1000, random_state=0)
    train, test = triplets[:600], triplets[600:]
    model = TripletSVM(preprocessor=X).fit(train)
    euclidean = np.mean(
        np.sum((X[test[:, 0]] - X[test[:, 2]]) ** 2, 1)
        > np.sum((X[test[:, 0]] - X[test[:, 1]]) ** 2, 1)
    )
    prediction = model.predict(test)
    assert set(np.unique(prediction)) <= {-1, 1}
    assert model.score(test) == pytest.approx(np.mean(prediction == 1))
    assert model.score(test) >= euclidean + 0.15
    # Informative features outweigh the noise.
    assert model.weights_[:2].min() > 5 * model.weights_[2:].max()


def test_supervised_twin_improves_knn_accuracy_on_noisy_features():
    X, y = _noisy_classes(seed=8, n=240)
    X_train, y_train, X_test, y_test = X[:160], y[:160], X[160:], y[160:]
    euclidean = KNeighborsClassifier(3).fit(X_train, y_train).score(X_test, y_test)
    learned = make_pipeline(TripletSVMSupervised(), KNeighborsClassifier(3))
    accuracy = learned.fit(X_train, y_train).score(X_test, y_test)
    assert accuracy >= euclidean + 0.15


def test_supervised_twin_solves_the_knn_triplet_problem():
    X, y = _noisy_classes(seed=9, n=60)
    supervised = TripletSVMSupervised(k_genuine=2, k_impostor=3, tol=1e-8).fit(X, y)
    triplets = knn_triplets(X, y, 2, 3)
    direct = TripletSVM(tol=1e-8, preprocessor=X).fit(triplets)
    assert_allclose(supervised.weights_, direct.weights_, rtol=1e-6, atol=1e-10)


def test_max_iter_warns_and_keeps_the_best_iterate():
    X, triplets = _problem(seed=10)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        model = TripletSVM(max_iter=2, preprocessor=X).fit(triplets)
    assert model.n_iter_ == 2
    assert _objective(model, X, triplets, 1.0) == pytest.approx(model.objective_, rel=1e-8)


def test_float32_points_give_float32_components():
    X, triplets = _problem(seed=11)
    model = TripletSVM(preprocessor=X.astype(np.float32)).fit(triplets)
    assert model.components_.dtype == np.float32
    assert model.transform(X.astype(np.float32)).dtype == np.float32


def test_n_components_keeps_the_leading_directions():
    X, triplets = _problem(seed=12)
    full = TripletSVM(preprocessor=X).fit(triplets)
    reduced = TripletSVM(n_components=1, preprocessor=X).fit(triplets)
    assert reduced.components_.shape == (1, X.shape[1])
    top = np.linalg.eigvalsh(full.get_mahalanobis_matrix())[-1]
    assert np.linalg.eigvalsh(reduced.get_mahalanobis_matrix())[-1] == pytest.approx(top)


@pytest.mark.parametrize(
    "basis, message",
    [(np.ones((3, 2)), "shape"), (np.eye(5)[:, [0, 0, 1]], "linearly dependent")],
)
def test_bad_basis_is_rejected(basis, message):
    X, triplets = _problem(seed=13)
    with pytest.raises(ValueError, match=message):
        TripletSVM(basis=basis, preprocessor=X).fit(triplets)


def test_verbose_prints_the_gap_per_iteration(capsys):
    X, triplets = _problem(seed=14)
    model = TripletSVM(verbose=1, preprocessor=X).fit(triplets)
    lines = capsys.readouterr().out.strip().splitlines()
    assert "relative gap" in lines[0]
    assert len(lines) == model.n_iter_ + 1


@pytest.mark.parametrize("diagonal", [True, False], ids=["diagonal", "full"])
def test_uninformative_triplets_give_the_zero_metric_at_cost_c_per_triplet(diagonal):
    X = np.ones((4, 3))
    triplets = np.array([[0, 1, 2], [1, 2, 3], [3, 0, 1]])
    model = TripletSVM(C=2.0, diagonal=diagonal, preprocessor=X).fit(triplets)
    assert model.objective_ == pytest.approx(2.0 * 3)
    assert_allclose(model.get_mahalanobis_matrix(), 0.0)


def test_refitting_in_full_form_drops_the_diagonal_weights():
    X, triplets = _problem(seed=15, n_triplets=40)
    model = TripletSVM(preprocessor=X).fit(triplets)
    assert hasattr(model, "weights_")
    model.set_params(diagonal=False, tol=1e-3).fit(triplets)
    assert not hasattr(model, "weights_")


@pytest.mark.parametrize("diagonal", [True, False])
def test_working_set_reaches_the_same_optimum(monkeypatch, diagonal):
    import mlearn._diagonal_qp as diagonal_qp

    X, triplets = _problem(seed=16, n_triplets=400 if diagonal else 150)
    # The full form's L-BFGS-B on the dual is slow to a tight gap: 1e-4 there.
    tol = 1e-8 if diagonal else 1e-4
    model = TripletSVM(diagonal=diagonal, tol=tol, max_iter=5000, preprocessor=X)
    monkeypatch.setattr(diagonal_qp, "_MIN_WORKING_SET", 10**9)
    whole = clone(model).fit(triplets)
    monkeypatch.setattr(diagonal_qp, "_MIN_WORKING_SET", 40)
    monkeypatch.setattr(diagonal_qp, "_WORKING_FRACTION", 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        working = clone(model).fit(triplets)
    # Both are within tol of the optimum, certified for all triplets.
    assert working.objective_ == pytest.approx(whole.objective_, rel=2 * tol)
    if diagonal:
        assert_allclose(working.weights_, whole.weights_, atol=1e-5 * whole.weights_.max())


@pytest.mark.parametrize("diagonal, basis", [(True, "identity"), (True, "fewer_columns")])
def test_working_set_solution_is_the_cvxpy_optimum_of_all_triplets(diagonal, basis):
    # 3,000 triplets (over _MIN_WORKING_SET): solved on a working set of near-margin
    # triplets, certified against the objective over all of them.
    import mlearn._diagonal_qp as diagonal_qp

    X, triplets = _problem(seed=17, n=120, d=8, n_triplets=3000)
    assert triplets.shape[0] > diagonal_qp._MIN_WORKING_SET
    A = BASES[basis](X.shape[1], np.random.default_rng(3))
    C = 0.5
    tol = 1e-6
    model = TripletSVM(C=C, diagonal=diagonal, basis=A, tol=tol, preprocessor=X).fit(triplets)
    optimum = _cvxpy_optimum(X, triplets, C, A, diagonal)
    assert _objective(model, X, triplets, C) == pytest.approx(model.objective_, rel=1e-8)
    assert abs(model.objective_ - optimum) <= 2 * tol * optimum
