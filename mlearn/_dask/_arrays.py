"""Dask arrays in and out: lazy transforms, rows gathered for tuples, row blocks.

A fitted learner embeds a dask array lazily: ``transform`` maps each block of
rows through the learner's own numpy ``transform`` on the workers, so a model
fitted in memory embeds a dataset of any size and nothing reaches the driver
until the caller computes.
"""

import numpy as np

from .._validation import float_dtype, is_dask_array


def lazy_transform(estimator, X, n_features_out):
    """``estimator.transform`` applied to each row block of the dask array X, lazily.

    Parameters
    ----------
    estimator : fitted transformer
        Its ``transform`` takes and returns numpy arrays.
    X : dask.array.Array of shape (n_samples, n_features_in_)
    n_features_out : int

    Returns
    -------
    X_embedded : dask.array.Array of shape (n_samples, n_features_out)
        X's float dtype (float32 stays float32), float64 otherwise; chunked by
        rows as X is.
    """
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D dask array, got {X.ndim} dimension(s).")
    if X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input."
        )
    dtype = float_dtype(X)
    # Every block must hold whole rows for the map to apply to it.
    X = X.rechunk({1: -1})
    return X.map_blocks(estimator.transform, dtype=dtype, chunks=(X.chunks[0], (n_features_out,)))


def labels_in_memory(y):
    """Class labels as a numpy array, computing them if they come as a dask array."""
    return np.asarray(y.compute() if is_dask_array(y) else y)


def rows_of(X, *index_arrays):
    """The rows of the dask array X that the index arrays use, still on the cluster.

    Returns
    -------
    rows : dask.array.Array of shape (n_used, n_features)
        The used rows, in increasing index order (gathered by dask indexing,
        worker to worker).
    index_arrays : list of ndarray
        Each index array re-indexed into ``rows`` (shapes and order kept).
    """
    used, inverse = np.unique(
        np.concatenate([a.ravel() for a in index_arrays]), return_inverse=True
    )
    parts, start = [], 0
    for a in index_arrays:
        parts.append(inverse[start : start + a.size].reshape(a.shape).astype(np.intp))
        start += a.size
    return X.rechunk({1: -1})[used], parts


def rows_for_tuples(X, tuples):
    """Fetch from the dask array X only the rows that index tuples use.

    Learners whose objective depends on the points of their constraints only
    (ITML, and any tuple distances) need no more than these rows: at most tuple_size × n_tuples of
    them, whatever the size of X.

    Returns
    -------
    rows : ndarray of shape (n_used, n_features)
        The used rows, in increasing index order.
    tuples : ndarray of the input's shape
        The tuples re-indexed into ``rows`` (the order is kept, so a solver
        sees the same points in the same order as on X itself).
    """
    rows, (tuples,) = rows_of(X, np.asarray(tuples))
    return np.asarray(rows.compute()), tuples


def rows_apart(X, rows):
    """The dask array X without the rows marked in ``rows``, and those rows in memory.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
    rows : ndarray of shape (n_samples,), bool

    Returns
    -------
    rest : dask.array.Array of shape (n_samples − rows.sum(), n_features)
        The other rows, lazily, in X's row blocks: each block keeps its unmarked rows,
        where it is (nothing moves between workers), and a block left empty is dropped.
    apart : ndarray of shape (rows.sum(), n_features)
        The marked rows in increasing order, computed (only they reach the driver).
    """
    import dask.array as da

    X = X.rechunk({1: -1})
    rows = np.asarray(rows, dtype=bool)
    bounds = np.cumsum((0,) + X.chunks[0])
    kept = [int(np.count_nonzero(~rows[a:b])) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    keep = da.from_array(~rows, chunks=(X.chunks[0],))
    rest = da.map_blocks(
        _kept_rows, X, keep[:, None], chunks=(tuple(kept), X.chunks[1]), dtype=X.dtype
    )
    if 0 in kept:
        rest = rest.rechunk({0: tuple(n for n in kept if n)})
    return rest, np.asarray(X[np.flatnonzero(rows)].compute())


def _kept_rows(X_block, keep_block):
    return X_block[keep_block[:, 0]]


def row_blocks(X, *aligned):
    """The row blocks of the dask array X, each with the same rows of ``aligned`` arrays.

    Returns a list with one tuple ``(offset, X_block, *aligned_blocks)`` per block
    of rows, as dask delayed objects (``offset`` is the index of the block's
    first row in X, a plain int). Columns are merged into one chunk, so a block
    holds whole rows; a 1-D aligned array (labels) is rechunked to X's rows.
    """
    import dask

    X = X.rechunk({1: -1}) if X.ndim == 2 else X
    row_chunks = X.chunks[0]
    columns = [X.to_delayed().ravel()]
    for array in aligned:
        if is_dask_array(array):
            array = array.rechunk((row_chunks,) + tuple((n,) for n in array.shape[1:]))
            columns.append(array.to_delayed().ravel())
        else:
            array = np.asarray(array)
            bounds = np.cumsum((0,) + row_chunks)
            columns.append(
                [dask.delayed(array[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
            )
    offsets = np.cumsum((0,) + row_chunks)[:-1].tolist()
    return [(offset, *blocks) for offset, *blocks in zip(offsets, *columns, strict=True)]


def row_block_bounds(X):
    """The first row of each row block of the dask array X, and n: [0, ..., n_samples]."""
    return np.cumsum((0,) + tuple(X.chunks[0])).tolist()
