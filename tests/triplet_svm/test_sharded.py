"""TripletSVM fitted on a dask array: sums over the triplets on the workers.

The evaluators (mlearn/triplet_svm/_features.py, _terms.py) are built per shard of
the triplets through the seam in mlearn.base; these fits and products must equal
the in-memory ones.
"""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from mlearn import TripletSVM, TripletSVMSupervised  # noqa: E402
from mlearn._dask import current_client  # noqa: E402
from mlearn.constraints import knn_triplets  # noqa: E402
from mlearn.triplet_svm._features import TripletFeatures  # noqa: E402
from mlearn.triplet_svm._terms import TripletTerms  # noqa: E402

from .._cluster import dask_points, labelled_points  # noqa: E402


def _assert_same_metric(on_dask, in_memory):
    M_dask, M = on_dask.get_mahalanobis_matrix(), in_memory.get_mahalanobis_matrix()
    # The interior point and L-BFGS-B take rounding-dependent paths (an iteration
    # more or less), so the two fits agree to the certified tolerance, not to
    # rounding: both primal values are within tol of the optimum P*, and the
    # primal is 1-strongly convex in M (½‖M‖²_F), so ‖M − M*‖_F ≤ √(2 tol P).
    tol, P = in_memory.tol, max(on_dask.objective_, in_memory.objective_)
    assert abs(on_dask.objective_ - in_memory.objective_) <= tol * P
    assert np.linalg.norm(M_dask - M) <= 2 * np.sqrt(2 * tol * P)


# The tests without a client come first: the module's cluster, once started, is the
# default scheduler of every later dask computation.


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_triplet_svm_without_a_client_runs_on_the_local_scheduler():
    assert current_client() is None
    X, y = labelled_points(n=200, seed=3)
    make = lambda: TripletSVMSupervised(k_impostor=4)  # noqa: E731
    _assert_same_metric(make().fit(dask_points(X, rows=50), y), make().fit(X, y))


def test_sharded_triplet_features_and_their_subsets_equal_the_in_memory_ones():
    # The interior point's working set (above 10⁵ triplets) runs on subsets of Z.
    X, y = labelled_points(n=150, seed=5)
    triplets = knn_triplets(X, y, 2, 3)
    rng = np.random.default_rng(0)
    whole = TripletFeatures(X, triplets)
    lazy = da.from_array(X, chunks=(40, 5))
    sharded = TripletSVM()._evaluator(TripletFeatures, lazy, triplets, n_shards=4)
    rows = np.sort(rng.choice(len(triplets), 200, replace=False))
    for ours, reference in ((sharded, whole), (sharded.subset(rows), whole.subset(rows))):
        n = reference.n_triplets
        w, a, d = rng.uniform(size=5), rng.normal(size=n), rng.uniform(size=n) ** 4
        assert (ours.n_triplets, ours.n_features) == (reference.n_triplets, reference.n_features)
        np.testing.assert_allclose(ours.matvec(w), reference.matvec(w), rtol=1e-12)
        np.testing.assert_allclose(ours.rmatvec(a), reference.rmatvec(a), rtol=1e-12)
        np.testing.assert_allclose(
            ours.weighted_gram(1e-2, d.max(), d),
            reference.weighted_gram(1e-2, d.max(), d),
            rtol=1e-12,
        )


def test_sharded_triplet_terms_and_their_subsets_equal_the_in_memory_ones():
    # The full form's working set runs on subsets of the terms, on a dask array too.
    X, y = labelled_points(n=150, seed=6)
    triplets = knn_triplets(X, y, 2, 3)
    rng = np.random.default_rng(1)
    P = np.linalg.qr(rng.normal(size=(5, 3)))[0]
    whole = TripletTerms(X, triplets, P=P)
    lazy = da.from_array(X, chunks=(40, 5))
    sharded = TripletSVM()._evaluator(TripletTerms, lazy, triplets, n_shards=3, P=P)
    rows = np.sort(rng.choice(len(triplets), 200, replace=False))
    for ours, reference in ((sharded, whole), (sharded.subset(rows), whole.subset(rows))):
        alpha, L = rng.uniform(size=reference.n_triplets), rng.normal(size=(2, 3))
        assert (ours.n_triplets, ours.n_features) == (reference.n_triplets, 3)
        np.testing.assert_allclose(ours.scatter(alpha), reference.scatter(alpha), rtol=1e-12)
        np.testing.assert_allclose(ours.margins(L), reference.margins(L), rtol=1e-12)


def test_cvxpy_solver_needs_the_points_in_memory():
    X, y = labelled_points(n=60, seed=7)
    with pytest.raises(ValueError, match="solver='cvxpy' needs the points in memory"):
        TripletSVMSupervised(solver="cvxpy").fit(dask_points(X), y)


TRIPLET_CASES = {
    "TripletSVMSupervised": lambda: TripletSVMSupervised(k_impostor=4),
    "TripletSVMSupervised-basis": lambda: TripletSVMSupervised(
        k_impostor=4, basis=np.linspace(-1, 1, 15).reshape(5, 3) ** [1, 2, 3]
    ),
    "TripletSVMSupervised-full": lambda: TripletSVMSupervised(
        C=0.01, diagonal=False, k_impostor=4, tol=1e-3
    ),
}


@pytest.mark.parametrize("name", list(TRIPLET_CASES))
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_triplet_learners_on_a_cluster_agree_with_the_in_memory_fit(client, name):
    X, y = labelled_points(n=240)
    make = TRIPLET_CASES[name]
    on_dask = make().fit(dask_points(X, rows=60, guard=True), y)
    _assert_same_metric(on_dask, make().fit(X, y))
