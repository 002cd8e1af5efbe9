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
