"""Objectives of a softmax over all pairs of projected points, in row tiles, with their gradient.

NCA (Goldberger et al. 2004) and MLKR (Weinberger & Tesauro 2007) both give every
point i a soft neighbourhood over all the other points in the projected space
z = Lx,

    p_ij = exp(−‖z_i − z_j‖²) / Σ_{l≠i} exp(−‖z_i − z_l‖²),   p_ii = 0,

read the points' targets B (one row per point: a one-hot class for NCA, the
regression target for MLKR) through it, s_i = Σ_j p_ij b_j, and add up a loss
f_i(s_i) per point. With u_i = ∂f_i/∂s_i, the chain rule through the softmax
gives ∂f/∂‖z_i − z_j‖² = w_ij with

    w_ij = p_ij (⟨u_i, s_i⟩ − ⟨u_i, b_j⟩),

and, since ∂‖L(x_i − x_j)‖²/∂L = 2 (z_i − z_j)(x_i − x_j)ᵀ,

    ∂f/∂L = 2 Σ_ij w_ij (z_i − z_j)(x_i − x_j)ᵀ = 2 Vᵀ X,
    v_i = Σ_j (w_ij + w_ji)(z_i − z_j)                      (n × k).

(Swap the names i, j in the x_j half of the first sum.) So the gradient is one
n × k by n × d product, and everything n × n lives only in a row tile: for the
query rows I, the tile of p (|I| × n) gives s_I, f_I, u_I and w_I, which adds
r_I z_I − w_I Z to v_I (r the row sums of w_I) and c z_j − (w_Iᵀ Z_I)_j to every
v_j (c the column sums). A tile costs three |I| × n × k products (distances and
the two halves of v) and two |I| × n × c ones (s and w), with c the number of
classes or targets; its memory is about three |I| × n arrays. Tiles of about
16 MiB run fastest (they stay in cache; ``benchmarks/nca_scale.py``), and
``working_memory`` caps them (:func:`mlearn._blocks.rows_per_block`), so n = 60,000
needs O(n (d + k)) memory plus one tile, not the 29 GB of one n × n float64 matrix.

:class:`PairSoftmax` is an evaluator over a block of query rows (all rows in
memory; one row block per shard on a Dask array): its loss sums and v are sums
over the query rows, so the shards' results add up to the whole objective.
"""

import numpy as np
from sklearn.utils import gen_batches

from ._blocks import rows_per_block
from ._evaluator import across_shards

__all__ = ["PairSoftmax", "TILE_ARRAYS", "softmax_loss_and_grad"]

# |I| × n arrays alive at once in a tile: the distances turned into p in place, the
# cross term ⟨u_i, b_j⟩ turned into w in place, and one product's temporary.
TILE_ARRAYS = 3

# A tile of about this many bytes (the TILE_ARRAYS arrays together) runs fastest, and at
# least this many rows, so that each product is still a matrix-matrix one.
FAST_TILE_BYTES = 16 * 2**20
MIN_TILE_ROWS = 32

# −log of a number a little above the smallest normal one, per dtype (about 700 and 79).
_EXP_ARGUMENT_FLOOR = {t: -np.log(np.finfo(t).tiny) - 8.0 for t in (np.float32, np.float64)}


