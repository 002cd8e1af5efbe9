"""TripletSVM and TripletSVMSupervised: optima, accuracy, attributes and parameters."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from mlearn import TripletSVM, TripletSVMSupervised
from mlearn.constraints import knn_triplets, random_triplets
from mlearn.psd import is_psd

from ._helpers import BASES, cvxpy_optimum, noisy_classes, primal_objective, triplet_problem


@pytest.mark.parametrize(
    "diagonal, basis",
    # An overcomplete basis leaves W of the full form non-unique (cvxpy then reports an
    # inaccurate solution); the full form is checked with a basis of fewer columns.
    [(True, b) for b in BASES] + [(False, "identity"), (False, "fewer_columns")],
)
def test_objective_matches_cvxpy_optimum(diagonal, basis):
    X, triplets = triplet_problem(seed=1)
    A = BASES[basis](X.shape[1], np.random.default_rng(2))
    C = 0.5
    model = TripletSVM(C=C, diagonal=diagonal, basis=A, preprocessor=X).fit(triplets)
    optimum = cvxpy_optimum(X, triplets, C, A, diagonal)
    objective = primal_objective(model, X, triplets, C)
    assert objective == pytest.approx(model.objective_, rel=1e-8)
    assert abs(objective - optimum) <= 1e-4 * optimum
    assert is_psd(model.get_mahalanobis_matrix())


def test_cvxpy_solver_gives_the_same_metric():
    X, triplets = triplet_problem(seed=6)
    fast = TripletSVM(tol=1e-8, preprocessor=X).fit(triplets)
    reference = TripletSVM(solver="cvxpy", preprocessor=X).fit(triplets)
    assert_allclose(fast.weights_, reference.weights_, atol=1e-5 * fast.weights_.max())


def test_predict_and_score_on_held_out_triplets_beat_euclidean():
    X, y = noisy_classes(seed=7)
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
    X, y = noisy_classes(seed=8, n=240)
    X_train, y_train, X_test, y_test = X[:160], y[:160], X[160:], y[160:]
    euclidean = KNeighborsClassifier(3).fit(X_train, y_train).score(X_test, y_test)
    learned = make_pipeline(TripletSVMSupervised(), KNeighborsClassifier(3))
    accuracy = learned.fit(X_train, y_train).score(X_test, y_test)
    assert accuracy >= euclidean + 0.15


def test_supervised_twin_solves_the_knn_triplet_problem():
    X, y = noisy_classes(seed=9, n=60)
    supervised = TripletSVMSupervised(k_genuine=2, k_impostor=3, tol=1e-8).fit(X, y)
    triplets = knn_triplets(X, y, 2, 3)
    direct = TripletSVM(tol=1e-8, preprocessor=X).fit(triplets)
    assert_allclose(supervised.weights_, direct.weights_, rtol=1e-6, atol=1e-10)


def test_float32_points_give_float32_components():
    X, triplets = triplet_problem(seed=11)
    model = TripletSVM(preprocessor=X.astype(np.float32)).fit(triplets)
    assert model.components_.dtype == np.float32
    assert model.transform(X.astype(np.float32)).dtype == np.float32


def test_n_components_keeps_the_leading_directions():
    X, triplets = triplet_problem(seed=12)
    full = TripletSVM(preprocessor=X).fit(triplets)
    reduced = TripletSVM(n_components=1, preprocessor=X).fit(triplets)
    assert reduced.components_.shape == (1, X.shape[1])
    top = np.linalg.eigvalsh(full.get_mahalanobis_matrix())[-1]
    assert np.linalg.eigvalsh(reduced.get_mahalanobis_matrix())[-1] == pytest.approx(top)


def test_verbose_prints_the_gap_per_iteration(capsys):
    X, triplets = triplet_problem(seed=14)
    model = TripletSVM(verbose=2, preprocessor=X).fit(triplets)
    lines = capsys.readouterr().out.strip().splitlines()
    assert "stops when the relative duality gap <=" in lines[0]
    assert "relative gap" in lines[1]
    assert len(lines) == model.n_iter_ + 2


@pytest.mark.parametrize("diagonal", [True, False], ids=["diagonal", "full"])
def test_uninformative_triplets_give_the_zero_metric_at_cost_c_per_triplet(diagonal):
    X = np.ones((4, 3))
    triplets = np.array([[0, 1, 2], [1, 2, 3], [3, 0, 1]])
    model = TripletSVM(C=2.0, diagonal=diagonal, preprocessor=X).fit(triplets)
    assert model.objective_ == pytest.approx(2.0 * 3)
    assert_allclose(model.get_mahalanobis_matrix(), 0.0)


def test_refitting_in_full_form_drops_the_diagonal_weights():
    X, triplets = triplet_problem(seed=15, n_triplets=40)
    model = TripletSVM(preprocessor=X).fit(triplets)
    assert hasattr(model, "weights_")
    model.set_params(diagonal=False, tol=1e-3).fit(triplets)
    assert not hasattr(model, "weights_")


@pytest.mark.parametrize("diagonal", [True, False], ids=["diagonal", "full"])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_random_state_is_accepted_and_changes_nothing(diagonal):
    # Both solvers are deterministic: every seed gives the same fit (the full form's
    # L-BFGS-B is stopped early here, at the same iterate for every seed).
    X, y = noisy_classes(seed=18, n=60)
    fits = [
        TripletSVMSupervised(diagonal=diagonal, max_iter=50, random_state=seed).fit(X, y)
        for seed in (None, 0, 1)
    ]
    for fit in fits[1:]:
        assert_allclose(fit.components_, fits[0].components_, rtol=0, atol=0)
    triplets = knn_triplets(X, y, 2, 2)
    a, b = (TripletSVM(random_state=seed, preprocessor=X).fit(triplets) for seed in (0, 7))
    assert_allclose(a.weights_, b.weights_, rtol=0, atol=0)


def test_parameters_after_c_are_keyword_only():
    with pytest.raises(TypeError):
        TripletSVM(1.0, False)
    with pytest.raises(TypeError):
        TripletSVMSupervised(1.0, False)
    assert TripletSVMSupervised(2.0).C == 2.0
