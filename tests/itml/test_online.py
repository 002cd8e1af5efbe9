"""ITML.partial_fit and ITMLSupervised.partial_fit: one chunk is fit, a stream is bounded."""

import pickle

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from mlearn import ITML, ITMLSupervised
from mlearn.constraints import similar_dissimilar_pairs

from ._helpers import noisy_classes


def _relative_gap(A, B):
    return np.linalg.norm(A - B) / np.linalg.norm(B)


def _state_arrays(estimator):
    """Every array-valued attribute the estimator keeps between calls, with its size."""
    return {k: v.shape for k, v in vars(estimator).items() if isinstance(v, np.ndarray)}


@pytest.mark.parametrize("prior", ["identity", "covariance", "random"])
def test_one_chunk_pairs_equals_fit(prior):
    X, y = noisy_classes(seed=0, n=120, n_noise=4)
    pairs, signs = similar_dissimilar_pairs(y, 80, random_state=0)
    batch = ITML(prior=prior, random_state=0, preprocessor=X).fit(pairs, signs)
    online = ITML(prior=prior, random_state=0, preprocessor=X).partial_fit(pairs, signs)
    M = batch.get_mahalanobis_matrix()
    assert _relative_gap(online.get_mahalanobis_matrix(), M) <= 1e-10
    np.testing.assert_array_equal(online.bounds_, batch.bounds_)
    assert online.n_iter_ == batch.n_iter_
    assert online.threshold_ == batch.threshold_
    assert online.n_tuples_seen_ == batch.n_tuples_seen_ == 80


def test_one_chunk_supervised_equals_fit():
    X, y = noisy_classes(seed=1, n=150, n_noise=4)
    batch = ITMLSupervised(n_constraints=60, random_state=3).fit(X, y)
    online = ITMLSupervised(n_constraints=60, random_state=3).partial_fit(X, y)
    M = batch.get_mahalanobis_matrix()
    assert _relative_gap(online.get_mahalanobis_matrix(), M) <= 1e-10
    assert online.n_samples_seen_ == batch.n_samples_seen_ == 150


def test_later_chunk_is_the_chunk_problem_from_the_current_metric():
    # A later call is ITML on the chunk with the current metric as prior and the
    # first call's bounds: its result is that fit's, exactly.
    X, y = noisy_classes(seed=2, n=120, n_noise=3)
    pairs, signs = similar_dissimilar_pairs(y, 120, random_state=2)
    online = ITML(preprocessor=X).partial_fit(pairs[:60], signs[:60])
    M1, bounds = online.get_mahalanobis_matrix(), online.bounds_
    online.partial_fit(pairs[60:], signs[60:])
    direct = ITML(prior=M1, bounds=bounds, preprocessor=X).fit(pairs[60:], signs[60:])
    gap = _relative_gap(online.get_mahalanobis_matrix(), direct.get_mahalanobis_matrix())
    assert gap <= 1e-10
    assert online.n_tuples_seen_ == 120


def test_streamed_metric_approaches_the_batch_one_as_chunks_grow():
    # One pass over the same pairs in k chunks, median over 3 chunk orders, of the
    # median |log| ratio of the streamed to the batch squared distances on the pairs:
    # 0 for one chunk, 0.12 for 2 chunks and 0.27 for 10 here (0.14, 0.35, 0.44 for 2, 5,
    # 10 chunks in benchmarks/itml_online_order.py): the order effect shrinks as the
    # chunks grow towards the batch.
    X, y = noisy_classes(seed=0, n=90, n_noise=3)
    pairs, signs = similar_dissimilar_pairs(y, 60, random_state=0)
    diff = X[pairs[:, 0]] - X[pairs[:, 1]]

    def squared_distances(M):
        return np.einsum("ij,jk,ik->i", diff, M, diff)

    batch = squared_distances(ITML(tol=1e-6, preprocessor=X).fit(pairs, signs)._metric)
    rng, gaps = np.random.default_rng(0), []
    for n_chunks in (1, 2, 10):
        per_order = []
        for _ in range(3):
            online = ITML(tol=1e-6, preprocessor=X)
            for chunk in np.array_split(rng.permutation(len(pairs)), n_chunks):
                online.partial_fit(pairs[chunk], signs[chunk])
            ratio = squared_distances(online._metric) / batch
            per_order.append(np.median(np.abs(np.log(ratio))))
        gaps.append(np.median(per_order))
    assert gaps[0] < 1e-4  # one chunk in another order: the same optimum, up to tol
    assert 0.05 < gaps[1] < gaps[2], gaps


