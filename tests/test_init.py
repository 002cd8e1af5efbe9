"""The starting points of the iterative learners: one meaning per name of ``init``."""

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

from mlearn import Covariance
from mlearn._init import (
    components_from_scatters,
    initial_components,
    initial_metric,
    resolve_components_init,
)


def _wine():
    X, y = load_wine(return_X_y=True)
    return X, y


def test_auto_picks_lda_then_pca_then_identity():
    assert resolve_components_init("auto", 2, 13, n_classes=3) == "lda"
    assert resolve_components_init("auto", 5, 13, n_classes=3) == "pca"
    assert resolve_components_init("auto", None, 13, n_classes=3) == "identity"
    assert resolve_components_init("auto", 2, 13) == "pca"


def test_components_match_scikit_learn_pca_and_lda():
    X, y = _wine()
    np.testing.assert_allclose(
        initial_components("pca", X, y, n_components=3, random_state=0),
        PCA(n_components=3, random_state=0).fit(X).components_,
    )
    lda = LinearDiscriminantAnalysis(n_components=2).fit(X, y)
    np.testing.assert_allclose(
        initial_components("auto", X, y, n_components=2), lda.scalings_.T[:2]
    )


def test_identity_random_and_covariance_components():
    X, y = _wine()
    np.testing.assert_array_equal(initial_components("identity", X, n_components=4), np.eye(4, 13))
    L = initial_components("random", X, n_components=4, random_state=7)
    np.testing.assert_array_equal(L, np.random.RandomState(7).standard_normal((4, 13)))
    L = initial_components("covariance", X, n_components=13)
    M = Covariance().fit(X).get_mahalanobis_matrix()
    np.testing.assert_allclose(L.T @ L, M, rtol=1e-8, atol=1e-10 * np.abs(M).max())


def test_an_array_is_checked_and_copied():
    X, _ = _wine()
    L0 = np.ones((2, 13))
    L = initial_components(L0, X, n_components=2)
    L[0, 0] = 5.0
    assert L0[0, 0] == 1.0
    with pytest.raises(ValueError, match="init must have shape"):
        initial_components(np.ones((2, 5)), X)
    with pytest.raises(ValueError, match="init has 2 rows but n_components=3"):
        initial_components(L0, X, n_components=3)
    with pytest.raises(ValueError, match="NaN or infinity"):
        initial_components(np.full((2, 13), np.nan), X)
    with pytest.raises(ValueError, match="must not exceed"):
        initial_components("pca", X, n_components=14)


def test_scatter_axes_equal_the_in_memory_axes():
    X, y = _wine()
    counts = np.bincount(y).astype(float)
    sums = np.array([X[y == c].sum(axis=0) for c in range(3)])

    def scatters(mean, class_means):
        total, within = X - mean, X - class_means[y]
        return total.T @ total, within.T @ within

    pca = components_from_scatters("pca", 3, counts, sums, scatters)
    reference = PCA(n_components=3).fit(X).components_
    # Axes agree up to sign.
    np.testing.assert_allclose(np.abs(np.sum(pca * reference, axis=1)), 1.0, rtol=1e-8)
    lda = components_from_scatters("lda", 2, counts, sums, scatters)
    scalings = LinearDiscriminantAnalysis(n_components=2).fit(X, y).scalings_[:, :2]
    # Each generalised eigenvector is parallel to scikit-learn's scaling.
    cosine = np.sum(lda.T * scalings, axis=0) / (
        np.linalg.norm(lda, axis=1) * np.linalg.norm(scalings, axis=0)
    )
    np.testing.assert_allclose(np.abs(cosine), 1.0, rtol=1e-6)


def test_metric_names_have_one_meaning():
    X, _ = _wine()
    np.testing.assert_array_equal(initial_metric("identity", 3), np.eye(3))
    A = np.random.RandomState(3).normal(size=(5, 5))
    np.testing.assert_allclose(initial_metric("random", 5, random_state=3), A.T @ A / 5)
    M = Covariance().fit(X).get_mahalanobis_matrix()
    np.testing.assert_allclose(initial_metric("covariance", 13, inverse_covariance=lambda: M), M)
    with pytest.raises(ValueError, match=r"prior must have shape \(3, 3\)"):
        initial_metric(np.eye(2), 3, name="prior")
    with pytest.raises(ValueError, match="init is not positive semidefinite"):
        initial_metric(-np.eye(3), 3)
