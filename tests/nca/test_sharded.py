"""NCA fitted on a dask array: row blocks of queries against all the projected points."""

import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from sklearn.datasets import load_wine  # noqa: E402

from mlearn import NCA  # noqa: E402


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    return X / X.std(axis=0), y


@pytest.mark.parametrize("init", ["pca", "lda", "identity"])
@pytest.mark.parametrize(("tol", "rtol"), [(1e-7, 1e-9), (1e-5, 1e-6)])
def test_fit_on_row_blocks_equals_the_fit_in_memory(wine, init, tol, rtol):
    """To rounding: of float64 where tol keeps it, of the float32 stage at the default."""
    X, y = wine
    params = {"n_components": 2, "init": init, "max_iter": 15, "tol": tol}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        in_memory = NCA(**params).fit(X, y)
        sharded = NCA(**params).fit(da.from_array(X, chunks=(50, 13)), y)
    assert sharded.n_iter_ == in_memory.n_iter_
    np.testing.assert_allclose(sharded.objective_, in_memory.objective_, rtol=rtol)
    # 'pca' and 'lda' axes from summed scatters may flip a row's sign; the metric cannot.
    # float32's rounding, summed in another order, moves the L-BFGS path by about 1e-4.
    M = in_memory.get_mahalanobis_matrix()
    atol = 1e-6 if rtol < 1e-6 else 1e-3 * np.abs(M).max()
    np.testing.assert_allclose(sharded.get_mahalanobis_matrix(), M, atol=atol)


def test_float32_blocks_stay_float32(wine):
    X, y = wine
    lazy = da.from_array(X.astype(np.float32), chunks=(60, 13))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = NCA(n_components=2, max_iter=5).fit(lazy, y)
    assert model.components_.dtype == np.float32
