"""MultiMetricLMNN: one metric is LMNN, its neighbours against brute force, and the win
over one global metric where the discriminative directions differ by region."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from mlearn import LMNN, MultiMetricLMNN
from mlearn.datasets import make_regional_directions

from ._helpers import knn_accuracy


def _regional(seed, n=300):
    X, y = make_regional_directions(n, random_state=seed)
    return train_test_split(X, y, test_size=0.5, random_state=seed, stratify=y)


@pytest.fixture(scope="module")
def fitted_model():
    X_train, X_test, y_train, y_test = _regional(0, n=240)
    model = MultiMetricLMNN(n_metrics=3, random_state=0).fit(X_train, y_train)
    return model, X_train, X_test


def _brute_force_distances(model, Q, P, clusters):
    """d(q, p)² = (q − p)ᵀ M_g(p) (q − p), pair by pair."""
    Ms = model.get_mahalanobis_matrices()
    return np.array(
        [[(q - p) @ Ms[c] @ (q - p) for p, c in zip(P, clusters, strict=True)] for q in Q]
    )


@pytest.mark.parametrize("hinge", ["hinge", "squared_hinge"])
def test_one_metric_is_lmnn(hinge):
    X_train, _, y_train, _ = _regional(1)
    # Every shared parameter given, so that the comparison does not rest on equal defaults.
    shared = dict(init="pca", push_weight=0.5, max_impostors=500_000, max_iter=1000, tol=1e-4)
    # MultiMetricLMNN selects its target neighbours once: LMNN's single pass.
    lmnn = LMNN(hinge=hinge, n_passes=1, random_state=0, **shared).fit(X_train, y_train)
    multi = MultiMetricLMNN(n_metrics=1, hinge=hinge, random_state=0, **shared)
    multi.fit(X_train, y_train)
    # The same pairs, distances, weights and gradients in the same order: the same iterates.
    np.testing.assert_array_equal(multi.components_[0], lmnn.components_)
    assert multi.n_iter_ == lmnn.n_iter_ and multi.n_searches_ == lmnn.n_searches_


def test_pairwise_distances_match_brute_force_with_each_points_metric(fitted_model):
    model, X_train, X_test = fitted_model
    assert not np.allclose(*model.get_mahalanobis_matrices()[:2])  # the metrics differ
    D = model.pairwise_distances(X_test[:20])
    expected = _brute_force_distances(model, X_test[:20], X_train, model.labels_)
    np.testing.assert_allclose(D**2, expected, rtol=1e-8, atol=1e-8)
    Y = X_test[20:35]
    expected = _brute_force_distances(model, X_test[:20], Y, model.assign_clusters(Y))
    np.testing.assert_allclose(model.pairwise_distances(X_test[:20], Y) ** 2, expected, rtol=1e-8)


def test_distances_in_small_blocks_are_the_same(fitted_model):
    import sklearn

    model, _, X_test = fitted_model
    whole, neighbors = model.pairwise_distances(X_test), model.kneighbors(X_test)[1]
    with sklearn.config_context(working_memory=0.02):  # blocks of 7 rows
        np.testing.assert_allclose(model.pairwise_distances(X_test), whole, rtol=1e-12)
        np.testing.assert_array_equal(model.kneighbors(X_test)[1], neighbors)


def test_kneighbors_match_brute_force_and_exclude_the_query_itself(fitted_model):
    model, X_train, X_test = fitted_model
    dist, ind = model.kneighbors(X_test, n_neighbors=4)
    D = _brute_force_distances(model, X_test, X_train, model.labels_)
    np.testing.assert_array_equal(ind, np.argsort(D, axis=1, kind="stable")[:, :4])
    np.testing.assert_allclose(dist**2, np.sort(D, axis=1)[:, :4], rtol=1e-8, atol=1e-8)
    dist, ind = model.kneighbors()
    D = _brute_force_distances(model, X_train, X_train, model.labels_)
    np.fill_diagonal(D, np.inf)
    np.testing.assert_array_equal(ind, np.argsort(D, axis=1, kind="stable")[:, :3])
    assert model.kneighbors(X_test, return_distance=False).shape == (X_test.shape[0], 3)
    with pytest.raises(ValueError, match="n_neighbors"):
        model.kneighbors(n_neighbors=X_train.shape[0])


def test_predict_is_scikit_learns_precomputed_knn(fitted_model):
    model, X_train, X_test = fitted_model
    knn = KNeighborsClassifier(3, metric="precomputed")
    knn.fit(model.pairwise_distances(X_train), model.classes_[model.fit_y_])
    np.testing.assert_array_equal(
        model.predict(X_test), knn.predict(model.pairwise_distances(X_test))
    )


def test_held_out_accuracy_beats_lmnn_where_directions_differ_by_region():
    wins, multi_scores, lmnn_scores = 0, [], []
    for seed in range(3):
        X_train, X_test, y_train, y_test = _regional(10 + seed)
        lmnn = LMNN(random_state=0).fit(X_train, y_train)
        lmnn_scores.append(
            knn_accuracy(lmnn.transform(X_train), lmnn.transform(X_test), y_train, y_test)
        )
        multi = MultiMetricLMNN(n_metrics=3, random_state=0).fit(X_train, y_train)
        multi_scores.append(multi.score(X_test, y_test))
        wins += multi_scores[-1] > lmnn_scores[-1]
    assert wins == 3, (multi_scores, lmnn_scores)
    assert np.mean(multi_scores) > np.mean(lmnn_scores) + 0.05, (multi_scores, lmnn_scores)


def test_clusters_by_class_and_assignment_of_new_points():
    X_train, X_test, y_train, _ = _regional(2)
    by_class = MultiMetricLMNN(clustering="classes", random_state=0).fit(X_train, y_train)
    np.testing.assert_array_equal(by_class.labels_, y_train)
    assert by_class.n_metrics_ == 2 and by_class.components_.shape == (2, 6, 6)
    np.testing.assert_array_equal(by_class.assign_clusters(X_test), by_class.predict(X_test))
    by_region = MultiMetricLMNN(n_metrics=3, random_state=0).fit(X_train, y_train)
    centres = by_region.cluster_centers_
    nearest = np.argmin(((X_test[:, None] - centres[None]) ** 2).sum(axis=2), axis=1)
    np.testing.assert_array_equal(by_region.assign_clusters(X_test), nearest)
    # The three regions lie 40 apart on the last feature: k-means finds them.
    assert np.unique(np.round(centres[:, -1] / 40)).tolist() == [0.0, 1.0, 2.0]


def test_float32_stays_float32_and_init_arrays_are_checked():
    X_train, X_test, y_train, _ = _regional(3)
    model = MultiMetricLMNN(random_state=0).fit(X_train.astype(np.float32), y_train)
    assert model.components_.dtype == np.float32
    assert model.pairwise_distances(X_test.astype(np.float32)).dtype == np.float32
    start = np.stack([np.eye(6), 2 * np.eye(6)])
    model = MultiMetricLMNN(n_metrics=2, init=start, max_iter=1, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X_train, y_train)
    assert model.n_iter_ == 1 and not np.allclose(model.components_[0], model.components_[1])
    with pytest.raises(ValueError, match="n_metrics, n_components, n_features"):
        MultiMetricLMNN(n_metrics=3, init=start).fit(X_train, y_train)
    with pytest.raises(ValueError, match="n_metrics=500"):
        MultiMetricLMNN(n_metrics=500).fit(X_train, y_train)


def test_score_is_the_knn_accuracy_of_predict_with_weights():
    X_train, X_test, y_train, y_test = _regional(0, n=240)
    model = MultiMetricLMNN(n_metrics=3, random_state=0).fit(X_train, y_train)
    correct = model.predict(X_test) == y_test
    assert model.score(X_test, y_test) == pytest.approx(correct.mean())
    weights = np.linspace(1.0, 2.0, y_test.shape[0])
    expected = (weights * correct).sum() / weights.sum()
    assert model.score(X_test, y_test, sample_weight=weights) == pytest.approx(expected)
