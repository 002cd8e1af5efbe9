"""make_classification_stream: chunks from one distribution, in which a learned metric pays."""

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from mlearn.datasets import make_classification_stream


def test_chunks_have_the_documented_shapes_and_labels():
    chunks = list(make_classification_stream(4, 50, n_informative=3, n_noise=2, random_state=0))
    assert len(chunks) == 4
    for X, y in chunks:
        assert X.shape == (50, 5) and X.dtype == np.float64
        assert y.shape == (50,) and set(np.unique(y)) <= set(range(5))


def test_same_seed_same_stream_and_chunks_differ():
    first = list(make_classification_stream(3, 40, random_state=1))
    again = list(make_classification_stream(3, 40, random_state=1))
    for (X, y), (X2, y2) in zip(first, again, strict=True):
        np.testing.assert_array_equal(X, X2)
        np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(first[0][0], first[1][0])


def test_chunks_share_one_distribution_where_the_informative_features_pay():
    # A classifier trained on chunk 0 scores the same on chunks 1 and 2 (one distribution);
    # kNN on the informative features alone beats kNN on all of them by a wide margin.
    (X0, y0), (X1, y1), (X2, y2) = make_classification_stream(3, 2000, random_state=2)
    on_all = KNeighborsClassifier(5).fit(X0, y0)
    on_informative = KNeighborsClassifier(5).fit(X0[:, :5], y0)
    scores = [on_all.score(X, y) for X, y in ((X1, y1), (X2, y2))]
    assert abs(scores[0] - scores[1]) < 0.05
    informative = on_informative.score(X1[:, :5], y1)
    assert informative > scores[0] + 0.2, (informative, scores)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"n_chunks": 0}, "n_chunks must be an integer >= 1"),
        ({"n_classes": 1}, "n_classes must be an integer >= 2"),
        ({"scale_range": (2.0, 1.0)}, "scale_range"),
    ],
)
def test_bad_parameters_are_refused_when_called(params, message):
    with pytest.raises(ValueError, match=message):
        make_classification_stream(**params)
