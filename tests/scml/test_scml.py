import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import MinMaxScaler

from mlearn import SCML, SCMLSupervised
from mlearn.psd import is_psd

from ._helpers import triplet_problem, weights_metric


def _fast(**params):
    return {"max_iter": 2000, "output_iter": 250, "random_state": 0, **params}


def test_metric_is_the_weighted_sum_of_the_bases_and_psd():
    X, triplets, B = triplet_problem()
    model = SCML(basis=B, preprocessor=X, **_fast(gamma=5.0)).fit(triplets)
    M = model.get_mahalanobis_matrix()
    assert np.all(model.weights_ >= 0) and np.any(model.weights_ > 0)
    assert_allclose(M, weights_metric(B, model.weights_), atol=1e-10 * np.abs(M).max())
    assert is_psd(M)
    assert model.components_.shape == (4, 4)
    a, p, n = triplets.T
    euclidean = np.mean(np.linalg.norm(X[a] - X[p], axis=1) < np.linalg.norm(X[a] - X[n], axis=1))
    assert model.score(triplets) >= euclidean
    assert model.objective_ < 1.0  # F(0) = 1


def test_knn_accuracy_is_at_least_euclidean_on_wine():
    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    scaler = MinMaxScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    model = SCMLSupervised(**_fast()).fit(X_train, y_train)
    knn = KNeighborsClassifier(3)
    learned = knn.fit(model.transform(X_train), y_train).score(model.transform(X_test), y_test)
    euclidean = knn.fit(X_train, y_train).score(X_test, y_test)
    assert learned >= euclidean
    assert learned >= 0.95
    assert 0 < np.count_nonzero(model.weights_) < len(model.weights_)  # sparse


def test_n_components_gives_the_best_rank_k_metric_with_k_rows():
    X, triplets, B = triplet_problem(seed=1)
    full = SCML(basis=B, preprocessor=X, **_fast(gamma=5.0)).fit(triplets)
    low = SCML(basis=B, preprocessor=X, n_components=2, **_fast(gamma=5.0)).fit(triplets)
    eigenvalues, V = np.linalg.eigh(full.get_mahalanobis_matrix())
    best = (V[:, -2:] * eigenvalues[-2:]) @ V[:, -2:].T
    assert low.components_.shape == (2, 4)
    assert_allclose(low.get_mahalanobis_matrix(), best, atol=1e-10 * eigenvalues[-1])


def test_one_basis_gives_zero_rows_below_n_components():
    X, triplets, _ = triplet_problem(seed=2)
    model = SCML(basis=[[1.0, 0.0, 0.0, 0.0]], preprocessor=X, **_fast(gamma=5.0)).fit(triplets)
    assert model.components_.shape == (4, 4)
    assert np.count_nonzero(np.abs(model.components_).sum(axis=1)) == 1


def test_triplet_diffs_bases_are_unit_eigenvectors_of_difference_scatters():
    X, triplets, _ = triplet_problem(seed=3)
    model = SCML(n_basis=10, preprocessor=X, **_fast()).fit(triplets)
    assert model.basis_.shape == (10, 4)
    assert_allclose(np.linalg.norm(model.basis_, axis=1), 1.0)
    # Each round's d eigenvectors are orthonormal.
    assert_allclose(model.basis_[:4] @ model.basis_[:4].T, np.eye(4), atol=1e-12)


def test_float32_stays_float32_and_the_fit_is_the_float64_one():
    X, y = load_wine(return_X_y=True)
    X = MinMaxScaler().fit_transform(X)
    params = _fast(max_iter=500)
    single = SCMLSupervised(**params).fit(X.astype(np.float32), y)
    double = SCMLSupervised(**params).fit(X, y)
    assert single.components_.dtype == np.float32
    assert single.transform(X.astype(np.float32)).dtype == np.float32
    M32, M64 = single.get_mahalanobis_matrix(), double.get_mahalanobis_matrix()
    assert_allclose(M32, M64, rtol=1e-3, atol=1e-4 * np.abs(M64).max())


def test_tol_stops_early_and_none_runs_every_step():
    X, y = load_wine(return_X_y=True)
    X = MinMaxScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        early = SCMLSupervised(tol=0.5, **_fast()).fit(X, y)
        every = SCMLSupervised(tol=None, **_fast()).fit(X, y)
    assert early.n_iter_ < 2000 and every.n_iter_ == 2000
    assert every.objective_ <= early.objective_
    with pytest.warns(ConvergenceWarning):
        SCMLSupervised(tol=0.0, **_fast(max_iter=250)).fit(X, y)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"basis": np.ones((3, 5))}, "basis must have shape"),
        ({"basis": [[np.nan, 1.0, 0.0, 0.0]]}, "NaN"),
        ({"n_basis": 1000}, "Not enough samples"),
    ],
)
def test_bad_bases_are_rejected(params, message):
    X, y = np.random.default_rng(0).normal(size=(30, 4)), np.repeat([0, 1, 2], 10)
    with pytest.raises(ValueError, match=message):
        SCMLSupervised(**_fast(**params)).fit(X, y)


def test_triplet_diffs_needs_as_many_triplets_as_features():
    X = np.random.default_rng(0).normal(size=(10, 6))
    with pytest.raises(ValueError, match="at least n_features=6 triplets"):
        SCML(preprocessor=X).fit([[0, 1, 2], [3, 4, 5]])
