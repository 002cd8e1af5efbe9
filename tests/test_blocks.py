"""Block sizes from scikit-learn's working_memory, and distances computed in blocks."""

import numpy as np
import sklearn

from mlearn._blocks import paired_distances, rows_per_block


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
