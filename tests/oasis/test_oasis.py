"""The OASIS estimators: ranking quality against baselines, sparse input, partial_fit, kNN."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler, normalize

from mlearn import OASIS, OASISSupervised
from mlearn.constraints import random_triplets
from mlearn.metrics import precision_at_k

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _similarity_precision_at_k(S, y_query, y_reference, k):
    """Brute-force P@k of a similarity matrix: the k most similar references per query."""
    top = np.argsort(-S, axis=1, kind="stable")[:, :k]
    return float(np.mean(y_reference[top] == y_query[:, None]))


def _wine_split():
    X, y = load_wine(return_X_y=True)
    X = normalize(StandardScaler().fit_transform(X))
    return train_test_split(X, y, test_size=0.4, random_state=0, stratify=y)


def test_held_out_precision_beats_euclidean_and_cosine():
    X_train, X_test, y_train, y_test = _wine_split()
    model = OASISSupervised(random_state=0).fit(X_train, y_train)
    learned = _similarity_precision_at_k(
        model.pairwise_similarity(X_test, X_train), y_test, y_train, 10
    )
    reference = {"X_reference": X_train, "y_reference": y_train}
    euclidean = precision_at_k(X_test, y_test, 10, **reference)
    cosine = precision_at_k(X_test, y_test, 10, metric="cosine", **reference)
    # The identity start is the dot product; the learned W must rank better than it too.
    dot = _similarity_precision_at_k(X_test @ X_train.T, y_test, y_train, 10)
    assert learned > max(euclidean, cosine, dot) + 0.02, (learned, euclidean, cosine, dot)


def _sparse_points(seed=0, n=80, d=30):
    """Bag-of-words-like counts: two topics, each with its own likely words."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    rates = np.where(np.arange(d)[None, :] % 2 == y[:, None], 0.4, 0.05)
    return normalize(rng.poisson(rates).astype(np.float64)), y


def test_sparse_points_give_the_dense_result():
    X, y = _sparse_points()
    dense = OASISSupervised(random_state=0, max_iter=3).fit(X, y)
    sparse = OASISSupervised(random_state=0, max_iter=3).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.bilinear_matrix_, dense.bilinear_matrix_, atol=1e-12)
    triplets = random_triplets(y, 200, random_state=1)
    on_dense = OASIS(random_state=0, preprocessor=X, max_iter=3).fit(triplets)
    on_csr = OASIS(random_state=0, preprocessor=sp.csr_matrix(X), max_iter=3).fit(triplets)
    np.testing.assert_allclose(on_csr.bilinear_matrix_, on_dense.bilinear_matrix_, atol=1e-12)
    np.testing.assert_allclose(
        on_csr.decision_function(triplets), on_dense.decision_function(triplets), atol=1e-12
    )
    np.testing.assert_allclose(
        sparse.pairwise_similarity(sp.csr_matrix(X[:5]), sp.csr_matrix(X)),
        dense.pairwise_similarity(X[:5], X),
        atol=1e-12,
    )


def test_a_csr_matrix_with_duplicate_entries_is_summed_and_left_unchanged():
    X, y = _sparse_points()
    coo = sp.coo_matrix(X)
    doubled = sp.csr_matrix(
        (np.r_[coo.data / 2, coo.data / 2], (np.r_[coo.row, coo.row], np.r_[coo.col, coo.col])),
        shape=X.shape,
    )
    doubled.has_canonical_format = False  # as scipy leaves a matrix built from duplicates
    before = doubled.data.copy()
    model = OASISSupervised(random_state=0, max_iter=2).fit(doubled, y)
    expected = OASISSupervised(random_state=0, max_iter=2).fit(X, y)
    np.testing.assert_allclose(model.bilinear_matrix_, expected.bilinear_matrix_, atol=1e-12)
    np.testing.assert_array_equal(doubled.data, before)


def test_one_partial_fit_call_equals_fit():
    X, y = _wine_split()[::2]
    triplets = random_triplets(y, 300, random_state=0)
    fitted = OASIS(random_state=0, preprocessor=X).fit(triplets)
    online = OASIS(random_state=0, preprocessor=X).partial_fit(triplets)
    # The same passes in the same order; the hinge evaluations between passes go through
    # BLAS, whose threaded products may round differently from call to call (1e-15).
    np.testing.assert_allclose(online.bilinear_matrix_, fitted.bilinear_matrix_, rtol=1e-12)
    supervised = OASISSupervised(random_state=0).fit(X, y)
    supervised_online = OASISSupervised(random_state=0).partial_fit(X, y)
    np.testing.assert_allclose(
        supervised_online.bilinear_matrix_, supervised.bilinear_matrix_, rtol=1e-12
    )


