"""The LFDA estimator: accuracy against Euclidean, multimodal classes, dtypes and inputs."""

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from mlearn import LFDA

from ._helpers import multimodal_classes


def _knn_accuracy(*steps, X, y):
    model = make_pipeline(MinMaxScaler(), *steps, KNeighborsClassifier(3))
    return cross_val_score(model, X, y, cv=5).mean()


def test_knn_on_wine_beats_euclidean():
    X, y = load_wine(return_X_y=True)
    euclidean = _knn_accuracy(X=X, y=y)
    lfda = _knn_accuracy(LFDA(), X=X, y=y)
    assert lfda >= euclidean + 0.01, (lfda, euclidean)  # 0.978 against 0.955


def test_one_direction_separates_multimodal_classes_where_fisher_fails():
    # Each class is two clusters: LDA's direction mixes them, LFDA's keeps them apart.
    X, y = multimodal_classes(n=200, seed=3)
    lfda = _knn_accuracy(LFDA(n_components=1), X=X, y=y)
    lda = _knn_accuracy(LinearDiscriminantAnalysis(n_components=1), X=X, y=y)
    assert lfda >= 0.95 and lda <= 0.7, (lfda, lda)  # 1.0 against 0.555


def test_transform_is_x_times_components_and_float32_stays_float32():
    X, y = multimodal_classes(n=60)
    model = LFDA(n_components=2).fit(X.astype(np.float32), y)
    assert model.components_.dtype == np.float32 and model.components_.shape == (2, 3)
    Z = model.transform(X.astype(np.float32))
    assert Z.dtype == np.float32
    np.testing.assert_allclose(Z, X @ model.components_.T, rtol=1e-4, atol=1e-4)
    M64 = LFDA(n_components=2).fit(X, y).get_mahalanobis_matrix()
    np.testing.assert_allclose(
        model.get_mahalanobis_matrix(), M64, rtol=1e-3, atol=1e-4 * np.abs(M64).max()
    )


@pytest.mark.parametrize("embedding_type", ["weighted", "orthonormalized", "plain"])
def test_components_have_n_components_rows(embedding_type):
    X, y = multimodal_classes(n=40)
    for n_components in (None, 1, 3):
        model = LFDA(n_components=n_components, embedding_type=embedding_type).fit(X, y)
        assert model.components_.shape == (n_components or 3, 3)
        assert model.eigenvalues_.shape == (n_components or 3,)


def test_orthonormalized_rows_are_orthonormal():
    X, y = multimodal_classes(n=40)
    L = LFDA(n_components=2, embedding_type="orthonormalized").fit(X, y).components_
    np.testing.assert_allclose(L @ L.T, np.eye(2), atol=1e-12)


def test_preprocessor_takes_indices_or_a_callable():
    X, y = multimodal_classes(n=40)
    direct = LFDA(n_components=2).fit(X, y).components_
    indexed = LFDA(n_components=2, preprocessor=X).fit(np.arange(40), y).components_
    called = LFDA(n_components=2, preprocessor=lambda keys: X[keys]).fit(np.arange(40), y)
    np.testing.assert_array_equal(indexed, direct)
    np.testing.assert_array_equal(called.components_, direct)
    with pytest.raises(ValueError, match="out of range"):
        LFDA(preprocessor=X).fit(np.arange(1, 41), y)


def test_a_dask_array_is_refused_with_the_reason():
    da = pytest.importorskip("dask.array")
    X, y = multimodal_classes(n=40)
    with pytest.raises(ValueError, match="neighbourhoods.*in memory"):
        LFDA().fit(da.from_array(X, chunks=10), y)
