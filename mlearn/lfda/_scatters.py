"""LFDA's local scatter matrices, Xᵀ·Lap(W)·X summed class by class in blocks of rows.

Within a class c, the local scatter of the affinity A (Sugiyama 2007, eq. 11)

    G_c = ½ Σ_{i,j ∈ c} A_ij (x_i − x_j)(x_i − x_j)ᵀ = X_cᵀ (diag(A1) − A) X_c

is a Laplacian quadratic form. A is dense within a class (every pair has a
positive affinity), so rather than a sparse pair list (:class:`mlearn._scatter.PairScatter`)
it is computed one block of rows at a time: a block of b rows holds b × n_c
distances and affinities, never the n_c × n_c matrix (block sizes from
``working_memory``, :func:`mlearn._blocks.rows_per_block`), and nothing of size
n × n or n × n × d is ever formed.
"""

import numpy as np
from sklearn.utils import gen_batches

from .._blocks import rows_per_block

__all__ = ["local_scatters"]


def _squared_distances(block, points, block_norms, norms):
    """‖a − b‖² for the rows of ``block`` against ``points``, clipped at 0."""
    D = block_norms[:, None] + norms[None, :] - 2 * (block @ points.T)
    return np.maximum(D, 0, out=D)


def _class_blocks(n_rows):
    # A block holds, per row, four float64 n_c-vectors: distances, scales, the quotient
    # and the affinities.
    return gen_batches(n_rows, rows_per_block(4 * 8 * n_rows, n_rows))


def _kth_neighbour_distances(D, k):
    return np.sqrt(np.partition(D, k, axis=1)[:, k])


def _block_distances(Xc, rows, norms):
    """Squared distances of the block's rows to the whole class, self-distances exactly 0."""
    D = _squared_distances(Xc[rows], Xc, norms[rows], norms)
    D[np.arange(D.shape[0]), np.arange(rows.start, rows.stop)] = 0.0
    return D


def local_scaling(Xc, k):
    """σ_i: the distance from each point of a class to its k-th nearest neighbour there.

    The point itself is the 0-th neighbour (Zelnik-Manor & Perona 2005, as
    Sugiyama 2007 §3.2 uses it); k is capped at n_c − 1.
    """
    n_c = Xc.shape[0]
    k = min(k, n_c - 1)
    norms = np.einsum("ij,ij->i", Xc, Xc)
    sigma = np.empty(n_c)
    for rows in _class_blocks(n_c):
        sigma[rows] = _kth_neighbour_distances(_block_distances(Xc, rows, norms), k)
    return sigma


def _affinity(D, sigma_rows, sigma):
    """exp(−D / σ_iσ_j), 0 where σ_iσ_j = 0."""
    scale = np.outer(sigma_rows, sigma)
    with np.errstate(divide="ignore", invalid="ignore"):
        A = np.exp(-D / scale)
    A[scale == 0] = 0.0
    return A


def class_local_scatter(Xc, k):
    """G_c = X_cᵀ Lap(A) X_c for the local-scaling affinity A_ij = exp(−‖x_i − x_j‖² / σ_iσ_j).

    Pairs with σ_iσ_j = 0 (duplicated points) get affinity 0, as in the
    authors' code. X_c should be centred (the Laplacian ignores any shift, and
    centring keeps the distances accurate).
    """
    n_c, d = Xc.shape
    G = np.zeros((d, d))
    if n_c < 2:
        return G
    norms = np.einsum("ij,ij->i", Xc, Xc)
    blocks = list(_class_blocks(n_c))
    if len(blocks) == 1:  # the usual case: one pass of distances serves σ and A
        D = _block_distances(Xc, blocks[0], norms)
        sigma = _kth_neighbour_distances(D, min(k, n_c - 1))
        A = _affinity(D, sigma, sigma)
        G = Xc.T @ (A.sum(axis=1)[:, None] * Xc - A @ Xc)
        return (G + G.T) / 2
    sigma = local_scaling(Xc, k)
    for rows in blocks:
        A = _affinity(_block_distances(Xc, rows, norms), sigma[rows], sigma)
        block = Xc[rows]
        G += block.T @ (A.sum(axis=1)[:, None] * block - A @ Xc)
    return (G + G.T) / 2


def local_scatters(X, y, k):
    """LFDA's local between-class and within-class scatters, and the total scatter.

    With n points, class sizes n_c and the class-wise affinities A (eq. 11-14),

        S_lw = Σ_c G_c / n_c,
        S_lb = S_t − Σ_c (n_c / n) S_c + Σ_c (1/n − 1/n_c) G_c,

    where S_t = Σ_i (x_i − m)(x_i − m)ᵀ is the total scatter and S_c the
    scatter of class c about its mean: the second form of S_lb is
    ½ Σ_ij W^lb_ij (x_i − x_j)(x_i − x_j)ᵀ with W^lb_ij = A_ij (1/n − 1/n_c)
    within a class and 1/n across classes, summed without any pair list.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,), int
        Labels encoded 0..n_classes − 1.
    k : int
        Neighbour of the local scaling.

    Returns
    -------
    between, within, total : ndarray of shape (n_features, n_features)
    """
    n, d = X.shape
    centred = X - X.mean(axis=0)
    total = centred.T @ centred
    between, within = total.copy(), np.zeros((d, d))
    for c in range(int(y.max()) + 1):
        Xc = X[y == c]
        n_c = Xc.shape[0]
        if n_c == 0:
            continue
        Xc = Xc - Xc.mean(axis=0)
        G = class_local_scatter(Xc, k)
        within += G / n_c
        between += (1 / n - 1 / n_c) * G - (n_c / n) * (Xc.T @ Xc)
    return (between + between.T) / 2, (within + within.T) / 2, total
