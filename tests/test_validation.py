import numpy as np
import pytest
from numpy.testing import assert_array_equal

from mlearn._validation import (
    check_class_labels,
    check_pair_labels,
    check_positive_int,
    check_preprocessor,
    check_tuples,
    distinct_points,
    distinct_rows,
    points_from_identifiers,
)

RNG = np.random.default_rng(0)


def test_point_tuples_become_rows_and_indices():
    pairs = RNG.normal(size=(5, 2, 3))
    X, idx = check_tuples(pairs, 2)
    assert X.shape == (10, 3)
    assert_array_equal(X[idx], pairs)


def test_index_tuples_with_array_preprocessor_keep_the_array():
    points = RNG.normal(size=(8, 3))
    idx = np.array([[0, 7], [3, 3], [2, 5]])
    X, out = check_tuples(idx, 2, preprocessor=check_preprocessor(points))
    assert X is not None and X.shape == (8, 3)
    assert_array_equal(X[out], points[idx])


def test_index_tuples_with_callable_preprocessor_fetch_each_point_once():
    points = RNG.normal(size=(50, 3))
    calls = []

    def fetch(indices):
        calls.append(np.array(indices))
        return points[indices]

    idx = np.array([[0, 49, 3], [3, 0, 10]])
    X, out = check_tuples(idx, 3, preprocessor=fetch)
    assert_array_equal(X[out], points[idx])
    assert len(calls) == 1 and sorted(calls[0]) == [0, 3, 10, 49]


def test_float32_tuples_stay_float32_and_ints_become_float64():
    X, _ = check_tuples(RNG.normal(size=(4, 3, 2)).astype(np.float32), 3)
    assert X.dtype == np.float32
    X, _ = check_tuples(np.ones((4, 3, 2), dtype=int), 3)
    assert X.dtype == np.float64


@pytest.mark.parametrize(
    "tuples, size, preprocessor, message",
    [
        (np.empty((0, 2, 3)), 2, None, "empty"),
        (np.ones((4, 3, 3)), 2, None, "2 elements"),
        (np.ones((4, 2)), 2, None, "need a preprocessor"),
        (np.ones(4), 2, None, "3-D array"),
        (np.ones((4, 2, 3, 1)), 2, None, "3-D array"),
        (np.array([[[np.nan, 1.0], [1.0, 1.0]]]), 2, None, "NaN"),
        (np.array([[[np.inf, 1.0], [1.0, 1.0]]]), 2, None, "infinity"),
        (np.array([["a", "b"]]), 2, np.ones((3, 2)), "numeric"),
        (np.array([[0, 3]]), 2, np.ones((3, 2)), "out of range"),
        (np.array([[0, -1]]), 2, np.ones((3, 2)), "out of range"),
        (np.array([[0.5, 1.0]]), 2, np.ones((3, 2)), "integer indices"),
        (np.ones((4, 2, 0)), 2, None, "0 features"),
    ],
)
def test_bad_tuples_are_rejected_with_a_message_naming_the_problem(
    tuples, size, preprocessor, message
):
    with pytest.raises(ValueError, match=message):
        check_tuples(tuples, size, preprocessor=preprocessor)


def test_ragged_tuples_are_rejected():
    with pytest.raises(ValueError, match="regular array"):
        check_tuples([[[1.0, 2.0], [1.0]]], 2)


def test_pair_labels_must_be_plus_or_minus_one():
    assert_array_equal(check_pair_labels([1, -1, 1], 3), [1, -1, 1])
    with pytest.raises(ValueError, match="-1 .dissimilar. or \\+1"):
        check_pair_labels([1, 0, 1], 3)
    with pytest.raises(ValueError, match="3 pairs but 2"):
        check_pair_labels([1, -1], 3)
    with pytest.raises(ValueError, match="required"):
        check_pair_labels(None, 3)
    with pytest.raises(ValueError, match="-1 .dissimilar. or \\+1"):
        check_pair_labels(["a", "b", "a"], 3)


def test_class_labels_are_encoded_and_checked():
    classes, encoded = check_class_labels(["b", "a", "b", "c"], 4)
    assert_array_equal(classes, ["a", "b", "c"])
    assert_array_equal(encoded, [1, 0, 1, 2])
    with pytest.raises(ValueError, match="1 class"):
        check_class_labels([3, 3, 3], 3)
    with pytest.raises(ValueError, match="at least 2 samples"):
        check_class_labels([0, 0, 1], 3, min_per_class=2)
    with pytest.raises(ValueError, match="Unknown label type"):
        check_class_labels([0.5, 1.5, 0.25], 3)
    with pytest.raises(ValueError, match="3 samples but y has 2"):
        check_class_labels([0, 1], 3)


