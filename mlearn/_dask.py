"""Dask arrays in and out, without importing dask unless the user already did.

A fitted learner embeds a dask array lazily: ``transform`` maps each block of
rows through the learner's own numpy ``transform`` on the workers, so a model
fitted in memory embeds a dataset of any size and nothing reaches the driver
until the caller computes.
"""

import numpy as np


def is_dask_array(X):
    """Whether X is a ``dask.array.Array`` (checked by type, without importing dask)."""
    return type(X).__module__.split(".")[0] == "dask" and hasattr(X, "map_blocks")


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
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
    # Every block must hold whole rows for the map to apply to it.
    X = X.rechunk({1: -1})
    return X.map_blocks(estimator.transform, dtype=dtype, chunks=(X.chunks[0], (n_features_out,)))


def labels_in_memory(y):
    """Class labels as a numpy array, computing them if they come as a dask array."""
    return np.asarray(y.compute() if is_dask_array(y) else y)


def rows_for_tuples(X, tuples):
    """Fetch from the dask array X only the rows that index tuples use.

    Learners whose objective depends on the points of their constraints only
    (ITML, MMC) need no more than these rows: at most tuple_size × n_tuples of
    them, whatever the size of X.

    Returns
    -------
    rows : ndarray of shape (n_used, n_features)
        The used rows, in increasing index order.
    tuples : ndarray of the input's shape
        The tuples re-indexed into ``rows`` (the order is kept, so a solver
        sees the same points in the same order as on X itself).
    """
    used, inverse = np.unique(tuples, return_inverse=True)
    return np.asarray(X[used].compute()), inverse.reshape(tuples.shape).astype(np.intp)
