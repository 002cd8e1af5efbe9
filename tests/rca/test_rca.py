"""RCA and RCASupervised: the within-chunk covariance, accuracy, chunks and inputs."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from mlearn import RCA, RCASupervised
from mlearn.base import chunks_of_indices
from mlearn.constraints import chunks_from_labels

from ._helpers import brute_force_within_covariance, chunked_points


def test_transformed_data_has_identity_within_chunk_covariance():
    X, _, chunks = chunked_points()
    rca = RCA().fit(X, chunks)
    C_embedded = brute_force_within_covariance(rca.transform(X), chunks)
    np.testing.assert_allclose(C_embedded, np.eye(4), atol=1e-10)
    M_ref = np.linalg.inv(brute_force_within_covariance(X, chunks))
    M = rca.get_mahalanobis_matrix()
    assert np.linalg.norm(M - M_ref) <= 1e-4 * np.linalg.norm(M_ref)
    assert rca.n_chunks_ == len(np.unique(chunks[chunks >= 0]))


def test_chunk_labels_need_not_be_contiguous():
    X, _, chunks = chunked_points()
    relabelled = np.where(chunks >= 0, 10 * chunks + 5, -1)
    np.testing.assert_array_equal(
        RCA().fit(X, relabelled).components_, RCA().fit(X, chunks).components_
    )


def test_supervised_fit_is_rca_on_the_chunks_drawn_from_the_labels():
    X, y, _ = chunked_points(seed=3)
    drawn = chunks_from_labels(y, 20, 3, random_state=7)
    supervised = RCASupervised(n_chunks=20, chunk_size=3, random_state=7).fit(X, y)
    direct = RCA().fit(X, chunks_of_indices(drawn, len(y)))
    np.testing.assert_array_equal(supervised.components_, direct.components_)


def test_knn_on_wine_beats_euclidean():
    X, y = load_wine(return_X_y=True)

    def accuracy(*steps):
        model = make_pipeline(MinMaxScaler(), *steps, KNeighborsClassifier(3))
        return cross_val_score(model, X, y, cv=5).mean()

    euclidean, rca = accuracy(), accuracy(RCASupervised(n_chunks=50, random_state=0))
    assert rca >= euclidean + 0.01, (rca, euclidean)  # 0.978 against 0.955


def test_float32_stays_float32():
    X, _, chunks = chunked_points()
    rca = RCA(n_components=2).fit(X.astype(np.float32), chunks)
    assert rca.components_.dtype == np.float32 and rca.components_.shape == (2, 4)
    assert rca.transform(X.astype(np.float32)).dtype == np.float32
    M64 = RCA(n_components=2).fit(X, chunks).get_mahalanobis_matrix()
    np.testing.assert_allclose(
        rca.get_mahalanobis_matrix(), M64, rtol=1e-3, atol=1e-5 * np.abs(M64).max()
    )


def test_too_few_chunks_warn_and_still_whiten_what_they_span():
    X, y, _ = chunked_points(d=4)
    with pytest.warns(UserWarning, match="rank 2 < 4"):
        rca = RCASupervised(n_chunks=2, chunk_size=2, random_state=0).fit(X, y)
    assert np.all(np.isfinite(rca.components_)) and rca.components_.shape == (4, 4)


@pytest.mark.parametrize(
    "chunks, match",
    [
        (np.arange(90), "No chunk has two samples"),
        (np.full(90, -1), "No chunk has two samples"),
        (np.full(90, -2), "−1 \\(no chunk\\) or ≥ 0"),
        (np.full(90, 0.5), "integer labels"),
        (np.zeros(89, dtype=int), "inconsistent numbers of samples"),
    ],
)
def test_bad_chunks_are_rejected_with_the_reason(chunks, match):
    X, _, _ = chunked_points()
    with pytest.raises(ValueError, match=match):
        RCA().fit(X, chunks)


def test_chunks_of_identical_points_are_rejected():
    X = np.repeat(np.arange(8.0).reshape(4, 2), 2, axis=0)
    with pytest.raises(ValueError, match="no within-chunk variance"):
        RCA().fit(X, np.arange(8) // 2)


def test_preprocessor_takes_indices():
    X, y, chunks = chunked_points()
    direct = RCA().fit(X, chunks).components_
    np.testing.assert_array_equal(
        RCA(preprocessor=X).fit(np.arange(90), chunks).components_, direct
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        supervised = RCASupervised(n_chunks=20, random_state=0, preprocessor=X)
        supervised.fit(np.arange(90), y)
    np.testing.assert_array_equal(
        supervised.components_, RCASupervised(n_chunks=20, random_state=0).fit(X, y).components_
    )
