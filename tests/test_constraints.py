"""Tests for mlearn.constraints: pairs, triplets, quadruplets and chunks from labels.

Every generated constraint is checked against the labels it came from, neighbour
triplets against a brute-force numpy computation, and the samplers for
determinism, distinctness, exhaustiveness (when fewer exist than asked) and
bounded time and memory on 10⁵–10⁶ labels.
"""

import itertools
import time
import tracemalloc
import warnings

import numpy as np
import pytest

from mlearn.constraints import (
    Constraints,
    chunks_from_labels,
    knn_triplets,
    quadruplets_from_labels,
    random_triplets,
    similar_dissimilar_pairs,
)

# ------------------------------------------------------------------------------ helpers


def _unordered(pairs):
    return {tuple(sorted(p)) for p in np.asarray(pairs).tolist()}


def _all_unordered_pairs(y):
    labelled = [i for i, label in enumerate(y) if label != -1]
    return {(i, j) for i, j in itertools.combinations(labelled, 2)}


def _assert_pairs_consistent(y, pairs, labels):
    y = np.asarray(y)
    assert pairs.dtype == np.intp
    assert labels.dtype == np.int8
    assert pairs.shape == (labels.shape[0], 2)
    assert set(np.unique(labels).tolist()) <= {-1, 1}
    np.testing.assert_array_equal(labels == 1, y[pairs[:, 0]] == y[pairs[:, 1]])
    assert np.all(pairs[:, 0] != pairs[:, 1])
    assert len(_unordered(pairs)) == len(pairs)


def _blobs(n_per_class, n_classes, n_features, seed):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), n_per_class)
    X = rng.standard_normal((len(y), n_features)) + 1.5 * y[:, None]
    return X, y


def _brute_force_neighbours(X, candidates, i, k):
    """The k rows of ``candidates`` nearest to X[i] (i itself excluded), by numpy."""
    candidates = candidates[candidates != i]
    distances = np.sum((X[candidates] - X[i]) ** 2, axis=1)
    return set(candidates[np.argsort(distances, kind="stable")[:k]].tolist())


# -------------------------------------------------------------- similar_dissimilar_pairs


# 8 points per class in 4 classes: 112 similar and 384 dissimilar pairs. n_pairs=200 lists
# the similar ones (112 <= 2·100) and samples the dissimilar ones (384 > 200).
Y_SMALL = np.repeat(np.arange(4), 8)


@pytest.mark.parametrize("n_pairs", [1, 2, 7, 40, 200])
def test_pairs_are_balanced_ceil_similar_floor_dissimilar(n_pairs):
    pairs, labels = similar_dissimilar_pairs(Y_SMALL, n_pairs, random_state=0)
    assert np.sum(labels == 1) == (n_pairs + 1) // 2
    assert np.sum(labels == -1) == n_pairs // 2
    _assert_pairs_consistent(Y_SMALL, pairs, labels)


def test_pairs_labels_match_class_relation_on_enumeration_path():
    # Classes of 6 and 6: 30 similar and 36 dissimilar pairs, both <= 2·20: listed in full.
    y = np.array([3, 7] * 6)
    pairs, labels = similar_dissimilar_pairs(y, 40, random_state=1)
    assert pairs.shape == (40, 2)
    _assert_pairs_consistent(y, pairs, labels)
    assert np.sum(labels == 1) == 20


def test_pairs_on_sampling_path_for_large_data_are_fast_and_consistent():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 10, 100_000)
    start = time.perf_counter()
    pairs, labels = similar_dissimilar_pairs(y, 2000, random_state=2)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0
    _assert_pairs_consistent(y, pairs, labels)
    assert np.sum(labels == 1) == 1000
    # Drawn all over the data, not from its beginning.
    assert pairs.max() > 90_000 and pairs.min() < 10_000


def test_pairs_for_a_million_labels_use_bounded_time_and_memory():
    rng = np.random.default_rng(3)
    y = rng.integers(-1, 5, 1_000_000)  # about a sixth unlabelled
    tracemalloc.start()
    try:
        start = time.perf_counter()
        pairs, labels = similar_dissimilar_pairs(y, 10_000, random_state=3)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 2.0
    # All n² pairs as int64 would take 8 TB; allow a few copies of the labels only.
    assert peak < 200 * 2**20
    _assert_pairs_consistent(y, pairs, labels)
    assert np.all(y[pairs] != -1)
    assert np.sum(labels == 1) == np.sum(labels == -1) == 5000


