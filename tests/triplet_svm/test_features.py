"""TripletFeatures: Z's products from the points, whole, in blocks and by the compiled kernel."""

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose

from mlearn.triplet_svm._features import TripletFeatures

from ._helpers import triplet_problem


def _dense_Z(X, triplets, P=None):
    """z_t = (b_i − b_k)² − (b_i − b_j)², b = Pᵀx, written out one triplet at a time."""
    B = X if P is None else X @ P
    return np.array([(B[i] - B[k]) ** 2 - (B[i] - B[j]) ** 2 for i, j, k in triplets])


@pytest.mark.parametrize("working_memory", [1024, 1e-3], ids=["whole", "blocks"])
def test_products_equal_those_of_the_dense_constraint_matrix(working_memory):
    # 1e-3 MiB holds a few rows: Z is recomputed in blocks and Zw comes from the kernel.
    X, triplets = triplet_problem(seed=20, n=30, d=4, n_triplets=300)
    P = np.random.default_rng(0).normal(size=(4, 6))
    rng = np.random.default_rng(1)
    for basis in (None, P):
        Z = _dense_Z(X, triplets, basis)
        w, a = rng.uniform(size=Z.shape[1]), rng.normal(size=Z.shape[0])
        d = rng.uniform(size=Z.shape[0])
        with sklearn.config_context(working_memory=working_memory):
            features = TripletFeatures(X, triplets, P=basis)
            assert (features._whole is None) == (working_memory < 1)
            assert (features.n_triplets, features.n_features) == Z.shape
            assert_allclose(features.matvec(w), Z @ w, rtol=1e-10, atol=1e-10)
            assert_allclose(features.rmatvec(a), Z.T @ a, rtol=1e-10)
            assert_allclose(features.weighted_gram(0.0, d.max(), d), Z.T @ (d[:, None] * Z))
            assert features.any_nonzero()


def test_weighted_gram_leaves_out_rows_below_rtol_of_the_given_maximum():
    # d_max is that of the whole vector (a shard sees its slice): rows with d_t ≤ rtol·d_max
    # are left out once they are the majority.
    X, triplets = triplet_problem(seed=21, n=30, d=4, n_triplets=100)
    Z = _dense_Z(X, triplets)
    d = np.full(100, 1e-9)
    d[:10] = 1.0
    kept = Z[:10].T @ Z[:10]
    features = TripletFeatures(X, triplets)
    assert_allclose(features.weighted_gram(1e-6, 1.0, d), kept, rtol=1e-12)
    # With a larger maximum elsewhere, the rows of weight 1 are left out too.
    assert_allclose(features.weighted_gram(1e-6, 1e7, d), 0.0)


def test_subset_is_the_features_of_those_triplets():
    X, triplets = triplet_problem(seed=22, n=30, d=4, n_triplets=100)
    rows = np.array([3, 5, 50, 99])
    w = np.random.default_rng(2).uniform(size=4)
    subset = TripletFeatures(X, triplets).subset(rows)
    assert subset.n_triplets == 4
    assert_allclose(subset.matvec(w), _dense_Z(X, triplets[rows]) @ w)


def test_identical_points_give_zero_features():
    features = TripletFeatures(np.ones((4, 3)), np.array([[0, 1, 2], [1, 2, 3]]))
    assert not features.any_nonzero()
