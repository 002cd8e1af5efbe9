"""MMC, TripletSVM and FARM fitted on a dask array: sums over constraints on the workers."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from dask.sizeof import sizeof  # noqa: E402

from mlearn import FARMSupervised, MMCSupervised, TripletSVMSupervised  # noqa: E402
from mlearn._dask import _current_client  # noqa: E402
from mlearn._diagonal_qp import TripletFeatures  # noqa: E402
from mlearn._tuples_dask import knn_triplets_dask, sharded_triplets  # noqa: E402
from mlearn.constraints import knn_triplets  # noqa: E402

from ._cluster import two_worker_client  # noqa: E402

# Distributed sums differ from in-memory ones in their order only; the solvers
# amplify that rounding by their conditioning, well below this.
RTOL = 1e-6


@pytest.fixture(scope="module")
def client():
    with two_worker_client() as client:
        yield client


def _labelled_points(n=1200, d=5, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, d)
    X[:, 0] += 2.0 * y
    X[:, 1] -= 1.5 * y
    return X, y


def _only_on_a_worker(block):
    """Passes X's blocks through, but only inside a worker: computing one on the driver fails."""
    if block.shape[0] > 1:  # dask probes with tiny blocks to infer metadata
        distributed.get_worker()  # raises ValueError outside a worker
    return block


def _dask_points(X, rows=150, guard=False):
    lazy = da.from_array(X, chunks=(rows, 3))
    return lazy.map_blocks(_only_on_a_worker, meta=X[:0]) if guard else lazy


def _assert_same_metric(on_dask, in_memory):
    M_dask, M = on_dask.get_mahalanobis_matrix(), in_memory.get_mahalanobis_matrix()
    if isinstance(in_memory, TripletSVMSupervised):
        # The interior point and L-BFGS-B take rounding-dependent paths (an iteration
        # more or less), so the two fits agree to the certified tolerance, not to
        # rounding: both primal values are within tol of the optimum P*, and the
        # primal is 1-strongly convex in M (½‖M‖²_F), so ‖M − M*‖_F ≤ √(2 tol P).
        tol, P = in_memory.tol, max(on_dask.objective_, in_memory.objective_)
        assert abs(on_dask.objective_ - in_memory.objective_) <= tol * P
        assert np.linalg.norm(M_dask - M) <= 2 * np.sqrt(2 * tol * P)
        return
    np.testing.assert_allclose(M_dask, M, rtol=RTOL, atol=RTOL * np.abs(M).max())
    assert on_dask.n_iter_ == in_memory.n_iter_
    if hasattr(in_memory, "objective_"):
        assert on_dask.objective_ == pytest.approx(in_memory.objective_, rel=RTOL)


# The tests without a client come first: the module's cluster, once started, is the
# default scheduler of every later dask computation.


def test_mmc_without_a_client_runs_on_the_local_scheduler():
    assert _current_client() is None
    X, y = _labelled_points(seed=1)
    on_dask = MMCSupervised(diagonal=True, random_state=0).fit(_dask_points(X), y)
    _assert_same_metric(on_dask, MMCSupervised(diagonal=True, random_state=0).fit(X, y))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_triplet_learners_without_a_client_run_on_the_local_scheduler():
    assert _current_client() is None
    X, y = _labelled_points(n=200, seed=3)
    for make in (lambda: TripletSVMSupervised(k_impostor=4), lambda: FARMSupervised(max_iter=5)):
        _assert_same_metric(make().fit(_dask_points(X, rows=50), y), make().fit(X, y))


MMC_CASES = {
    "MMCSupervised": lambda: MMCSupervised(tol=1e-3, random_state=0),
    "MMCSupervised-diagonal": lambda: MMCSupervised(diagonal=True, random_state=0),
    "MMCSupervised-covariance": lambda: MMCSupervised(init="covariance", tol=1e-3, random_state=1),
}


@pytest.mark.parametrize("name", list(MMC_CASES))
def test_mmc_on_a_cluster_agrees_with_the_in_memory_fit(client, name):
    X, y = _labelled_points()
    make = MMC_CASES[name]
    on_dask = make().fit(_dask_points(X, guard=True), da.from_array(y, chunks=300))
    _assert_same_metric(on_dask, make().fit(X, y))
    assert on_dask.n_features_in_ == X.shape[1]
    np.testing.assert_array_equal(on_dask.classes_, [0, 1, 2])


def test_only_small_sums_travel_to_the_driver(client, monkeypatch):
    # The blocks of X are computed on the workers only (_only_on_a_worker raises on
    # the driver), and what comes back from the cluster is d × d sized, never rows.
    X, y = _labelled_points(n=4000, d=6)
    gathered = []
    gather = distributed.Client.gather

    def recording_gather(self, futures, *args, **kwargs):
        result = gather(self, futures, *args, **kwargs)
        gathered.append(sizeof(result) / max(len(futures), 1))
        return result

    monkeypatch.setattr(distributed.Client, "gather", recording_gather)
    MMCSupervised(tol=1e-3, random_state=0).fit(_dask_points(X, rows=500, guard=True), y)
    assert gathered  # the sums did come through the client
    assert max(gathered) < 50 * X.shape[1] ** 2 * 8 < X.nbytes / 10