def test_positive_int_rejects_bools_floats_and_small_values():
    assert check_positive_int(3, "k") == 3
    for bad in (0, -1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="k must be an integer"):
            check_positive_int(bad, "k")


def test_validation_never_writes_to_its_inputs():
    pairs = RNG.normal(size=(5, 2, 3))
    idx = np.array([[0, 2], [1, 1]])
    points = RNG.normal(size=(3, 3))
    labels = np.array([1, -1])
    before = [a.copy() for a in (pairs, idx, points, labels)]
    for a in (pairs, idx, points, labels):
        a.flags.writeable = False  # any write inside validation would raise
    check_tuples(pairs, 2)
    check_tuples(idx, 2, preprocessor=check_preprocessor(points))
    check_pair_labels(labels, 2)
    for a, b in zip((pairs, idx, points, labels), before, strict=True):
        assert_array_equal(a, b)


# ------------------------------------------------------------ identifiers into a preprocessor


def test_identifiers_into_an_array_are_its_rows_and_points_pass_through():
    points = np.arange(12.0).reshape(6, 2)
    np.testing.assert_array_equal(points_from_identifiers([4, 0, 4], points), points[[4, 0, 4]])
    np.testing.assert_array_equal(
        points_from_identifiers(np.array([1.0, 2.0]), points), points[1:3]
    )
    X = np.ones((3, 2))
    assert points_from_identifiers(X, points) is X  # 2-D: already points
    assert points_from_identifiers([1, 2], None) == [1, 2]  # no preprocessor: untouched


def test_a_callable_preprocessor_is_asked_once_per_distinct_identifier():
    asked = []

    def read(names):
        asked.append(list(names))
        return np.array([[len(name), 0.0] for name in names])

    points = points_from_identifiers(np.array(["bb", "a", "bb", "ccc"]), read)
    np.testing.assert_array_equal(points[:, 0], [2, 1, 2, 3])
    assert asked == [["a", "bb", "ccc"]]
    X, indices = check_tuples(np.array([["a", "bb"], ["bb", "ccc"]]), 2, preprocessor=read)
    np.testing.assert_array_equal(X[indices][..., 0], [[1, 2], [2, 3]])


@pytest.mark.parametrize(
    "identifiers, preprocessor, message",
    [
        ([0.5, 1.0], np.ones((3, 2)), "integer row indices"),
        (["a", "b"], np.ones((3, 2)), "callable preprocessor"),
        ([0, 3], np.ones((3, 2)), "out of range"),
        ([], np.ones((3, 2)), "empty"),
        (["a", "b"], lambda ids: np.ones((1, 2)), "1 points for 2 identifiers"),
        (["a", "b"], lambda ids: {}[ids[0]], "preprocessor failed on identifiers"),
    ],
)
def test_identifiers_that_cannot_be_resolved_are_refused(identifiers, preprocessor, message):
    with pytest.raises(ValueError, match=message):
        points_from_identifiers(np.array(identifiers), preprocessor)


def test_non_numeric_tuples_without_a_callable_preprocessor_are_refused():
    with pytest.raises(ValueError, match="need a callable preprocessor"):
        check_tuples(np.array([["a", "b"]]), 2, preprocessor=np.ones((2, 2)))


def test_distinct_points_keep_the_first_index_of_each_value():
    X = np.array([[0.0, 1.0], [2.0, 3.0], [0.0, 1.0], [4.0, 5.0], [2.0, 3.0]])
    np.testing.assert_array_equal(distinct_points(X, [[4, 2], [1, 3], [2, 3]]), [1, 2, 3])
    np.testing.assert_array_equal(distinct_points(X, np.arange(5)), [0, 1, 3])
    assert distinct_points(X, np.empty(0, dtype=int)).size == 0


def test_distinct_rows_split_as_numpy_unique_in_an_order_set_by_the_values():
    X = np.round(RNG.normal(size=(12, 3)), 1)[RNG.integers(0, 12, 40)]
    distinct, inverse = distinct_rows(X)
    assert_array_equal(distinct[inverse], X)
    assert len(distinct) == len(np.unique(X, axis=0))
    shuffled = X[RNG.permutation(40)]
    assert_array_equal(distinct_rows(shuffled)[0], distinct)
