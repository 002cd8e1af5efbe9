"""Block sizes: how many rows of a temporary fit in scikit-learn's ``working_memory``.

Every pass that would otherwise form an n × something matrix (pair differences,
distance tiles, Gram blocks) walks its rows in blocks of :func:`rows_per_block`
rows, so peak memory follows ``sklearn.set_config(working_memory=...)`` (MiB)
rather than the size of the data. The k-nearest selections here serve a search in
memory and one over the row blocks of a dask array alike: each block's nearest,
then :func:`k_nearest` over their union; :func:`class_votes` counts the neighbours'
classes for a kNN vote.
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


def squared_distances(A, B):
    """‖a − b‖² for every row a of A and b of B (A Aᵀ, B Bᵀ and one GEMM), clipped at 0.

    In place on the product, so that the only n_A × n_B array is the result.
    """
    dist = A @ B.T
    dist *= -2
    dist += np.einsum("ij,ij->i", A, A)[:, None]
    dist += np.einsum("ij,ij->i", B, B)
    return np.maximum(dist, 0, out=dist)


def k_nearest(dist, index, k):
    """The k smallest of each row of ``dist``, nearest first, as (distances, indices).

    Equal distances are ordered by index, so that merging the nearest of several
    blocks (their columns side by side) gives the same answer as one search.
    """
    k = min(k, dist.shape[1])
    if k < dist.shape[1]:
        chosen = np.argpartition(dist, k - 1, axis=1)[:, :k]
        dist, index = np.take_along_axis(dist, chosen, 1), np.take_along_axis(index, chosen, 1)
    order = np.lexsort((index, dist), axis=1)
    return np.take_along_axis(dist, order, 1), np.take_along_axis(index, order, 1)


def merged_nearest(parts, k=None):
    """The k nearest over several blocks' (distances, indices), from each block's nearest.

    k defaults to the most any block gave (a block of fewer points gives fewer).
    """
    if k is None:
        k = max(dist.shape[1] for dist, _ in parts)
    dist = np.hstack([dist for dist, _ in parts])
    index = np.hstack([index for _, index in parts])
    return k_nearest(dist, index, k)


def nearest_rows(queries, points, k, offset=0):
    """Each query's k nearest rows of ``points`` (squared Euclidean), nearest first.

    The points are walked in blocks bounded by ``working_memory`` (a block holds its
    distances to every query and their argpartition). Returns (distances, indices) of shape
    (n_queries, min(k, n_points)), the indices counted from ``offset``.
    """
    n_queries, n_points = queries.shape[0], points.shape[0]
    k = min(k, n_points)
    best_d = np.empty((n_queries, 0), dtype=np.result_type(queries, points))
    best_i = np.empty((n_queries, 0), dtype=np.intp)
    block_rows = rows_per_block((best_d.itemsize + best_i.itemsize) * n_queries, n_points)
    for block in gen_batches(n_points, block_rows):
        dist = squared_distances(queries, points[block])
        index = np.broadcast_to(np.arange(block.start, block.stop) + offset, dist.shape)
        best_d, best_i = merged_nearest([(best_d, best_i), k_nearest(dist, index, k)], k)
    return best_d, best_i


def class_votes(neighbour_labels, n_classes):
    """Votes per class of each row's neighbours: counts of shape (n_rows, n_classes).

    ``neighbour_labels`` (n_rows, k) holds the classes (0 .. n_classes − 1) of each row's k
    neighbours; ``votes.argmax(axis=1)`` is the uniform kNN vote, a tie to the smallest class,
    as scikit-learn's ``KNeighborsClassifier`` decides it.
    """
    votes = np.zeros((neighbour_labels.shape[0], n_classes), dtype=np.intp)
    rows = np.arange(neighbour_labels.shape[0])[:, None]
    np.add.at(votes, (rows, neighbour_labels), 1)
    return votes