def test_partial_fit_continues_from_the_current_w_and_counts_the_stream():
    X, y = _wine_split()[::2]
    triplets = random_triplets(y, 300, random_state=0)
    model = OASIS(random_state=0, preprocessor=X, max_iter=2)
    model.partial_fit(triplets[:150])
    after_first = model.bilinear_matrix_.copy()
    model.partial_fit(triplets[150:])
    # The second call is the fit of its chunk started from the first call's W.
    expected = OASIS(random_state=0, preprocessor=X, max_iter=2, init=after_first)
    expected.fit(triplets[150:])
    np.testing.assert_array_equal(model.bilinear_matrix_, expected.bilinear_matrix_)
    assert model.n_tuples_seen_ == 300 and expected.n_tuples_seen_ == 150
    with pytest.raises(ValueError, match="3 features.*expecting 13"):
        model.partial_fit(np.ones((4, 3, 3)))
    supervised = OASISSupervised(random_state=0).partial_fit(X[:40], y[:40])
    with pytest.raises(ValueError, match="5 features.*expecting 13"):
        supervised.partial_fit(X[40:, :5], y[40:])


def test_knn_routes_agree_with_ranking_by_the_similarity():
    X_train, X_test, y_train, y_test = _wine_split()
    model = OASISSupervised(random_state=0, max_iter=3).fit(X_train, y_train)
    precomputed = KNeighborsClassifier(5, metric="precomputed")
    precomputed.fit(model.pairwise_dissimilarity(X_train), y_train)
    by_dissimilarity = precomputed.predict(model.pairwise_dissimilarity(X_test, X_train))
    callable_knn = KNeighborsClassifier(
        5, metric=model.get_similarity(negated=True), algorithm="brute"
    ).fit(X_train, y_train)
    np.testing.assert_array_equal(callable_knn.predict(X_test), by_dissimilarity)
    S = model.pairwise_similarity(X_test, X_train)
    top = np.argsort(-S, axis=1, kind="stable")[:, :5]
    votes = np.array([np.bincount(y_train[row], minlength=3).argmax() for row in top])
    np.testing.assert_array_equal(by_dissimilarity, votes)
    assert np.all(model.pairwise_dissimilarity(X_test, X_train) >= 0)


def test_similarity_methods_are_x_w_x_prime():
    X, y = _wine_split()[::2]
    W0 = np.random.default_rng(0).normal(size=(13, 13))
    model = OASISSupervised(init=W0, max_iter=1, random_state=0).fit(X, y)
    W = model.get_bilinear_matrix()
    assert not np.allclose(W, W.T)  # no symmetry imposed
    pairs = np.stack([X[:6], X[6:12]], axis=1)
    np.testing.assert_allclose(
        model.pair_similarity(pairs), np.einsum("ij,jk,ik->i", X[:6], W, X[6:12]), rtol=1e-12
    )
    assert model.get_similarity()(X[0], X[1]) == pytest.approx(X[0] @ W @ X[1], rel=1e-12)
    np.testing.assert_allclose(model.pairwise_similarity(X[:4], X), X[:4] @ W @ X.T, rtol=1e-12)
    triplets = np.stack([X[:6], X[6:12], X[12:18]], axis=1)
    tuples = OASIS(max_iter=1).fit(triplets)
    V = tuples.get_bilinear_matrix()
    margins = np.einsum("ij,jk,ik->i", X[:6], V, X[6:12] - X[12:18])
    np.testing.assert_allclose(tuples.decision_function(triplets), margins, rtol=1e-12)
    assert tuples.score(triplets) == np.mean(margins > 0)
    assert not hasattr(model, "components_") and not hasattr(model, "transform")


def test_init_of_the_wrong_shape_is_refused():
    X, y = _wine_split()[::2]
    with pytest.raises(ValueError, match=r"init must have shape \(13, 13\)"):
        OASISSupervised(init=np.eye(3)).fit(X, y)


def test_init_with_nan_is_refused_and_an_unknown_name_is_refused_by_the_constraints():
    X, y = _wine_split()[::2]
    bad = np.eye(13)
    bad[2, 3] = np.nan
    with pytest.raises(ValueError, match="finite"):
        OASISSupervised(init=bad).fit(X, y)
    with pytest.raises(ValueError, match="init"):
        OASISSupervised(init="pca").fit(X, y)


def test_sparse_preprocessor_takes_index_triplets_only():
    X, y = _sparse_points()
    model = OASIS(preprocessor=sp.csr_matrix(X), max_iter=1)
    with pytest.raises(ValueError, match="sparse preprocessor must be a 2-D array of integer"):
        model.fit(np.zeros((3, 3, 30)))
    with pytest.raises(ValueError, match="out of range"):
        model.fit(np.array([[0, 1, 80]]))
    model.fit(random_triplets(y, 50, random_state=0))
    W = model.get_bilinear_matrix()
    np.testing.assert_allclose(model.pairwise_similarity(sp.csr_matrix(X[:3])), X[:3] @ W @ X[:3].T)
