"""Dask arrays: lazy embedding of data of any size, and search on a cluster."""

import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from sklearn.datasets import load_iris  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from mlearn import (  # noqa: E402
    FARM,
    ITML,
    LMNN,
    MMC,
    Covariance,
    ITMLSupervised,
    KernelLMNN,
    KernelMetricLearner,
    MMCSupervised,
    TripletSVM,
)

from ._cluster import two_worker_client  # noqa: E402


def _iris():
    X, y = load_iris(return_X_y=True)
    return X, y


@pytest.mark.parametrize(
    "make",
    [
        Covariance,
        lambda: LMNN(max_iter=20, random_state=0),
        lambda: KernelMetricLearner(Covariance(), n_kernel_components=5),
        lambda: KernelLMNN(n_components=2, max_iter=20),
    ],
    ids=["Covariance", "LMNN", "KernelMetricLearner", "KernelLMNN"],
)
def test_transform_of_a_dask_array_is_lazy_and_equals_the_in_memory_result(make):
    X, y = _iris()
    model = make().fit(X, y)
    calls = []

    def count_block(block):
        if block.shape[0] > 1:  # dask probes with tiny blocks to infer metadata
            calls.append(block.shape[0])
        return block

    lazy_X = da.from_array(X, chunks=(40, 2)).map_blocks(count_block)
    embedded = model.transform(lazy_X)
    assert isinstance(embedded, da.Array)
    assert calls == []  # nothing computed yet
    assert embedded.chunks[0] == (40, 40, 40, 30)
    np.testing.assert_allclose(embedded.compute(), model.transform(X), rtol=1e-12)


def test_dask_transform_keeps_float32_and_checks_the_feature_count():
    X, y = _iris()
    model = Covariance().fit(X.astype(np.float32))
    embedded = model.transform(da.from_array(X.astype(np.float32), chunks=50))
    assert embedded.dtype == np.float32
    assert embedded.compute().dtype == np.float32
    with pytest.raises(ValueError, match="expecting 4 features"):
        model.transform(da.ones((10, 3), chunks=5))


def test_grid_search_runs_on_a_local_cluster_through_joblib():
    pytest.importorskip("distributed")
    from joblib import parallel_backend
    from sklearn.model_selection import GridSearchCV
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline

    X, y = _iris()
    pipe = make_pipeline(LMNN(max_iter=30, random_state=0), KNeighborsClassifier(3))
    grid = {"lmnn__push_weight": [0.3, 0.7]}
    with two_worker_client() as client:
        with parallel_backend("dask"):
            on_cluster = GridSearchCV(pipe, grid, cv=3).fit(X, y)
        assert len(client.scheduler_info()["workers"]) == 2
    in_memory = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert on_cluster.best_params_ == in_memory.best_params_
    np.testing.assert_allclose(
        on_cluster.cv_results_["mean_test_score"], in_memory.cv_results_["mean_test_score"]
    )


def test_fit_on_a_dask_array_checks_its_input():
    X, y = _iris()
    with pytest.raises(ValueError, match="rows but y has"):
        ITMLSupervised().fit(da.from_array(X, chunks=50), y[:-1])
    with pytest.raises(ValueError, match="2-D"):
        MMCSupervised().fit(da.from_array(X[:, 0], chunks=50), y)
    bad = X.copy()
    bad[:, 0] = np.nan  # in every row, so in the rows the pairs use
    with pytest.raises(ValueError, match="NaN"):
        ITMLSupervised(random_state=0).fit(da.from_array(bad, chunks=50), y)


@pytest.mark.parametrize(
    "make, kind",
    [
        (lambda X: MMC(preprocessor=X, random_state=0), "pairs"),
        (lambda X: MMC(diagonal=True, preprocessor=X, random_state=0), "pairs"),
        (lambda X: TripletSVM(preprocessor=X), "triplets"),
        (lambda X: FARM(preprocessor=X, random_state=0), "triplets"),
        (lambda X: ITML(preprocessor=X, random_state=0), "pairs"),
    ],
    ids=["MMC", "MMC-diagonal", "TripletSVM", "FARM", "ITML"],
)
def test_weakly_supervised_fit_on_a_dask_preprocessor_equals_the_in_memory_fit(make, kind):
    # Index tuples into a dask array: MMC, TripletSVM and FARM take their sums over
    # the tuples on the cluster; ITML fetches the rows its pairs use.
    from mlearn.constraints import knn_triplets, similar_dissimilar_pairs

    X, y = _iris()
    if kind == "pairs":
        tuples, labels = similar_dissimilar_pairs(y, 200, random_state=0)
    else:
        tuples, labels = knn_triplets(X, y, 2, 2), None
    lazy_X = da.from_array(X, chunks=(40, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        in_memory = make(X).fit(tuples, labels)
        on_dask = make(lazy_X).fit(tuples, labels)
    M, M_dask = in_memory.get_mahalanobis_matrix(), on_dask.get_mahalanobis_matrix()
    # Sums in another order; TripletSVM's interior point agrees to its certified tol.
    rtol = 1e-4 if isinstance(in_memory, TripletSVM) else 1e-9
    assert np.abs(M_dask - M).max() <= rtol * np.abs(M).max()
    scores = [m.score(tuples, labels) if labels is not None else m.score(tuples) for m in
              (in_memory, on_dask)]  # fmt: skip
    # The scores rank the tuples by distance: the metrics agree to 1e-9, but tied distances
    # (iris has exactly tied pairs) may swap places, and one swap moves a score by ~5e-5.
    assert scores[0] == pytest.approx(scores[1], abs=1e-4)
    assert on_dask.n_features_in_ == 4


def test_a_dask_preprocessor_must_be_two_dimensional_and_numeric():
    with pytest.raises(ValueError, match="2-D numeric"):
        MMC(preprocessor=da.ones(10, chunks=5)).fit([[0, 1], [2, 3]], [1, -1])
