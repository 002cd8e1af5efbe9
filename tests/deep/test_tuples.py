"""mlearn.deep._tuples: conversions between triplets and pairs, and the shape checks."""

import pytest

torch = pytest.importorskip("torch")

from mlearn.deep._tuples import as_pairs, as_triplets, check_tuples  # noqa: E402

from ._helpers import ids  # noqa: E402
from ._reference import as_set, negative_pairs, positive_pairs, triplets  # noqa: E402

LABELS = [0, 0, 1, 1, 1]


def test_no_tuple_means_every_pair_and_every_triplet():
    labels = ids(LABELS)
    a1, p, a2, n = as_pairs(None, labels)
    assert as_set((a1, p)) == set(positive_pairs(LABELS))
    assert as_set((a2, n)) == set(negative_pairs(LABELS))
    assert as_set(as_triplets(None, labels)) == set(triplets(LABELS))


def test_triplets_split_into_distinct_pairs_and_pairs_combine_on_anchors():
    a1, p, a2, n = as_pairs((ids([0, 0, 2]), ids([1, 1, 3]), ids([2, 3, 0])))
    assert as_set((a1, p)) == {(0, 1), (2, 3)}
    assert as_set((a2, n)) == {(0, 2), (0, 3), (2, 0)}
    combined = as_triplets((ids([0, 2]), ids([1, 4]), ids([0, 0, 3]), ids([2, 3, 0])))
    assert as_set(combined) == {(0, 1, 2), (0, 1, 3)}


@pytest.mark.parametrize(
    "tuples, match",
    [
        ((ids([0]), ids([1])), "triplets"),
        ((ids([0]), ids([1]), torch.tensor([0.5])), "integer"),
        ((ids([0]), ids([1]), ids([9])), "outside"),
        ((ids([0, 1]), ids([1]), ids([2, 3])), "one length"),
    ],
)
def test_bad_tuples_are_rejected(tuples, match):
    with pytest.raises(ValueError, match=match):
        check_tuples(tuples, 5)
