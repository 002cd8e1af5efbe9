"""Each single score is its entry of retrieval_scores and its definition on hand-made cases."""

import numpy as np
import pytest

from mlearn.metrics import map_at_r, precision_at_k, r_precision, recall_at_k, retrieval_scores

# Query 0 (label 0) ranks, nearest first: 1 (label 0), 2 (label 1), 3 (label 0), 4 (label 0).
LINE = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]])
QUERY, QUERY_LABEL = LINE[:1], [0]
REFERENCES, REFERENCE_LABELS = LINE[1:], [0, 1, 0, 0]


def test_hand_made_ranking_has_the_scores_of_its_definition():
    # rel = [1, 0, 1, 1], R = 3.
    kwargs = {"X_reference": REFERENCES, "y_reference": REFERENCE_LABELS}
    assert precision_at_k(QUERY, QUERY_LABEL, 1, **kwargs) == 1.0
    assert precision_at_k(QUERY, QUERY_LABEL, 2, **kwargs) == 0.5
    assert recall_at_k(QUERY, QUERY_LABEL, 1, **kwargs) == 1.0
    assert r_precision(QUERY, QUERY_LABEL, **kwargs) == pytest.approx(2 / 3, abs=1e-15)
    # (1/R) (P@1 + P@3) over the relevant ranks within R: (1 + 2/3) / 3.
    assert map_at_r(QUERY, QUERY_LABEL, **kwargs) == pytest.approx(5 / 9, abs=1e-15)


def test_map_at_r_is_below_r_precision_when_the_relevant_ones_come_late():
    # Same R-precision (2/3), but the miss first: MAP@R = (1/2 + 2/3) / 3.
    kwargs = {"X_reference": REFERENCES, "y_reference": [1, 0, 0, 0]}
    assert r_precision(QUERY, QUERY_LABEL, **kwargs) == pytest.approx(2 / 3, abs=1e-15)
    assert map_at_r(QUERY, QUERY_LABEL, **kwargs) == pytest.approx(7 / 18, abs=1e-15)
    assert recall_at_k(QUERY, QUERY_LABEL, 1, **kwargs) == 0.0
    assert recall_at_k(QUERY, QUERY_LABEL, 2, **kwargs) == 1.0


def test_separated_classes_score_one_everywhere():
    X = np.concatenate([np.zeros((5, 2)), np.full((5, 2), 10.0)]) + np.arange(10)[:, None] * 0.01
    y = np.repeat([0, 1], 5)
    assert map_at_r(X, y) == r_precision(X, y) == precision_at_k(X, y, 4) == 1.0


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_single_scores_are_the_entries_of_retrieval_scores(metric):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 4)), rng.integers(3, size=60)
    scores = retrieval_scores(X, y, metric=metric, k=(1, 5))
    assert map_at_r(X, y, metric=metric) == scores["map_at_r"]
    assert r_precision(X, y, metric=metric) == scores["r_precision"]
    assert precision_at_k(X, y, 5, metric=metric) == scores["precision_at_5"]
    assert recall_at_k(X, y, 5, metric=metric) == scores["recall_at_5"]
    assert recall_at_k(X, y, 1, metric=metric) == precision_at_k(X, y, 1, metric=metric)


def test_cosine_ranks_by_angle_and_euclidean_by_length():
    # The reference along the query's direction is far in length; the other is near.
    X_ref, y_ref = [[10.0, 0.0], [0.5, 0.6]], [0, 1]
    assert precision_at_k([[1.0, 0.0]], [0], X_reference=X_ref, y_reference=y_ref) == 0.0
    cosine = precision_at_k(
        [[1.0, 0.0]], [0], X_reference=X_ref, y_reference=y_ref, metric="cosine"
    )
    assert cosine == 1.0