@pytest.mark.parametrize("n_pairs", [40, 200])
def test_pairs_same_seed_gives_identical_output(n_pairs):
    first = similar_dissimilar_pairs(Y_SMALL, n_pairs, random_state=42)
    second = similar_dissimilar_pairs(Y_SMALL, n_pairs, random_state=42)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    from_instance = similar_dissimilar_pairs(
        Y_SMALL, n_pairs, random_state=np.random.RandomState(42)
    )
    np.testing.assert_array_equal(first[0], from_instance[0])


@pytest.mark.parametrize("n_pairs", [40, 200])
def test_pairs_different_seeds_give_different_output(n_pairs):
    first, _ = similar_dissimilar_pairs(Y_SMALL, n_pairs, random_state=0)
    second, _ = similar_dissimilar_pairs(Y_SMALL, n_pairs, random_state=1)
    assert _unordered(first) != _unordered(second)


def test_pairs_similar_draws_are_uniform_over_similar_pairs():
    # Class 0 holds 45 of the 480 similar pairs (sizes 10 and 30): sampling path.
    y = np.repeat([0, 1], [10, 30])
    from_class_0 = 0
    n_seeds, n_similar = 20, 100
    for seed in range(n_seeds):
        pairs, labels = similar_dissimilar_pairs(y, 2 * n_similar, random_state=seed)
        from_class_0 += np.sum(y[pairs[labels == 1, 0]] == 0)
    fraction = from_class_0 / (n_seeds * n_similar)
    expected = 45 / 480
    sigma = np.sqrt(expected * (1 - expected) / (n_seeds * n_similar))
    assert abs(fraction - expected) < 5 * sigma


def test_pairs_never_use_unlabelled_points():
    y = np.array([0, -1, 0, 1, -1, 1, 0, 2, -1, 2] * 3)
    for n_pairs in (10, 60):
        pairs, labels = similar_dissimilar_pairs(y, n_pairs, random_state=4)
        assert np.all(y[pairs] != -1)
        _assert_pairs_consistent(y, pairs, labels)


def test_pairs_work_with_string_labels():
    y = np.array(["cat", "dog", "cat", "eel", "dog", "cat", "eel", "dog"])
    pairs, labels = similar_dissimilar_pairs(y, 12, random_state=5)
    assert pairs.shape == (12, 2)
    _assert_pairs_consistent(y, pairs, labels)


def test_pairs_never_use_unlabelled_points_with_object_labels():
    y = np.array([0, 0, 1, 1, -1, -1, -1], dtype=object)
    pairs, _ = similar_dissimilar_pairs(y, 4, random_state=0)
    assert not np.any(np.isin(pairs, [4, 5, 6]))


@pytest.mark.parametrize("y", [[0, 0, 0, 0], [1, -1, 1, -1, -1], [-1, -1, -1], ["a", "a"]], ids=str)
def test_pairs_need_two_labelled_classes(y):
    with pytest.raises(ValueError, match="class"):
        similar_dissimilar_pairs(y, 4, random_state=0)


@pytest.mark.parametrize("n_pairs", [0, -3, 2.5, None])
def test_pairs_reject_invalid_count(n_pairs):
    with pytest.raises(ValueError, match="n_pairs"):
        similar_dissimilar_pairs(Y_SMALL, n_pairs, random_state=0)


def test_pairs_asking_too_many_warns_and_returns_each_pair_once():
    y = np.array([0, 1, 0, -1, 1, 0])  # 4 similar, 6 dissimilar labelled pairs
    with pytest.warns(UserWarning, match="fewer than"):
        pairs, labels = similar_dissimilar_pairs(y, 30, random_state=6)
    assert pairs.shape == (10, 2)
    assert np.sum(labels == 1) == 4
    assert _unordered(pairs) == _all_unordered_pairs(y)
    _assert_pairs_consistent(y, pairs, labels)


def test_pairs_do_not_mutate_labels():
    y = Y_SMALL.copy()
    similar_dissimilar_pairs(y, 50, random_state=0)
    np.testing.assert_array_equal(y, Y_SMALL)


# -------------------------------------------------------------------------- knn_triplets