def _break_pair_sums():
    import mlearn.mmc as mmc

    original = mmc.PairSums.dissimilar_sum_and_gradient
    calls = []

    def failing(self, N):
        calls.append(1)
        if len(calls) > 2:
            raise FloatingPointError("worker broke")
        return original(self, N)

    mmc.PairSums._original = original
    mmc.PairSums.dissimilar_sum_and_gradient = failing


def _repair_pair_sums():
    import mlearn.mmc as mmc

    if hasattr(mmc.PairSums, "_original"):
        mmc.PairSums.dissimilar_sum_and_gradient = mmc.PairSums._original
        del mmc.PairSums._original


def test_a_task_failing_mid_fit_stops_it_with_a_clear_error(client):
    X, y = _labelled_points(seed=2)
    client.run(_break_pair_sums)
    try:
        with pytest.raises(RuntimeError, match="failed on the cluster.*worker broke"):
            MMCSupervised(random_state=0).fit(_dask_points(X), y)
    finally:
        client.run(_repair_pair_sums)
    # The same cluster fits again once the workers behave.
    MMCSupervised(diagonal=True, random_state=0).fit(_dask_points(X), y)


def test_non_finite_rows_are_reported_before_solving(client):
    X, y = _labelled_points(n=300)
    X[:, 2] = np.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        MMCSupervised(random_state=0).fit(_dask_points(X), y)


TRIPLET_CASES = {
    "TripletSVMSupervised": lambda: TripletSVMSupervised(k_impostor=4),
    "TripletSVMSupervised-basis": lambda: TripletSVMSupervised(
        k_impostor=4, basis=np.linspace(-1, 1, 15).reshape(5, 3) ** [1, 2, 3]
    ),
    "TripletSVMSupervised-full": lambda: TripletSVMSupervised(
        C=0.01, diagonal=False, k_impostor=4, tol=1e-3
    ),
    "FARMSupervised": lambda: FARMSupervised(k_impostor=4, max_iter=4),
    "FARMSupervised-l1-covariance": lambda: FARMSupervised(
        penalty="l1", init="covariance", k_impostor=4, max_iter=2
    ),
}


@pytest.mark.parametrize("name", list(TRIPLET_CASES))
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_triplet_learners_on_a_cluster_agree_with_the_in_memory_fit(client, name):
    X, y = _labelled_points(n=240)
    make = TRIPLET_CASES[name]
    on_dask = make().fit(_dask_points(X, rows=60, guard=True), y)
    _assert_same_metric(on_dask, make().fit(X, y))


def test_knn_triplets_on_the_cluster_equal_the_in_memory_ones():
    X, y = _labelled_points(n=400, seed=4)
    lazy = da.from_array(X, chunks=(70, 2))
    np.testing.assert_array_equal(knn_triplets_dask(lazy, y, 3, 5), knn_triplets(X, y, 3, 5))
    # A class smaller than k_genuine: fewer neighbours for its points, with the same warning.
    y[:3] = 3
    with pytest.warns(UserWarning, match="smallest class has 3 points"):
        on_dask = knn_triplets_dask(lazy, y, 3, 5)
    with pytest.warns(UserWarning, match="smallest class has 3 points"):
        np.testing.assert_array_equal(on_dask, knn_triplets(X, y, 3, 5))
    X[7, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        knn_triplets_dask(da.from_array(X, chunks=(70, 2)), y, 3, 5)


def test_sharded_triplet_features_and_their_subsets_equal_the_in_memory_ones():
    # The interior point's working set (above 10⁵ triplets) runs on subsets of Z.
    X, y = _labelled_points(n=150, seed=5)
    triplets = knn_triplets(X, y, 2, 3)
    rng = np.random.default_rng(0)
    whole = TripletFeatures(X, triplets)
    sharded = sharded_triplets(da.from_array(X, chunks=(40, 5)), triplets, None, "diagonal", 4)
    rows = np.sort(rng.choice(len(triplets), 200, replace=False))
    for ours, reference in ((sharded, whole), (sharded.subset(rows), whole.subset(rows))):
        n = reference.shape[0]
        w, a, d = rng.uniform(size=5), rng.normal(size=n), rng.uniform(size=n) ** 4
        assert ours.shape == reference.shape
        np.testing.assert_allclose(ours.matvec(w), reference.matvec(w), rtol=1e-12)
        np.testing.assert_allclose(ours.rmatvec(a), reference.rmatvec(a), rtol=1e-12)
        np.testing.assert_allclose(
            ours.weighted_gram(d, rtol=1e-2), reference.weighted_gram(d, rtol=1e-2), rtol=1e-12
        )
