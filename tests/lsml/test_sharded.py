"""LSML fitted on a dask array: the sums over the quadruplets are taken on the workers.

The evaluator (mlearn/lsml/_evaluator.py) is built per shard of the quadruplets through
the seam in mlearn.base; these fits must equal the in-memory ones.
"""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
pytest.importorskip("distributed")

from mlearn import LSML, LSMLSupervised  # noqa: E402
from mlearn.constraints import quadruplets_from_labels  # noqa: E402

from .._cluster import dask_points, labelled_points  # noqa: E402

RTOL = 1e-6


def _assert_same_metric(on_dask, in_memory):
    M_dask, M = on_dask.get_mahalanobis_matrix(), in_memory.get_mahalanobis_matrix()
    np.testing.assert_allclose(M_dask, M, rtol=RTOL, atol=RTOL * np.abs(M).max())
    assert on_dask.n_iter_ == in_memory.n_iter_


@pytest.mark.parametrize("prior", ["identity", "covariance"])
def test_supervised_fit_on_a_cluster_agrees_with_the_in_memory_fit(client, prior):
    X, y = labelled_points(n=600)
    make = lambda: LSMLSupervised(prior=prior, tol=1e-6, random_state=0)  # noqa: E731
    on_dask = make().fit(dask_points(X, guard=True), da.from_array(y, chunks=200))
    _assert_same_metric(on_dask, make().fit(X, y))
    np.testing.assert_array_equal(on_dask.classes_, [0, 1, 2])


def test_quadruplets_indexing_a_dask_preprocessor_agree_with_the_in_memory_fit(client):
    X, y = labelled_points(n=600, seed=3)
    quadruplets = quadruplets_from_labels(y, 300, random_state=0)
    weights = np.random.default_rng(0).uniform(0.5, 1.5, 300)
    on_dask = LSML(preprocessor=dask_points(X, guard=True), tol=1e-6)
    on_dask.fit(quadruplets, weights=weights)
    _assert_same_metric(on_dask, LSML(preprocessor=X, tol=1e-6).fit(quadruplets, weights=weights))
