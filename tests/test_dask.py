"""Dask arrays: lazy embedding of data of any size, and search on a cluster."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from sklearn.datasets import load_iris  # noqa: E402

from mlearn import LMNN, Covariance, KernelLMNN, KernelMetricLearner  # noqa: E402


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
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_backend
    from sklearn.model_selection import GridSearchCV
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline

    X, y = _iris()
    pipe = make_pipeline(LMNN(max_iter=30, random_state=0), KNeighborsClassifier(3))
    grid = {"lmnn__push_weight": [0.3, 0.7]}
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        with parallel_backend("dask"):
            on_cluster = GridSearchCV(pipe, grid, cv=3).fit(X, y)
        assert len(client.scheduler_info()["workers"]) == 2
    in_memory = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert on_cluster.best_params_ == in_memory.best_params_
    np.testing.assert_allclose(
        on_cluster.cv_results_["mean_test_score"], in_memory.cv_results_["mean_test_score"]
    )
