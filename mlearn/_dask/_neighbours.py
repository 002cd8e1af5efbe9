"""Exact nearest same-class and other-class neighbours of every row of a dask array."""

import numpy as np

from .._blocks import k_nearest, merged_nearest, squared_distances
from ._arrays import row_blocks


def _block_neighbours(query, data, k_genuine, k_impostor):
    """Nearest same-class and other-class points of the query rows among the data rows.

    ``query`` and ``data`` are (offset, X_block, y_block). Returns
    (genuine distances, genuine indices, impostor distances, impostor indices),
    indices into the whole X, padded with (inf, −1) where a block has too few.
    """
    (q_offset, Xq, yq), (d_offset, Xd, yd) = query, data
    Xq, Xd = np.asarray(Xq, dtype=np.float64), np.asarray(Xd, dtype=np.float64)
    dist = squared_distances(Xq, Xd)
    q_index = np.arange(Xq.shape[0])[:, None] + q_offset
    index = np.broadcast_to(np.arange(Xd.shape[0])[None, :] + d_offset, dist.shape)
    same = yq[:, None] == yd[None, :]
    genuine = np.where(same & (index != q_index), dist, np.inf)
    impostor = np.where(same, np.inf, dist)
    return (*k_nearest(genuine, index, k_genuine), *k_nearest(impostor, index, k_impostor))


def _merge_neighbours(parts, k_genuine, k_impostor):
    """The nearest over all data blocks, from each block's nearest; (genuine, impostors)."""
    return [
        merged_nearest([part[column : column + 2] for part in parts], k)[1]
        for column, k in ((0, k_genuine), (2, k_impostor))
    ]


def _all_finite(X_block):
    return bool(np.all(np.isfinite(X_block)))


def class_neighbours(X, y, k_genuine, k_impostor):
    """Each row's ``k_genuine`` nearest same-class and ``k_impostor`` nearest other-class rows.

    Exact brute-force search, block against block of rows: every pair of row
    blocks is one task (n² d work, as in memory; the memory of a task is two
    blocks and their distances). Only the neighbours' indices (n × k integers)
    come back. Points at exactly equal distances may be ordered otherwise than
    by a tree search in memory.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Class labels, in memory.
    k_genuine, k_impostor : int

    Returns
    -------
    genuine : ndarray of shape (n_samples, k_genuine), intp
    impostors : ndarray of shape (n_samples, k_impostor), intp
        Indices into X, nearest first; −1 where a class has too few points.
    """
    import dask

    blocks = [(offset, Xb, yb) for offset, Xb, yb in row_blocks(X, y)]
    search = dask.delayed(_block_neighbours, pure=True)
    merge = dask.delayed(_merge_neighbours, pure=True)
    per_query = [
        merge(
            [search(query, data, k_genuine, k_impostor) for data in blocks], k_genuine, k_impostor
        )
        for query in blocks
    ]
    finite = [dask.delayed(_all_finite, pure=True)(block[1]) for block in blocks]
    *per_query, finite = dask.compute(*per_query, finite)
    if not all(finite):
        raise ValueError("Input X contains NaN or infinity.")
    genuine = np.concatenate([part[0] for part in per_query])
    impostors = np.concatenate([part[1] for part in per_query])
    return genuine, impostors
