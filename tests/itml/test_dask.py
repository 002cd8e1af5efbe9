"""ITML on dask arrays: only the rows the pairs use are fetched; the fit is the in-memory one."""

import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from sklearn.datasets import load_iris  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from mlearn import ITMLSupervised  # noqa: E402


def test_fit_on_a_dask_array_equals_the_in_memory_fit():
    # Pairs are drawn from the labels on the driver, and only the rows they use are
    # fetched: the solver sees the very same points in the same order.
    X, y = load_iris(return_X_y=True)
    lazy_X = da.from_array(X, chunks=(30, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        on_dask = ITMLSupervised(random_state=0).fit(lazy_X, da.from_array(y, chunks=30))
        in_memory = ITMLSupervised(random_state=0).fit(X, y)
    np.testing.assert_array_equal(on_dask.components_, in_memory.components_)
    assert on_dask.n_features_in_ == 4
    np.testing.assert_array_equal(on_dask.classes_, in_memory.classes_)
    # The fitted model embeds dask arrays lazily, like any other.
    assert isinstance(on_dask.transform(lazy_X), da.Array)


def test_fit_on_a_dask_array_fetches_only_the_constrained_rows():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 5))
    y = rng.integers(0, 2, 20_000)
    fetched = []

    def record_block(block):
        fetched.append(block.shape[0])
        return block

    lazy_X = da.from_array(X, chunks=(1000, 5)).map_blocks(record_block, meta=X[:0])
    ITMLSupervised(n_constraints=20, random_state=0, tol=1e-2).fit(lazy_X, y)
    # At most 80 rows are used; whole chunks pass through the map, not the dataset twice.
    assert sum(fetched) <= 20_000


def test_fit_on_a_dask_array_reads_only_the_chunks_that_hold_paired_rows():
    # Ten pairs touch at most 20 of the 200 chunks: the others are never computed.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 5))
    y = rng.integers(0, 2, 20_000)
    fetched = []

    def record_block(block):
        fetched.append(block.shape[0])
        return block

    lazy_X = da.from_array(X, chunks=(100, 5)).map_blocks(record_block, meta=X[:0])
    on_dask = ITMLSupervised(n_constraints=5, random_state=0, tol=1e-2).fit(lazy_X, y)
    assert 0 < sum(fetched) <= 20 * 100
    in_memory = ITMLSupervised(n_constraints=5, random_state=0, tol=1e-2).fit(X, y)
    np.testing.assert_array_equal(on_dask.components_, in_memory.components_)