def _assert_knn_triplets_are_brute_force(X, y, triplets, k_genuine, k_impostor):
    y = np.asarray(y)
    labelled = np.flatnonzero(y != -1)
    for i in labelled:
        rows = triplets[triplets[:, 0] == i]
        same = labelled[(y[labelled] == y[i])]
        other = labelled[(y[labelled] != y[i])]
        kg = min(k_genuine, len(same) - 1)
        ki = min(k_impostor, len(other))
        if kg == 0:  # a singleton class has no target neighbour: no triplet
            assert len(rows) == 0
            continue
        assert set(rows[:, 1].tolist()) == _brute_force_neighbours(X, same, i, kg)
        assert set(rows[:, 2].tolist()) == _brute_force_neighbours(X, other, i, ki)
        # Every (positive, negative) combination, once.
        assert len(rows) == kg * ki
        assert len({tuple(r) for r in rows.tolist()}) == kg * ki


@pytest.mark.parametrize(("k_genuine", "k_impostor"), [(1, 1), (3, 4), (5, 10)])
def test_knn_triplets_match_brute_force_neighbours(k_genuine, k_impostor):
    X, y = _blobs(15, 3, 4, seed=10)
    triplets = knn_triplets(X, y, k_genuine, k_impostor)
    assert triplets.dtype == np.intp
    assert triplets.shape == (len(y) * k_genuine * k_impostor, 3)
    _assert_knn_triplets_are_brute_force(X, y, triplets, k_genuine, k_impostor)
    assert np.all(triplets[:, 0] != triplets[:, 1])
    assert np.all(y[triplets[:, 0]] == y[triplets[:, 1]])
    assert np.all(y[triplets[:, 0]] != y[triplets[:, 2]])


def test_knn_triplets_are_deterministic_and_accept_float32():
    X, y = _blobs(10, 2, 3, seed=11)
    first = knn_triplets(X, y, 2, 3)
    np.testing.assert_array_equal(first, knn_triplets(X, y, 2, 3))
    np.testing.assert_array_equal(first, knn_triplets(X.astype(np.float32), y, 2, 3))


def test_knn_triplets_ignore_unlabelled_points_even_when_nearest():
    X, y = _blobs(10, 3, 2, seed=12)
    # Unlabelled copies of the first 10 points, nudged: each is its original's nearest point.
    X = np.vstack([X, X[:10] + 1e-6])
    y = np.concatenate([y, np.full(10, -1)])
    triplets = knn_triplets(X, y, 2, 3)
    assert triplets.shape == (30 * 2 * 3, 3)
    assert np.all(triplets < 30)
    _assert_knn_triplets_are_brute_force(X, y, triplets, 2, 3)


def test_knn_triplets_never_pair_a_point_with_its_duplicate_self():
    X, y = _blobs(6, 2, 2, seed=13)
    X = np.vstack([X, X])  # every point twice
    y = np.concatenate([y, y])
    triplets = knn_triplets(X, y, 1, 1)
    assert np.all(triplets[:, 0] != triplets[:, 1])
    # The nearest same-class point of a point is its duplicate.
    np.testing.assert_array_equal(triplets[:, 1], (triplets[:, 0] + 12) % 24)


def test_knn_triplets_warn_for_class_smaller_than_k_genuine():
    X, y = _blobs(8, 2, 3, seed=14)
    X = np.vstack([X, [[5.0, 5.0, 5.0], [5.5, 5.0, 5.0]]])
    y = np.concatenate([y, [2, 2]])  # class 2 has 2 points: one target neighbour each
    with pytest.warns(UserWarning, match="smallest class has 2 points"):
        triplets = knn_triplets(X, y, 3, 4)
    assert triplets.shape == ((16 * 3 + 2 * 1) * 4, 3)
    _assert_knn_triplets_are_brute_force(X, y, triplets, 3, 4)


def test_knn_triplets_singleton_class_only_serves_as_impostor():
    X, y = _blobs(5, 2, 2, seed=15)
    X = np.vstack([X, [[0.1, 0.1]]])
    y = np.concatenate([y, [7]])
    with pytest.warns(UserWarning, match="too few"):
        triplets = knn_triplets(X, y, 2, 2)
    assert not np.any(triplets[:, 0] == 10)
    assert triplets.shape == (10 * 2 * 2, 3)
    _assert_knn_triplets_are_brute_force(X, y, triplets, 2, 2)


def test_knn_triplets_use_all_impostors_when_fewer_than_k_impostor():
    X, y = _blobs(6, 2, 2, seed=16)
    triplets = knn_triplets(X, y, 2, 10)  # only 6 points in the other class
    assert triplets.shape == (12 * 2 * 6, 3)
    _assert_knn_triplets_are_brute_force(X, y, triplets, 2, 10)


