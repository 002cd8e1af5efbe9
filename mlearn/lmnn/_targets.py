"""Target neighbours: each point's k nearest same-class points in the input space.

They are found once, before the fit, by an exact k-smallest selection over
square tiles of X Xᵀ (upper triangle only, so every distance is computed once);
the objective then measures them under L (:func:`target_distances`).
"""

import numpy as np
from sklearn.utils import gen_batches

# Side of the square tiles of the search (a 512 × 512 float64 tile is 2 MB).
_NEAREST_TILE = 512


def target_neighbors(X, y, n_neighbors):
    """The k nearest same-class points of each point (Euclidean, input space).

    Classes with fewer than ``n_neighbors + 1`` points give their points
    ``n_class − 1`` target neighbours; the missing slots are marked invalid.

    Returns
    -------
    targets : ndarray of shape (n_samples, n_neighbors), intp
        Row i lists the target neighbours of i (i itself in invalid slots).
    valid : ndarray of shape (n_samples, n_neighbors), bool
    """
    n = X.shape[0]
    targets = np.repeat(np.arange(n, dtype=np.intp)[:, None], n_neighbors, axis=1)
    valid = np.zeros((n, n_neighbors), dtype=bool)
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        k = min(n_neighbors, members.shape[0] - 1)
        if k < 1:
            continue
        targets[members, :k] = members[nearest_in_set(X[members], k)]
        valid[members, :k] = True
    return targets, valid


def target_distances(Z, targets):
    """D_ij = ‖z_i − z_j‖² for every target slot j of every point i: (n_samples, k)."""
    differences = Z[:, None, :] - Z[targets]
    return np.einsum("...j,...j->...", differences, differences)


def nearest_in_set(X, k):
    """Indices of the k nearest other rows of X (squared Euclidean), sorted by distance.

    Square tiles of X Xᵀ in X's precision, upper triangle only: one compiled pass
    merges each tile into the k smallest of its rows and of its columns, so every
    distance is computed once and no n × n matrix is formed.
    """
    # Imported here: the kernels import numba, which ``import mlearn`` does not.
    from ._kernels import merge_nearest

    n = X.shape[0]
    X = X - X.mean(axis=0)
    sq = np.einsum("ij,ij->i", X, X)
    ids = np.arange(n, dtype=np.intp)
    best_d = np.full((n, k), np.inf, dtype=X.dtype)
    best_i = np.zeros((n, k), dtype=np.intp)
    blocks = list(gen_batches(n, _NEAREST_TILE))
    for a, rows in enumerate(blocks):
        for cols in blocks[a:]:
            merge_nearest(
                X[rows] @ X[cols].T,
                sq[rows],
                sq[cols],
                ids[rows],
                ids[cols],
                best_d[rows],
                best_i[rows],
                best_d[cols],
                best_i[cols],
                cols != rows,
            )
    return best_i
