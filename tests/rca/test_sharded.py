"""RCA fitted on a dask array: the chunk sums and scatters are taken on the workers.

RCA's statistics (mlearn/rca/_statistics.py) are per-row sums built per row block
through the seam in mlearn.base; the fit must equal the in-memory one.
"""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from mlearn import RCA, RCASupervised  # noqa: E402
from mlearn._dask import current_client  # noqa: E402

from .._cluster import dask_points, labelled_points  # noqa: E402

# The sharded sums differ from the in-memory ones in their order only.
RTOL = 1e-8


def _assert_same_metric(on_dask, in_memory):
    M_dask, M = on_dask.get_mahalanobis_matrix(), in_memory.get_mahalanobis_matrix()
    np.testing.assert_allclose(M_dask, M, rtol=RTOL, atol=RTOL * np.abs(M).max())


def _chunks(y, seed=0):
    """Chunks of about 4 points within each class; a fifth of the points in none."""
    rng = np.random.default_rng(seed)
    chunks = 3 * rng.integers(0, 60, len(y)) + y
    return np.where(rng.random(len(y)) < 0.2, -1, chunks)


# The test without a client comes first: the module's cluster, once started, is the
# default scheduler of every later dask computation.


def test_rca_without_a_client_runs_on_the_local_scheduler():
    assert current_client() is None
    X, y = labelled_points(n=600)
    _assert_same_metric(RCA().fit(dask_points(X), _chunks(y)), RCA().fit(X, _chunks(y)))


@pytest.mark.parametrize("n_components", [None, 2])
def test_rca_on_a_cluster_agrees_with_the_in_memory_fit(client, n_components):
    X, y = labelled_points()
    chunks = _chunks(y)
    on_dask = RCA(n_components=n_components).fit(
        dask_points(X, guard=True), da.from_array(chunks, chunks=300)
    )
    _assert_same_metric(on_dask, RCA(n_components=n_components).fit(X, chunks))
    assert on_dask.n_features_in_ == X.shape[1]


def test_rca_supervised_on_a_cluster_agrees_with_the_in_memory_fit(client):
    X, y = labelled_points()
    make = lambda: RCASupervised(n_chunks=200, chunk_size=3, random_state=0)  # noqa: E731
    _assert_same_metric(make().fit(dask_points(X, guard=True), y), make().fit(X, y))
