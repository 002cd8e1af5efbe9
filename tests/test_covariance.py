import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import linalg
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from mlearn import Covariance
from mlearn.psd import is_psd


def _correlated(n=500, d=4, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(d, d))
    return rng.normal(size=(n, d)) @ A + rng.normal(size=d)


def test_metric_is_inverse_sample_covariance():
    X = _correlated()
    M = Covariance().fit(X).get_mahalanobis_matrix()
    assert_allclose(M, np.linalg.inv(np.cov(X, rowvar=False)), rtol=1e-8)


def test_transform_whitens_the_training_data():
    X = _correlated()
    Z = Covariance().fit_transform(X)
    assert_allclose(np.cov(Z, rowvar=False), np.eye(4), atol=1e-10)


def test_features_on_wildly_different_scales_are_whitened_exactly():
    X = _correlated() * np.array([1e-8, 1.0, 1e8, 1e3])
    model = Covariance().fit(X)
    Z = model.transform(X)
    assert_allclose(np.cov(Z, rowvar=False), np.eye(4), atol=1e-8)
    assert is_psd(model.get_mahalanobis_matrix())


def test_constant_feature_gets_zero_weight_and_the_rest_is_whitened():
    X = _correlated()
    X[:, 2] = 7.0
    model = Covariance().fit(X)
    # n_features rows always: the rank's three, then a zero row.
    assert model.components_.shape == (4, 4)
    assert_allclose(model.components_[:, 2], 0.0)
    assert_allclose(model.components_[3], 0.0)
    assert_allclose(np.cov(model.transform(X)[:, :3], rowvar=False), np.eye(3), atol=1e-10)


@pytest.mark.parametrize("case", ["collinear", "fewer_samples_than_features"])
def test_singular_covariance_gives_the_pseudo_inverse_on_the_data_span(case):
    rng = np.random.default_rng(1)
    if case == "collinear":
        X = _correlated()
        X = np.column_stack([X, X[:, 0] - 2 * X[:, 1]])
        rank = 4
    else:
        X = rng.normal(size=(5, 8))
        rank = 4  # 5 centred samples span 4 dimensions
    model = Covariance().fit(X)
    assert np.all(np.isfinite(model.components_))
    assert model.components_.shape == (X.shape[1], X.shape[1])
    assert_allclose(model.components_[rank:], 0.0)
    embedded = model.transform(X)[:, :rank]
    assert_allclose(np.cov(embedded, rowvar=False), np.eye(rank), atol=1e-8)
    # On the span, M agrees with the pseudo-inverse of the standardised covariance.
    std = X.std(axis=0, ddof=1)
    R = np.cov(X / std, rowvar=False)
    expected = linalg.pinvh(R) / np.outer(std, std)
    assert_allclose(model.get_mahalanobis_matrix(), expected, rtol=1e-6, atol=1e-8)


def test_all_constant_features_give_zero_components():
    model = Covariance().fit(np.ones((10, 3)))
    assert_allclose(model.components_, np.zeros((3, 3)))


def test_float32_in_float32_out():
    X = _correlated().astype(np.float32)
    model = Covariance().fit(X)
    assert model.components_.dtype == np.float32
    assert model.transform(X).dtype == np.float32
    assert_allclose(np.cov(model.transform(X), rowvar=False), np.eye(4), atol=1e-4)


def test_single_sample_is_rejected():
    with pytest.raises(ValueError, match="1 sample"):
        Covariance().fit(np.ones((1, 3)))


def test_whitening_beats_euclidean_knn_on_badly_scaled_wine():
    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    euclidean = KNeighborsClassifier(5).fit(X_train, y_train).score(X_test, y_test)
    model = Covariance().fit(X_train)
    whitened = (
        KNeighborsClassifier(5)
        .fit(model.transform(X_train), y_train)
        .score(model.transform(X_test), y_test)
    )
    assert euclidean < 0.75
    assert whitened > euclidean + 0.15
