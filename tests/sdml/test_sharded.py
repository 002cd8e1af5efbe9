"""SDML fitted on a dask array: the scatter of the pairs is summed on the workers.

The evaluator (mlearn/sdml/_evaluator.py) is built per shard of the pairs through the
seam in mlearn.base; these fits must equal the in-memory ones.
"""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
pytest.importorskip("distributed")

from mlearn import SDML, SDMLSupervised  # noqa: E402
from mlearn.constraints import similar_dissimilar_pairs  # noqa: E402

from .._cluster import dask_points, labelled_points  # noqa: E402

RTOL = 1e-6


def _assert_same_metric(on_dask, in_memory):
    M_dask, M = on_dask.get_mahalanobis_matrix(), in_memory.get_mahalanobis_matrix()
    np.testing.assert_allclose(M_dask, M, rtol=RTOL, atol=RTOL * np.abs(M).max())
    assert on_dask.balance_ == pytest.approx(in_memory.balance_, rel=1e-10)


@pytest.mark.parametrize("prior", ["identity", "covariance"])
def test_supervised_fit_on_a_cluster_agrees_with_the_in_memory_fit(client, prior):
    X, y = labelled_points(n=600)
    make = lambda: SDMLSupervised(prior=prior, random_state=0)  # noqa: E731
    on_dask = make().fit(dask_points(X, guard=True), da.from_array(y, chunks=200))
    _assert_same_metric(on_dask, make().fit(X, y))


def test_pairs_indexing_a_dask_preprocessor_agree_with_the_in_memory_fit(client):
    X, y = labelled_points(n=600, seed=3)
    pairs, signs = similar_dissimilar_pairs(y, 400, random_state=0)
    on_dask = SDML(preprocessor=dask_points(X, guard=True)).fit(pairs, signs)
    in_memory = SDML(preprocessor=X).fit(pairs, signs)
    _assert_same_metric(on_dask, in_memory)
    assert on_dask.threshold_ == pytest.approx(in_memory.threshold_, rel=1e-8)
