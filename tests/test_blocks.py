"""Block sizes from scikit-learn's working_memory, and distances and neighbours in blocks."""

import numpy as np
import sklearn

from mlearn._blocks import merged_nearest, nearest_rows, paired_distances, rows_per_block


def test_rows_per_block_follows_working_memory():
    with sklearn.config_context(working_memory=1):
        assert rows_per_block(1024, 10_000) == 1024
        assert rows_per_block(1024, 100) == 100
        assert rows_per_block(1024, 0) == 1
    with sklearn.config_context(working_memory=2):
        assert rows_per_block(1024, 10_000) == 2048


def test_paired_distances_equal_the_brute_force_norms_in_any_block_size():
    rng = np.random.default_rng(0)
    X, L = rng.normal(size=(40, 5)), rng.normal(size=(3, 5))
    first, second = rng.integers(0, 40, 300), rng.integers(0, 40, 300)
    reference = np.array(
        [np.linalg.norm(L @ (X[a] - X[b])) for a, b in zip(first, second, strict=True)]
    )
    with sklearn.config_context(working_memory=0.0001):
        np.testing.assert_allclose(paired_distances(X, first, second, L), reference, rtol=1e-12)
    np.testing.assert_allclose(paired_distances(X, first, second, L), reference, rtol=1e-12)
    X32 = X.astype(np.float32)
    assert paired_distances(X32, first, second, L).dtype == np.float32


def test_nearest_rows_are_the_brute_force_nearest_in_any_block_size():
    rng = np.random.default_rng(1)
    queries, points = rng.normal(size=(30, 4)), rng.normal(size=(70, 4))
    dist = ((queries[:, None, :] - points[None, :, :]) ** 2).sum(-1)
    expected = np.argsort(dist, axis=1)[:, :5]
    for memory in (0.001, None):
        with sklearn.config_context(working_memory=memory or 1024):
            found_d, found_i = nearest_rows(queries, points, 5, offset=100)
        np.testing.assert_array_equal(found_i, expected + 100)
        np.testing.assert_allclose(found_d, np.take_along_axis(dist, expected, 1), rtol=1e-10)
    # Fewer points than k: all of them.
    assert nearest_rows(queries, points[:3], 5)[1].shape == (30, 3)


def test_the_nearest_merged_over_blocks_are_the_nearest_over_their_union():
    rng = np.random.default_rng(2)
    queries, points = rng.normal(size=(20, 3)), rng.normal(size=(50, 3))
    # Equal distances (repeated points) are ordered by index, in one search or merged.
    points[30:40] = points[:10]
    whole = nearest_rows(queries, points, 4)
    parts = [
        nearest_rows(queries, points[a:b], 4, offset=a) for a, b in ((0, 20), (20, 22), (22, 50))
    ]
    for merged, expected in zip(merged_nearest(parts), whole, strict=True):
        np.testing.assert_array_equal(merged, expected)