def test_state_between_calls_has_a_fixed_size():
    X, y = noisy_classes(seed=3, n=900, n_noise=5)
    learner = ITMLSupervised(n_constraints=40, random_state=0)
    sizes = []
    for chunk in np.array_split(np.arange(900), 9):
        learner.partial_fit(X[chunk], y[chunk])
        sizes.append(_state_arrays(learner))
    # After the first call nothing grows with the stream: the metric, its factor,
    # the bounds and the classes.
    assert all(s == sizes[1] for s in sizes[1:])
    assert sizes[-1]["_metric"] == (8, 8)
    assert learner.n_samples_seen_ == 900


def test_streamed_metric_beats_euclidean_held_out():
    X, y = noisy_classes(seed=4, n=1200, n_noise=15)
    X_test, y_test = noisy_classes(seed=5, n=400, n_noise=15)
    learner = ITMLSupervised(random_state=0)
    for chunk in np.array_split(np.arange(1200), 6):
        learner.partial_fit(X[chunk], y[chunk])
    euclidean = KNeighborsClassifier(5).fit(X, y).score(X_test, y_test)
    knn = KNeighborsClassifier(5).fit(learner.transform(X), y)
    learned = knn.score(learner.transform(X_test), y_test)
    assert learned >= euclidean + 0.1, (learned, euclidean)


def test_fit_then_partial_fit_continues_and_survives_pickle():
    X, y = noisy_classes(seed=6, n=200, n_noise=3)
    learner = ITMLSupervised(n_constraints=30, random_state=0).fit(X[:100], y[:100])
    restored = pickle.loads(pickle.dumps(learner))
    learner.partial_fit(X[100:], y[100:])
    restored.partial_fit(X[100:], y[100:])
    np.testing.assert_array_equal(learner.components_, restored.components_)
    assert learner.n_samples_seen_ == 200


def test_stream_with_integer_seed_is_reproducible():
    X, y = noisy_classes(seed=7, n=300, n_noise=3)
    runs = []
    for _ in range(2):
        learner = ITMLSupervised(n_constraints=20, random_state=5)
        for chunk in np.array_split(np.arange(300), 3):
            learner.partial_fit(X[chunk], y[chunk])
        runs.append(learner.components_)
    np.testing.assert_array_equal(runs[0], runs[1])


def test_feature_mismatch_is_refused_naming_both_counts():
    X, y = noisy_classes(seed=8, n=120, n_noise=3)
    learner = ITMLSupervised(n_constraints=20, random_state=0).partial_fit(X, y)
    with pytest.raises(ValueError, match="X has 5 features, but ITMLSupervised is expecting 6"):
        learner.partial_fit(X[:, :5], y)
    pairs, signs = similar_dissimilar_pairs(y, 40, random_state=0)
    itml = ITML().partial_fit(X[pairs], signs)
    with pytest.raises(ValueError, match="5 features, but ITML is expecting 6"):
        itml.partial_fit(X[pairs][:, :, :5], signs)


def test_bad_chunks_are_refused_with_the_reason():
    X, y = noisy_classes(seed=9, n=120, n_noise=3)
    pairs, signs = similar_dissimilar_pairs(y, 40, random_state=0)
    itml = ITML().partial_fit(X[pairs], signs)
    before = itml.get_mahalanobis_matrix()
    with pytest.raises(ValueError, match=r"pairs must have 2 elements each \(axis 1\), got 1"):
        itml.partial_fit(X[pairs][:, :1], signs)
    with pytest.raises(ValueError, match="2-D array of shape .* need a preprocessor"):
        itml.partial_fit(X, signs)  # points, not pairs
    with pytest.raises(ValueError, match="-1 \\(dissimilar\\) or \\+1"):
        itml.partial_fit(X[pairs], signs * 2)
    with pytest.raises(ValueError, match="Got 40 pairs but 39 labels"):
        itml.partial_fit(X[pairs], signs[:39])
    np.testing.assert_array_equal(itml.get_mahalanobis_matrix(), before)
    learner = ITMLSupervised(n_constraints=20, random_state=0).partial_fit(X, y)
    with pytest.raises(ValueError, match="class"):
        learner.partial_fit(X[:10], np.zeros(10))


def test_partial_fit_continues_after_persistence_load(tmp_path):
    from mlearn.persistence import load, save

    X, y = noisy_classes(seed=10, n=200, n_noise=3)
    pairs, signs = similar_dissimilar_pairs(y, 80, random_state=0)
    learner = ITML(preprocessor=X).partial_fit(pairs[:40], signs[:40])
    save(learner, tmp_path / "itml.npz")
    restored = load(tmp_path / "itml.npz")
    learner.partial_fit(pairs[40:], signs[40:])
    restored.partial_fit(pairs[40:], signs[40:])
    np.testing.assert_array_equal(learner.components_, restored.components_)
    assert restored.n_tuples_seen_ == 80
