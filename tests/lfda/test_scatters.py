"""LFDA's local scatters against pair-by-pair loops, in one block or many."""

import numpy as np
import sklearn

from mlearn.lfda._scatters import local_scaling, local_scatters

from ._helpers import brute_force_scatters, multimodal_classes


def test_local_scatters_match_the_pairwise_definition():
    X, y = multimodal_classes(n=24)
    y = np.where(np.arange(24) < 3, 2, y)  # a small third class: k is capped at n_c − 1
    between, within, total = local_scatters(X, y, k=4)
    ref_between, ref_within = brute_force_scatters(X, y, k=4)
    np.testing.assert_allclose(within, ref_within, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(between, ref_between, rtol=1e-10, atol=1e-12)
    centred = X - X.mean(axis=0)
    np.testing.assert_allclose(total, centred.T @ centred, rtol=1e-12)


def test_blocks_of_rows_give_the_one_block_result():
    X, y = multimodal_classes(n=80, seed=1)
    whole = local_scatters(X, y, k=7)
    # 4e-3 MiB: blocks of three rows of each class's affinities.
    with sklearn.config_context(working_memory=4e-3):
        blocked = local_scatters(X, y, k=7)
    for a, b in zip(whole, blocked, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_local_scale_is_the_distance_to_the_kth_neighbour():
    X = np.array([[0.0], [1.0], [3.0], [7.0]])
    np.testing.assert_allclose(local_scaling(X, 1), [1.0, 1.0, 2.0, 4.0])
    np.testing.assert_allclose(local_scaling(X, 9), [7.0, 6.0, 4.0, 7.0])  # capped at n_c − 1


def test_duplicated_points_get_zero_affinity_not_nan():
    X = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 2.0], [3.0, 1.0], [3.0, 1.5], [1.0, 0.0]])
    y = np.array([0, 0, 0, 1, 1, 1])
    between, within, _ = local_scatters(X, y, k=1)
    ref_between, ref_within = brute_force_scatters(X, y, k=1)
    np.testing.assert_allclose(within, ref_within, atol=1e-12)
    np.testing.assert_allclose(between, ref_between, atol=1e-12)
