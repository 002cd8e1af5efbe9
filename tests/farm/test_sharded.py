"""FARM fitted on a dask array: every sum over the triplets taken on the workers."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


from mlearn import FARMSupervised  # noqa: E402
from mlearn._dask import current_client  # noqa: E402
from mlearn.base import MahalanobisMixin  # noqa: E402
from mlearn.constraints import knn_triplets  # noqa: E402
from mlearn.farm._evaluator import _TripletLoss  # noqa: E402

from .._cluster import dask_points, labelled_points  # noqa: E402

# Distributed sums differ from in-memory ones in their order only; the solvers
# amplify that rounding by their conditioning, well below this.
RTOL = 1e-6


def _assert_same_metric(on_dask, in_memory):
    M_dask, M = on_dask.get_mahalanobis_matrix(), in_memory.get_mahalanobis_matrix()
    np.testing.assert_allclose(M_dask, M, rtol=RTOL, atol=RTOL * np.abs(M).max())
    assert on_dask.n_iter_ == in_memory.n_iter_
    assert on_dask.objective_ == pytest.approx(in_memory.objective_, rel=RTOL)


# The tests without a client come first: the module's cluster, once started, is the
# default scheduler of every later dask computation.


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_farm_without_a_client_runs_on_the_local_scheduler():
    assert current_client() is None
    X, y = labelled_points(n=200, seed=3)
    make = lambda: FARMSupervised(max_iter=5)  # noqa: E731
    _assert_same_metric(make().fit(dask_points(X, rows=50), y), make().fit(X, y))


TRIPLET_CASES = {
    "FARMSupervised": lambda: FARMSupervised(k_impostor=4, max_iter=4),
    "FARMSupervised-l1-covariance": lambda: FARMSupervised(
        penalty="l1", init="covariance", k_impostor=4, max_iter=2
    ),
}


@pytest.mark.parametrize("name", list(TRIPLET_CASES))
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_farm_on_a_cluster_agrees_with_the_in_memory_fit(client, name):
    X, y = labelled_points(n=240)
    make = TRIPLET_CASES[name]
    on_dask = make().fit(dask_points(X, rows=60, guard=True), y)
    _assert_same_metric(on_dask, make().fit(X, y))


def test_sharded_triplet_loss_equals_the_in_memory_one(client):
    X, y = labelled_points(n=300, seed=6)
    triplets = knn_triplets(X, y, 2, 3)
    rng = np.random.default_rng(0)
    M, w = np.cov(rng.normal(size=(5, 20))), rng.uniform(0.5, 1.5, 5)
    whole = _TripletLoss(X, triplets)
    sharded = MahalanobisMixin()._evaluator(
        _TripletLoss, dask_points(X, rows=70, guard=True), triplets, n_shards=3
    )
    assert sharded.n_shards == 3
    (total, G), (reference_total, reference_G) = sharded.sums(M, w), whole.sums(M, w)
    assert total == pytest.approx(reference_total, rel=1e-12)
    np.testing.assert_allclose(G, reference_G, rtol=1e-10, atol=1e-10 * np.abs(G).max())
    np.testing.assert_allclose(sharded.margins(M, w), whole.margins(M, w), rtol=1e-10)
    with pytest.raises(AttributeError, match="laplacian does not declare how it combines"):
        sharded.laplacian(np.ones(3))


def test_sharded_triplet_count_is_the_sum_over_the_shards(client):
    X, y = labelled_points(n=300, seed=6)
    triplets = knn_triplets(X, y, 2, 3)
    sharded = MahalanobisMixin()._evaluator(
        _TripletLoss, dask_points(X, rows=70), triplets, n_shards=3
    )
    assert sharded.n_triplets == len(triplets)
