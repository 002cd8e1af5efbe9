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
    # metric-learn's rule: no PCA start with fewer samples than components.
    assert resolve_components_init("auto", 5, 13, n_classes=3, n_samples=5) == "identity"
    assert resolve_components_init("auto", 5, 13, n_classes=3, n_samples=6) == "pca"


@pytest.mark.parametrize("n_components", [None, 2, 5, 13])
def test_lda_start_pads_the_discriminant_axes_with_residual_principal_axes(n_components):
    X, y = _wine()
    L = initial_components("lda", X, y, n_components=n_components)
    k = 13 if n_components is None else n_components
    assert L.shape == (k, 13)
    assert np.linalg.matrix_rank(L) == k
    scalings = LinearDiscriminantAnalysis().fit(X, y).scalings_.T
    r = min(k, 2)
    np.testing.assert_allclose(L[:r], scalings[:r])
    pad = L[r:]
    if k == r:
        return
    # Orthogonal to the discriminant span and to each other, one common scale.
    np.testing.assert_allclose(pad @ L[:r].T, 0, atol=1e-12 * np.abs(L).max() ** 2)
    gram = pad @ pad.T
    np.testing.assert_allclose(gram, gram[0, 0] * np.eye(k - r), atol=1e-10 * gram[0, 0])
    # Mean within-class variance 1, as each discriminant row has.
    centred = X - np.array([X[y == c].mean(axis=0) for c in range(3)])[y]
    within = np.var(centred @ pad.T, axis=0).mean()
    assert within == pytest.approx(1.0, rel=1e-8)
    # The first padding row is the leading principal axis of the residual.
    basis, _ = np.linalg.qr(L[:r].T)
    residual = X - X @ basis @ basis.T
    axis = PCA(n_components=1).fit(residual).components_[0]
    cosine = pad[0] @ axis / np.linalg.norm(pad[0])
    assert abs(cosine) == pytest.approx(1.0, rel=1e-8)


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
    # Beyond n_classes − 1 rows, the padded start equals the in-memory one up to sign
    # (to 1e-3: with unequal classes scikit-learn's SVD solver scales the discriminant
    # rows through prior-weighted deviations, 3e-4 apart from the scatter's on wine).
    for k in (5, 13):
        padded = components_from_scatters("lda", k, counts, sums, scatters)
        in_memory = initial_components("lda", X, y, n_components=k)
        signs = np.sign(np.sum(padded * in_memory, axis=1))[:, None]
        np.testing.assert_allclose(signs * padded, in_memory, rtol=1e-3, atol=1e-6)


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


def test_disparate_scales_are_detected_from_the_spread_of_standard_deviations():
    from mlearn._init import DISPARATE_SCALE_RATIO, disparate_feature_scales

    assert disparate_feature_scales(np.array([1.0, 2.0, 3.0, 0.0])) is None
    std = np.array([1.0, 1.0, 1.0, 1.01 * DISPARATE_SCALE_RATIO, 0.0])
    np.testing.assert_array_equal(disparate_feature_scales(std), [1, 1, 1, std[3], 1])
    assert disparate_feature_scales(np.array([1.0, 1.0, 0.99 * DISPARATE_SCALE_RATIO])) is None
    assert disparate_feature_scales(np.zeros(3)) is None


@pytest.mark.parametrize("n_components", [None, 2, 5])
def test_auto_start_on_features_in_different_units_is_the_start_of_the_standardised_ones(
    n_components,
):
    X, y = _wine()  # proline's spread is 388 times the median feature's
    std = X.std(axis=0)
    L = initial_components("auto", X, y, n_components=n_components)
    name = resolve_components_init("auto", n_components, 13, n_classes=3, n_samples=178)
    on_standardised = initial_components(name, X / std, y, n_components=n_components)
    np.testing.assert_allclose(L, on_standardised / std, rtol=1e-12, atol=1e-15)
    # An explicit name is taken as given, on the raw features.
    np.testing.assert_array_equal(
        initial_components(name, X, y, n_components=n_components),
        initial_components(name, X, y, n_components=n_components),
    )
    if n_components is None:
        np.testing.assert_allclose(L, np.diag(1 / std), rtol=1e-12)


def test_auto_start_of_features_in_shared_units_is_unchanged():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    np.testing.assert_array_equal(initial_components("auto", X, y), np.eye(4))
    np.testing.assert_allclose(
        initial_components("auto", X, y, n_components=2),
        initial_components("lda", X, y, n_components=2),
    )


def test_auto_start_recovers_badly_scaled_features_where_the_identity_does_not():
    from sklearn.model_selection import train_test_split
    from sklearn.neighbors import KNeighborsClassifier

    from mlearn import LMNN, NCA
    from mlearn.datasets import make_badly_scaled

    X, y = make_badly_scaled(n_samples=300, random_state=1)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)

    def held_out(learner):
        learner.fit(Xtr, ytr)
        knn = KNeighborsClassifier(3).fit(learner.transform(Xtr), ytr)
        return knn.score(learner.transform(Xte), yte)

    for Learner in (LMNN, NCA):
        auto, identity = held_out(Learner()), held_out(Learner(init="identity"))
        assert auto >= identity + 0.3, (Learner.__name__, auto, identity)
        assert auto >= 0.9, (Learner.__name__, auto)