class PairSoftmax:
    """The softmax objective of the query rows ``offset, …, offset + len(X) − 1``.

    Parameters
    ----------
    offset : int
        Index of the first query row among all points.
    X : ndarray of shape (n_rows, n_features)
        The query rows.
    targets : ndarray of shape (n_rows, n_targets)
        Their targets b_i.
    row_loss : callable
        ``row_loss(s, b) -> (loss, u)`` for a tile: s and b of shape
        (n_tile, n_targets), loss the sum of f_i(s_i) over the tile (a float),
        u = ∂f_i/∂s_i row by row. A module-level function, so that it pickles.
    tile_rows : int or None
        Query rows per tile; None sizes tiles by ``working_memory``.
    """

    def __init__(self, offset, X, targets, *, row_loss, tile_rows=None):
        self.offset, self.X = int(offset), X
        self.targets = np.asarray(targets, dtype=X.dtype).reshape(X.shape[0], -1)
        self.row_loss, self.tile_rows = row_loss, tile_rows
        self.n_rows = X.shape[0]

    @across_shards("concatenate")
    def embed(self, L):
        """Z of the query rows, X Lᵀ, in X's dtype."""
        return self.X @ np.asarray(L, dtype=self.X.dtype).T

    @across_shards("concatenate")
    def all_targets(self):
        """The targets of the query rows (for the whole B that every tile reads)."""
        return self.targets

    @across_shards("sum")
    def loss_and_directions(self, Z, B):
        """(Σ_{i∈rows} f_i, V): the loss of the query rows and their part of V (n × k).

        Parameters
        ----------
        Z : ndarray of shape (n_points, n_components)
            All the points, projected.
        B : ndarray of shape (n_points, n_targets)
            All the points' targets.
        """
        # Distances come from ‖z_i‖² + ‖z_j‖² − 2⟨z_i, z_j⟩; centring keeps the norms, and so
        # the cancellation, small. V only depends on differences z_i − z_j.
        Z = np.asarray(Z, dtype=self.X.dtype)
        Z = Z - Z.mean(axis=0)
        B = np.asarray(B, dtype=self.X.dtype)
        V = np.zeros_like(Z)
        squared_norms = np.einsum("ij,ij->i", Z, Z)
        loss = 0.0
        for tile in gen_batches(self.n_rows, self._tile_rows(Z.shape[0])):
            loss += _tile_terms(Z, B, squared_norms, self._rows(tile), self.row_loss, V)
        return loss, V

    @across_shards("sum", sliced=("V",))
    def gradient(self, V):
        """2 V_rowsᵀ X_rows: the query rows' part of ∂f/∂L = 2 Vᵀ X."""
        return 2.0 * (np.asarray(V, dtype=self.X.dtype).T @ self.X)

    def _rows(self, tile):
        return slice(self.offset + tile.start, self.offset + tile.stop)

    def _tile_rows(self, n_points):
        if self.tile_rows is not None:
            return int(self.tile_rows)
        row_bytes = TILE_ARRAYS * n_points * self.X.itemsize
        # Tiles that stay in cache are faster than the largest that working_memory allows
        # (benchmarks/nca_scale.py, n = 5,000: 1.8 s per evaluation with 15 MiB tiles,
        # 2.5 s with 59 MiB, 6.8 s with all rows at once), so working_memory only caps them.
        fast = max(MIN_TILE_ROWS, FAST_TILE_BYTES // row_bytes)
        return min(rows_per_block(row_bytes, self.n_rows), fast, max(self.n_rows, 1))


def _tile_terms(Z, B, squared_norms, rows, row_loss, V):
    """Add the tile ``rows``' part of V to V in place; return the tile's loss."""
    Z_tile = Z[rows]
    P = _softmax_tile(Z, Z_tile, squared_norms, rows)
    S = P @ B
    loss, U = row_loss(S, B[rows])
    U = np.asarray(U, dtype=Z.dtype)
    # w_ij = p_ij (⟨u_i, s_i⟩ − ⟨u_i, b_j⟩), built in the memory of the cross term.
    W = U @ B.T
    np.subtract(np.einsum("ij,ij->i", U, S)[:, None], W, out=W)
    W *= P
    del P
    V[rows] += W.sum(axis=1)[:, None] * Z_tile - W @ Z
    # (Z_Iᵀ W)ᵀ rather than Wᵀ Z_I: the same product, half the time in OpenBLAS (13 ms
    # against 25 ms for a 256 × 1797 tile, k = 64), which reads W along its rows.
    V += W.sum(axis=0)[:, None] * Z - (Z_tile.T @ W).T
    return float(loss)


def _softmax_tile(Z, Z_tile, squared_norms, rows):
    """p_ij for the tile's rows i against all j (p_ii = 0), one |I| × n array."""
    D = Z_tile @ Z.T
    D *= -2.0
    D += squared_norms[rows, None]
    D += squared_norms[None, :]
    np.maximum(D, 0.0, out=D)
    diagonal = (np.arange(D.shape[0]), np.arange(rows.start, rows.stop))
    D[diagonal] = np.inf
    # Shift each row by its smallest distance: exp never overflows, the nearest gets 1.
    D -= D.min(axis=1, keepdims=True)
    # Arguments below log(tiny) underflow, and exp takes a slow path on them (4.8 ms
    # instead of 0.3 ms for 442² values): stop just above the smallest normal number,
    # whose weight against the nearest point's 1 is far below rounding anyway.
    np.minimum(D, _EXP_ARGUMENT_FLOOR[D.dtype.type], out=D)
    np.negative(D, out=D)
    np.exp(D, out=D)
    # p_ii = 0: the point itself is never its own neighbour.
    D[diagonal] = 0.0
    D /= D.sum(axis=1, keepdims=True)
    return D


def softmax_loss_and_grad(evaluator, n_components, n_features, dtype):
    """``loss_and_grad(flat_L) -> (loss, ∂loss/∂L flattened)`` for L-BFGS, from an evaluator.

    Each call projects the points once (``embed``), sums the tiles' losses and V
    (``loss_and_directions``) and forms 2 Vᵀ X (``gradient``). The targets are read
    once. L is evaluated in ``dtype`` (float32 data stays float32); the loss and
    gradient are returned in float64 for scipy.
    """
    B = evaluator.all_targets()

    def loss_and_grad(flat_L):
        L = np.asarray(flat_L).reshape(n_components, n_features).astype(dtype, copy=False)
        Z = evaluator.embed(L)
        loss, V = evaluator.loss_and_directions(Z, B)
        gradient = evaluator.gradient(V)
        return float(loss), np.asarray(gradient, dtype=np.float64).ravel()

    return loss_and_grad