@pytest.mark.parametrize("y", [[0] * 6, [0, 0, 0, -1, -1, -1]], ids=["one", "one-plus-unlabelled"])
def test_knn_triplets_need_two_classes(y):
    X = np.random.default_rng(17).standard_normal((6, 2))
    with pytest.raises(ValueError, match="class"):
        knn_triplets(X, y, 1, 1)


def test_knn_triplets_reject_mismatched_lengths_and_bad_k():
    X, y = _blobs(5, 2, 2, seed=18)
    with pytest.raises(ValueError, match="labels"):
        knn_triplets(X, y[:-1], 1, 1)
    with pytest.raises(ValueError, match="k_genuine"):
        knn_triplets(X, y, 0, 1)
    with pytest.raises(ValueError, match="k_impostor"):
        knn_triplets(X, y, 1, -2)


# ----------------------------------------------------------------------- random_triplets


def _brute_force_triplets(y):
    y = np.asarray(y)
    labelled = [i for i in range(len(y)) if y[i] != -1]
    return {
        (a, p, n)
        for a in labelled
        for p in labelled
        for n in labelled
        if a != p and y[a] == y[p] and y[n] != y[a]
    }


def _assert_triplets_consistent(y, triplets):
    y = np.asarray(y)
    assert triplets.dtype == np.intp
    assert triplets.shape[1] == 3
    assert np.all(y[triplets] != -1)
    assert np.all(triplets[:, 0] != triplets[:, 1])
    assert np.all(y[triplets[:, 0]] == y[triplets[:, 1]])
    assert np.all(y[triplets[:, 0]] != y[triplets[:, 2]])
    assert len({tuple(t) for t in triplets.tolist()}) == len(triplets)


@pytest.mark.parametrize("n_triplets", [1, 50, 500])
def test_random_triplets_share_anchor_class_and_are_distinct(n_triplets):
    # 3 classes of 30 points: 3·30·29·60 = 156,600 triplets, sampled.
    y = np.repeat(np.arange(3), 30)
    triplets = random_triplets(y, n_triplets, random_state=20)
    assert triplets.shape == (n_triplets, 3)
    _assert_triplets_consistent(y, triplets)


def test_random_triplets_enumeration_path_draws_from_all_triplets():
    y = [0, 1, 0, 2, 1, -1, 0]  # 3·2·3 + 2·1·4 = 26 triplets: 20 asked lists them all
    triplets = random_triplets(y, 20, random_state=21)
    assert triplets.shape == (20, 3)
    _assert_triplets_consistent(y, triplets)
    assert {tuple(t) for t in triplets.tolist()} <= _brute_force_triplets(y)


def test_random_triplets_asking_too_many_warns_and_returns_each_once():
    y = [0, 1, 0, 2, 1, -1, 0]
    everything = _brute_force_triplets(y)
    assert len(everything) == 26
    with pytest.warns(UserWarning, match="Only 26 triplets"):
        triplets = random_triplets(y, 100, random_state=22)
    assert triplets.shape == (26, 3)
    assert {tuple(t) for t in triplets.tolist()} == everything


def test_random_triplets_both_orientations_of_a_similar_pair_are_drawn():
    y = np.repeat(np.arange(2), 20)
    triplets = random_triplets(y, 3000, random_state=23)
    forward = np.sum(triplets[:, 0] < triplets[:, 1])
    assert 0.4 < forward / len(triplets) < 0.6


def test_random_triplets_seeding():
    y = np.repeat(np.arange(3), 10)
    first = random_triplets(y, 40, random_state=24)
    np.testing.assert_array_equal(first, random_triplets(y, 40, random_state=24))
    assert not np.array_equal(first, random_triplets(y, 40, random_state=25))


def test_random_triplets_sampling_path_for_large_data_is_fast():
    y = np.random.default_rng(26).integers(-1, 10, 200_000)
    start = time.perf_counter()
    triplets = random_triplets(y, 5000, random_state=26)
    assert time.perf_counter() - start < 1.0
    assert triplets.shape == (5000, 3)
    _assert_triplets_consistent(y, triplets)


@pytest.mark.parametrize(
    ("y", "match"),
    [([0, 0, 0], "class"), ([0, 1, 2, -1], "two points"), ([-1, -1], "class")],
)
def test_random_triplets_reject_labels_without_triplets(y, match):
    with pytest.raises(ValueError, match=match):
        random_triplets(y, 5, random_state=0)


