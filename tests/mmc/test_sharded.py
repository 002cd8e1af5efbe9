"""MMC fitted on a dask array: the sums over the pairs are taken on the workers.

The pairs' evaluator (mlearn/mmc/_evaluator.py) is built per shard of the pairs
through the seam in mlearn.base; these fits must equal the in-memory ones.
"""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from dask.sizeof import sizeof  # noqa: E402

from mlearn import MMCSupervised  # noqa: E402
from mlearn._dask import current_client  # noqa: E402

from .._cluster import dask_points, labelled_points  # noqa: E402

# Distributed sums differ from in-memory ones in their order only; the solvers
# amplify that rounding by their conditioning, well below this.
RTOL = 1e-6


def _assert_same_metric(on_dask, in_memory):
    M_dask, M = on_dask.get_mahalanobis_matrix(), in_memory.get_mahalanobis_matrix()
    np.testing.assert_allclose(M_dask, M, rtol=RTOL, atol=RTOL * np.abs(M).max())
    assert on_dask.n_iter_ == in_memory.n_iter_


def test_a_start_read_from_the_points_needs_them_in_memory():
    X, y = labelled_points(seed=1)
    with pytest.raises(ValueError, match="init='pca' needs the points in memory"):
        MMCSupervised(init="pca", random_state=0).fit(dask_points(X), y)


# The tests without a client come first: the module's cluster, once started, is the
# default scheduler of every later dask computation.


def test_mmc_without_a_client_runs_on_the_local_scheduler():
    assert current_client() is None
    X, y = labelled_points(seed=1)
    on_dask = MMCSupervised(diagonal=True, random_state=0).fit(dask_points(X), y)
    _assert_same_metric(on_dask, MMCSupervised(diagonal=True, random_state=0).fit(X, y))


MMC_CASES = {
    "MMCSupervised": lambda: MMCSupervised(tol=1e-3, random_state=0),
    "MMCSupervised-diagonal": lambda: MMCSupervised(diagonal=True, random_state=0),
    "MMCSupervised-covariance": lambda: MMCSupervised(init="covariance", tol=1e-3, random_state=1),
}


@pytest.mark.parametrize("name", list(MMC_CASES))
def test_mmc_on_a_cluster_agrees_with_the_in_memory_fit(client, name):
    X, y = labelled_points()
    make = MMC_CASES[name]
    on_dask = make().fit(dask_points(X, guard=True), da.from_array(y, chunks=300))
    _assert_same_metric(on_dask, make().fit(X, y))
    assert on_dask.n_features_in_ == X.shape[1]
    np.testing.assert_array_equal(on_dask.classes_, [0, 1, 2])


def test_only_small_sums_travel_to_the_driver(client, monkeypatch):
    # The blocks of X are computed on the workers only (dask_points(guard=True) raises on
    # the driver), and what comes back from the cluster is d × d sized, never rows.
    X, y = labelled_points(n=4000, d=6)
    gathered = []
    gather = distributed.Client.gather

    def recording_gather(self, futures, *args, **kwargs):
        result = gather(self, futures, *args, **kwargs)
        gathered.append(sizeof(result) / max(len(futures), 1))
        return result

    monkeypatch.setattr(distributed.Client, "gather", recording_gather)
    MMCSupervised(tol=1e-3, random_state=0).fit(dask_points(X, rows=500, guard=True), y)
    assert gathered  # the sums did come through the client
    assert max(gathered) < 50 * X.shape[1] ** 2 * 8 < X.nbytes / 10


def _break_pair_sums():
    from mlearn.mmc._evaluator import PairSums

    original = PairSums.dissimilar_sum_and_gradient
    calls = []

    def failing(self, N):
        calls.append(1)
        if len(calls) > 2:
            raise FloatingPointError("worker broke")
        return original(self, N)

    PairSums._original = original
    PairSums.dissimilar_sum_and_gradient = failing


def _repair_pair_sums():
    from mlearn.mmc._evaluator import PairSums

    if hasattr(PairSums, "_original"):
        PairSums.dissimilar_sum_and_gradient = PairSums._original
        del PairSums._original


def test_a_task_failing_mid_fit_stops_it_with_a_clear_error(client):
    X, y = labelled_points(seed=2)
    client.run(_break_pair_sums)
    try:
        with pytest.raises(RuntimeError, match="failed on the cluster.*worker broke"):
            MMCSupervised(random_state=0).fit(dask_points(X), y)
    finally:
        client.run(_repair_pair_sums)
    # The same cluster fits again once the workers behave.
    MMCSupervised(diagonal=True, random_state=0).fit(dask_points(X), y)


def test_non_finite_rows_are_reported_before_solving(client):
    X, y = labelled_points(n=300)
    X[:, 2] = np.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        MMCSupervised(random_state=0).fit(dask_points(X), y)
