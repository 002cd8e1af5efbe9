"""SCML fitted on a dask array: every sum over the triplets taken on the workers."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from mlearn import SCMLSupervised  # noqa: E402
from mlearn.base import MahalanobisMixin  # noqa: E402
from mlearn.constraints import knn_triplets  # noqa: E402
from mlearn.scml._evaluator import TripletBasisTerms  # noqa: E402

from .._cluster import dask_points, labelled_points  # noqa: E402

# The sharded margins are the in-memory ones to the last bit (same arithmetic per
# triplet); the summed hinge differs in its order of addition only.
RTOL = 1e-10


def _basis(d, seed=0):
    B = np.random.default_rng(seed).normal(size=(3 * d, d))
    return B / np.linalg.norm(B, axis=1, keepdims=True)


def test_sharded_terms_equal_the_in_memory_ones(client):
    X, y = labelled_points(n=300, seed=4)
    triplets, B = knn_triplets(X, y, 2, 3), _basis(X.shape[1])
    whole = TripletBasisTerms(X, triplets, B)
    sharded = MahalanobisMixin()._evaluator(
        TripletBasisTerms, dask_points(X, rows=70, guard=True), triplets, n_shards=3, basis=B
    )
    assert sharded.n_shards == 3 and sharded.n_triplets == len(triplets)
    w = np.random.default_rng(4).uniform(0, 0.05, len(B))
    M = (B.T * w) @ B
    total, n_active = sharded.hinge_sum(M)
    reference_total, reference_active = whole.hinge_sum(M)
    assert total == pytest.approx(reference_total, rel=RTOL) and n_active == reference_active
    np.testing.assert_allclose(sharded.hinge_subgradient(M), whole.hinge_subgradient(M), rtol=RTOL)
    rows = np.array([0, 3, 100, 101, len(triplets) - 1])
    np.testing.assert_array_equal(sharded.subset(rows).basis_margins(), whole.basis_margins()[rows])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fit_on_a_cluster_agrees_with_the_in_memory_fit(client):
    X, y = labelled_points(n=240)
    make = lambda: SCMLSupervised(  # noqa: E731
        basis=_basis(X.shape[1]), k_impostor=4, max_iter=600, output_iter=200, random_state=0
    )
    on_dask = make().fit(dask_points(X, rows=60, guard=True), y)
    in_memory = make().fit(X, y)
    np.testing.assert_allclose(on_dask.weights_, in_memory.weights_, rtol=RTOL)
    assert on_dask.n_iter_ == in_memory.n_iter_
    assert on_dask.objective_ == pytest.approx(in_memory.objective_, rel=RTOL)


def test_built_bases_need_the_points_in_memory():
    X, y = labelled_points(n=120)
    with pytest.raises(ValueError, match="basis='lda' needs the points in memory"):
        SCMLSupervised().fit(dask_points(X, rows=60), y)
