"""The blocked ranking equals a brute-force loop, ties and self-matches included."""

import numpy as np
import pytest
from sklearn import config_context

from mlearn.metrics import retrieval_scores
from mlearn.metrics._ranking import _nearest_in_order

from ._reference import reference_scores

KS = (1, 3, 10)


def _assert_scores_equal(scores, expected):
    assert scores.keys() == expected.keys()
    for name, value in expected.items():
        assert scores[name] == pytest.approx(value, abs=1e-12, rel=0), name


def _labelled_cloud(seed, n=120, d=5, n_classes=4):
    rng = np.random.default_rng(seed)
    y = rng.integers(n_classes, size=n)
    return rng.normal(size=(n, d)) + 0.8 * y[:, None], y


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("seed", [0, 1])
def test_scores_match_brute_force_when_each_point_queries_the_rest(metric, seed):
    X, y = _labelled_cloud(seed)
    scores = retrieval_scores(X, y, metric=metric, k=KS)
    _assert_scores_equal(scores, reference_scores(X, y, metric=metric, ks=KS))


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_scores_match_brute_force_for_queries_against_a_reference_set(metric):
    X, y = _labelled_cloud(2, n=60)
    X_ref, y_ref = _labelled_cloud(3, n=90)
    scores = retrieval_scores(X, y, X_reference=X_ref, y_reference=y_ref, metric=metric, k=KS)
    expected = reference_scores(X, y, X_ref, y_ref, metric=metric, ks=KS)
    _assert_scores_equal(scores, expected)


def _tied_points(metric, seed=4, n=150):
    """Points whose distances tie exactly, under either way of computing them.

    Euclidean: integers on a small grid (every sum is exact). Cosine: copies of a few random
    directions, so the only ties are between copies, which are bit-identical; distinct
    parallel vectors (x and 2x) would tie in exact arithmetic only.
    """
    rng = np.random.default_rng(seed)
    if metric == "euclidean":
        X = rng.integers(-2, 3, size=(n, 3)).astype(float)
    else:
        X = rng.normal(size=(8, 3))[rng.integers(8, size=n)]
    return X, rng.integers(3, size=n)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_ties_are_broken_by_reference_row_as_the_brute_force_breaks_them(metric):
    X, y = _tied_points(metric)
    for X_ref, y_ref in [(None, None), (X[::-1][:100], y[::-1][:100])]:
        scores = retrieval_scores(X, y, X_reference=X_ref, y_reference=y_ref, metric=metric, k=KS)
        _assert_scores_equal(scores, reference_scores(X, y, X_ref, y_ref, metric, KS))


def test_equal_distances_rank_the_earlier_reference_first():
    # Both references are at distance 1 from the query: the first row is its neighbour.
    query, references = [[0.0]], [[1.0], [-1.0]]
    wrong_first = retrieval_scores(query, [0], X_reference=references, y_reference=[1, 0])
    right_first = retrieval_scores(query, [0], X_reference=references, y_reference=[0, 1])
    assert wrong_first["precision_at_1"] == 0.0 and wrong_first["map_at_r"] == 0.0
    assert right_first["precision_at_1"] == 1.0 and right_first["map_at_r"] == 1.0


def test_the_query_is_left_out_but_its_duplicates_are_not():
    # Point 0 and its duplicate 1 share a label; 2 is far away with the other label.
    X, y = [[0.0], [0.0], [5.0], [5.0]], [0, 0, 1, 1]
    assert retrieval_scores(X, y)["map_at_r"] == 1.0
    # As a separate reference set, the query's own copy counts as a relevant reference.
    scores = retrieval_scores(X, y, X_reference=X, y_reference=y, k=2)
    assert scores["precision_at_2"] == 1.0 and scores["r_precision"] == 1.0


def test_a_small_working_memory_gives_the_same_scores_in_many_blocks():
    X, y = _labelled_cloud(5, n=400, d=8)
    whole = retrieval_scores(X, y, k=KS)
    with config_context(working_memory=0.05):
        blocked = retrieval_scores(X, y, k=KS)
    _assert_scores_equal(blocked, whole)


@pytest.mark.parametrize("depth", [1, 5, 29, 30])
def test_nearest_in_order_is_a_stable_sort_of_each_row_cut_at_depth(depth):
    keys = np.random.default_rng(6).integers(0, 4, size=(50, 30)).astype(float)
    expected = np.argsort(keys, axis=1, kind="stable")[:, :depth]
    np.testing.assert_array_equal(_nearest_in_order(keys, depth), expected)


def test_queries_without_a_relevant_reference_are_left_out():
    # The lone point of class 2 has no relevant reference: the means are over the others.
    X, y = [[0.0], [0.1], [1.0], [1.1], [9.0]], [0, 0, 1, 1, 2]
    assert retrieval_scores(X, y)["precision_at_1"] == 1.0
    with pytest.raises(ValueError, match="No query has a relevant reference"):
        retrieval_scores([[0.0], [1.0]], [0, 1])


def test_float32_and_string_labels_give_the_float64_integer_scores():
    X, y = _labelled_cloud(7, n=80)
    names = np.array(["ant", "bee", "cat", "dog"])[y]
    scores = retrieval_scores(X.astype(np.float32), names, k=KS)
    _assert_scores_equal(scores, retrieval_scores(X.astype(np.float32).astype(float), y, k=KS))


def test_bad_arguments_name_the_problem():
    X, y = _labelled_cloud(8, n=20)
    with pytest.raises(ValueError, match="k=20 but each query has only 19"):
        retrieval_scores(X, y, k=20)
    with pytest.raises(ValueError, match="given together"):
        retrieval_scores(X, y, X_reference=X)
    with pytest.raises(ValueError, match="X has 5 features but X_reference has 2"):
        retrieval_scores(X, y, X_reference=X[:, :2], y_reference=y)
    with pytest.raises(ValueError, match="NaN"):
        retrieval_scores(np.full((3, 2), np.nan), [0, 0, 1])
