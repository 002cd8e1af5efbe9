"""Block sizes: how many rows of a temporary fit in scikit-learn's ``working_memory``.

Every pass that would otherwise form an n × something matrix (pair differences,
distance tiles, Gram blocks) walks its rows in blocks of :func:`rows_per_block`
rows, so peak memory follows ``sklearn.set_config(working_memory=...)`` (MiB)
rather than the size of the data.
"""

import numpy as np
from sklearn.utils import gen_batches
from sklearn.utils._chunking import get_chunk_n_rows


def rows_per_block(row_bytes, n_rows):
    """Rows per block so that a block of ``row_bytes``-sized rows fits ``working_memory``.

    scikit-learn's own rule (:func:`sklearn.utils.get_chunk_n_rows`), kept in
    [1, max(n_rows, 1)] so that an empty pass still gets a valid block size. A
    single row larger than the budget gets a block of one row (scikit-learn
    warns that the budget cannot be kept).
    """
    return max(1, get_chunk_n_rows(row_bytes=max(int(row_bytes), 1), max_n_rows=max(n_rows, 1)))


def paired_distances(X, first, second, L):
    """Row norms ‖L(X[first] − X[second])‖, in blocks bounded by ``working_memory``.

    Parameters
    ----------
    X : ndarray of shape (n_points, n_features)
    first, second : ndarray of shape (n_pairs,), int
    L : ndarray of shape (n_components, n_features)

    Returns
    -------
    distances : ndarray of shape (n_pairs,), X's dtype
    """
    out = np.empty(first.shape[0], dtype=X.dtype)
    # Each block holds a difference matrix and its image under L.
    block_rows = rows_per_block(X.itemsize * (X.shape[1] + L.shape[0]), first.shape[0])
    Lt = L.T.astype(X.dtype, copy=False)
    for block in gen_batches(first.shape[0], block_rows):
        diff = X[first[block]] - X[second[block]]
        out[block] = np.linalg.norm(diff @ Lt, axis=1)
    return out