# --------------------------------------------------------------- quadruplets_from_labels


def _assert_quadruplets_consistent(y, quadruplets):
    y = np.asarray(y)
    assert quadruplets.dtype == np.intp
    assert quadruplets.shape[1] == 4
    assert np.all(y[quadruplets] != -1)
    a, b, c, d = quadruplets.T
    assert np.all(a != b)
    assert np.all(y[a] == y[b])
    assert np.all(y[c] != y[d])
    assert len(_unordered(quadruplets[:, :2])) == len(quadruplets)
    assert len(_unordered(quadruplets[:, 2:])) == len(quadruplets)


@pytest.mark.parametrize("n_quadruplets", [1, 30, 100])
def test_quadruplets_pair_similar_with_dissimilar(n_quadruplets):
    y = np.tile(np.arange(4), 10)
    y[::7] = -1
    quadruplets = quadruplets_from_labels(y, n_quadruplets, random_state=30)
    assert quadruplets.shape == (n_quadruplets, 4)
    _assert_quadruplets_consistent(y, quadruplets)


def test_quadruplets_seeding():
    y = np.repeat(np.arange(3), 8)
    first = quadruplets_from_labels(y, 20, random_state=31)
    np.testing.assert_array_equal(first, quadruplets_from_labels(y, 20, random_state=31))
    assert not np.array_equal(first, quadruplets_from_labels(y, 20, random_state=32))


def test_quadruplets_asking_too_many_warns_and_truncates_to_distinct_pairs():
    y = [0, 0, 1, 1, -1]  # 2 similar pairs, 4 dissimilar pairs
    with pytest.warns(UserWarning, match="Only 2 quadruplets"):
        quadruplets = quadruplets_from_labels(y, 3, random_state=33)
    assert quadruplets.shape == (2, 4)
    _assert_quadruplets_consistent(y, quadruplets)
    assert _unordered(quadruplets[:, :2]) == {(0, 1), (2, 3)}


@pytest.mark.parametrize("y", [[0, 0, 0], [0, 1, 2]], ids=["one-class", "singletons"])
def test_quadruplets_reject_labels_without_quadruplets(y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="class|two points"):
            quadruplets_from_labels(y, 3, random_state=0)


# -------------------------------------------------------------------- chunks_from_labels


def _assert_chunks_consistent(y, chunks, chunk_size):
    y = np.asarray(y)
    assert chunks.dtype == np.intp
    assert chunks.shape[1] == chunk_size
    assert np.all(y[chunks] != -1)
    assert np.all(y[chunks] == y[chunks[:, :1]])
    assert len(np.unique(chunks)) == chunks.size


@pytest.mark.parametrize(("n_chunks", "chunk_size"), [(1, 2), (5, 3), (12, 4)])
def test_chunks_are_disjoint_and_single_class(n_chunks, chunk_size):
    y = np.tile([0, 1, 2, -1], 20)  # 20 points per labelled class
    chunks = chunks_from_labels(y, n_chunks, chunk_size, random_state=40)
    assert chunks.shape == (n_chunks, chunk_size)
    _assert_chunks_consistent(y, chunks, chunk_size)


def test_chunks_asking_too_many_warns_and_truncates():
    y = [0] * 5 + [1] * 3 + [-1] * 4 + [2]  # 2 + 1 + 0 chunks of 2
    with pytest.warns(UserWarning, match="Only 3 disjoint chunks of 2"):
        chunks = chunks_from_labels(y, 5, 2, random_state=41)
    assert chunks.shape == (3, 2)
    _assert_chunks_consistent(y, chunks, 2)
    np.testing.assert_array_equal(np.sort(np.asarray(y)[chunks[:, 0]]), [0, 0, 1])


def test_chunks_seeding():
    y = np.repeat(np.arange(3), 12)
    first = chunks_from_labels(y, 6, 3, random_state=42)
    np.testing.assert_array_equal(first, chunks_from_labels(y, 6, 3, random_state=42))
    assert not np.array_equal(first, chunks_from_labels(y, 6, 3, random_state=43))


@pytest.mark.parametrize("chunk_size", [1, 0, -2])
def test_chunks_reject_chunk_size_below_two(chunk_size):
    with pytest.raises(ValueError, match="chunk_size"):
        chunks_from_labels([0, 0, 1, 1], 1, chunk_size, random_state=0)


