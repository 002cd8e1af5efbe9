"""Rows of a dask array set apart: the rest stays in its row blocks, the rows come back."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from mlearn._dask import rows_apart  # noqa: E402


def test_rows_set_apart_leave_each_block_its_other_rows():
    X = np.arange(60.0).reshape(20, 3)
    rows = np.zeros(20, dtype=bool)
    rows[[1, 2, 9, 17]] = True
    rest, apart = rows_apart(da.from_array(X, chunks=(5, 2)), rows)
    np.testing.assert_array_equal(apart, X[rows])
    np.testing.assert_array_equal(rest.compute(), X[~rows])
    assert rest.chunks[0] == (3, 4, 5, 4)
    # A block left without rows is dropped (every fit block has rows).
    rows[:5] = True
    rest, apart = rows_apart(da.from_array(X, chunks=(5, 3)), rows)
    assert rest.chunks[0] == (4, 5, 4)
    np.testing.assert_array_equal(rest.compute(), X[~rows])
