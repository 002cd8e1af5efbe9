"""kNN triplets of a dask array: neighbours searched block against block on the cluster."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from mlearn._dask import class_neighbours  # noqa: E402
from mlearn.constraints import knn_triplets  # noqa: E402

from .._cluster import labelled_points  # noqa: E402


def test_knn_triplets_on_the_cluster_equal_the_in_memory_ones():
    X, y = labelled_points(n=400, seed=4)
    lazy = da.from_array(X, chunks=(70, 2))
    np.testing.assert_array_equal(knn_triplets(lazy, y, 3, 5), knn_triplets(X, y, 3, 5))
    # A class smaller than k_genuine: fewer neighbours for its points, with the same warning.
    y[:3] = 3
    with pytest.warns(UserWarning, match="smallest class has 3 points"):
        on_dask = knn_triplets(lazy, y, 3, 5)
    with pytest.warns(UserWarning, match="smallest class has 3 points"):
        np.testing.assert_array_equal(on_dask, knn_triplets(X, y, 3, 5))
    X[7, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        knn_triplets(da.from_array(X, chunks=(70, 2)), y, 3, 5)


def test_class_neighbours_are_the_brute_force_nearest():
    X, y = labelled_points(n=90, seed=1)
    genuine, impostors = class_neighbours(da.from_array(X, chunks=(25, 5)), y, 2, 3)
    D = np.sum((X[:, None] - X[None]) ** 2, axis=2)
    for i in range(len(X)):
        same = np.flatnonzero((y == y[i]) & (np.arange(len(X)) != i))
        other = np.flatnonzero(y != y[i])
        np.testing.assert_array_equal(genuine[i], same[np.argsort(D[i, same], kind="stable")][:2])
        np.testing.assert_array_equal(
            impostors[i], other[np.argsort(D[i, other], kind="stable")][:3]
        )