def test_chunks_reject_labels_without_a_full_chunk():
    with pytest.raises(ValueError, match="No class has 3 points"):
        chunks_from_labels([0, 0, 1, 1, -1, -1, -1], 1, 3, random_state=0)


def test_chunks_are_drawn_uniformly_across_classes():
    y = np.repeat(np.arange(3), 12)  # 4 chunks of 3 per class, 12 in all
    n_seeds, n_chunks = 60, 3
    classes = np.concatenate(
        [y[chunks_from_labels(y, n_chunks, 3, random_state=s)[:, 0]] for s in range(n_seeds)]
    )
    counts = np.bincount(classes, minlength=3)
    expected = n_seeds * n_chunks / 3
    sigma = np.sqrt(n_seeds * n_chunks * (1 / 3) * (2 / 3))
    assert np.all(np.abs(counts - expected) < 5 * sigma)


# ---------------------------------------------------------------- Constraints (metric-learn's)

Y_PARTIAL = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, -1, -1, 2])


def test_positive_negative_pairs_are_four_index_arrays_of_each_kind():
    a, b, c, d = Constraints(Y_PARTIAL).positive_negative_pairs(6, random_state=0)
    assert a.shape == b.shape == c.shape == d.shape == (6,)
    assert np.all(Y_PARTIAL[a] == Y_PARTIAL[b]) and np.all(a != b)
    assert np.all(Y_PARTIAL[c] != Y_PARTIAL[d])
    labelled = Y_PARTIAL != -1
    assert np.all(labelled[np.concatenate([a, b, c, d])])
    assert len(_unordered(np.column_stack([a, b]))) == 6


def test_positive_negative_pairs_warn_and_return_fewer_where_labels_lack_them():
    y = [0, 0, 1, 1, 2]  # 2 similar pairs exist, 8 dissimilar
    with pytest.warns(UserWarning, match="Only 2 similar pairs"):
        a, b, c, d = Constraints(y).positive_negative_pairs(5, random_state=0)
    assert (len(a), len(c)) == (2, 5)
    with pytest.warns(UserWarning, match="Only 2 similar pairs"):
        a, b, c, d = Constraints(y).positive_negative_pairs(5, same_length=True, random_state=0)
    assert (len(a), len(c)) == (2, 2)


def test_generate_knntriplets_equals_knn_triplets():
    X, y = _blobs(6, 3, 2, seed=4)
    y = y.copy()
    y[[0, 7]] = -1
    np.testing.assert_array_equal(
        Constraints(y).generate_knntriplets(X, 2, 3), knn_triplets(X, y, 2, 3)
    )


def test_generate_knntriplets_warns_when_k_impostor_is_capped():
    X, y = _blobs(5, 2, 2, seed=5)
    with pytest.warns(UserWarning, match="k_impostor=7"):
        triplets = Constraints(y).generate_knntriplets(X, 1, 7)
    # Each point of a class of 5 has 5 other-class points: 5 impostors each.
    assert triplets.shape == (10 * 1 * 5, 3)


def test_chunks_are_a_chunk_number_per_point():
    chunk_of = Constraints(Y_PARTIAL).chunks(n_chunks=4, chunk_size=2, random_state=0)
    assert chunk_of.shape == Y_PARTIAL.shape
    assert set(chunk_of.tolist()) == {-1, 0, 1, 2, 3}
    for c in range(4):
        members = np.flatnonzero(chunk_of == c)
        assert len(members) == 2 and len(set(Y_PARTIAL[members])) == 1
    assert np.all(chunk_of[Y_PARTIAL == -1] == -1)


def test_chunks_refuse_more_than_the_labels_hold_as_metric_learn_does():
    # Classes of 4, 3 and 3 points hold 2 + 1 + 1 chunks of 2.
    with pytest.raises(ValueError, match="at most 4"):
        Constraints(Y_PARTIAL).chunks(n_chunks=5, chunk_size=2)


@pytest.mark.parametrize("n_cols", [1, 2, 3])
def test_unique_rows_by_keys_equals_numpy_unique_on_rows(n_cols):
    from mlearn.constraints import _unique_rows

    rows = np.random.default_rng(n_cols).integers(0, 7, size=(300, n_cols))
    assert np.array_equal(_unique_rows(rows), np.unique(rows, axis=0))
    # Indices too large for one int64 key fall back to numpy's row sort.
    huge = np.array([[2**40, 1, 3], [5, 2**40, 0], [5, 2**40, 0]])
    assert np.array_equal(_unique_rows(huge), np.unique(huge, axis=0))
