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
r_I z_I − w_I Z to v_I (r the row sums of w_I) and c z − (w_Iᵀ Z_I)_j to every
v_j (c the column sums). A tile costs three |I| × n × k products (distances and
the two halves of v), one |I| × n × c one (s; NCA's one-hot targets need none, their
own class's mass is summed from the labels) and compiled passes over its rows
(:mod:`mlearn._pair_softmax_kernels`); its memory is one |I| × n array,
turned from distances into p and into w in place. Tiles of about 4 MiB are
enough for the products to run at full speed, and ``working_memory`` caps them
(:func:`mlearn._blocks.rows_per_block`), so n = 60,000 needs O(n (d + k)) memory
plus one tile, not the 29 GB of one n × n float64 matrix.

When the evaluator holds all the points and the n × n matrix takes at most
``WHOLE_MATRIX_BYTES`` (64 MiB: n ≤ 2,896 in float64, 4,096 in float32), the
tiles are written into one n × n array and v = (r + c) z − (W + Wᵀ) Z takes one
n × n × k product instead of two, and the distances' Z Zᵀ is a symmetric rank-k
update (half the multiply-adds) into one triangle, mirrored: these two products
are then most of the cost, as in the n × n formulation, without its dozen passes
over n × n temporaries. NCA's one-hot targets go further (:func:`_symmetric_class_terms`):
unshifted, the exponentials are symmetric, and W + Wᵀ is computed pair by pair in one
triangle, with no mirror and no transpose.

:class:`PairSoftmax` is an evaluator over a block of query rows (all rows in
memory; one row block per shard on a Dask array): its loss sums and v are sums
over the query rows, so the shards' results add up to the whole objective.
"""

import numpy as np
from scipy.linalg import get_blas_funcs
from sklearn.utils import gen_batches

from ._blocks import rows_per_block
from ._evaluator import across_shards

__all__ = ["PairSoftmax", "TILE_ARRAYS", "softmax_loss_and_grad"]

# |I| × n arrays alive at once in a tile: the distances, turned into p and then into w
# in place by the compiled row passes.
TILE_ARRAYS = 1

# A tile of about this many bytes runs fastest (each row pass works on one row while it
# is in cache; the tile only has to be large enough for the products to run at full
# speed), and at least this many rows, so that each product is still a matrix-matrix one.
FAST_TILE_BYTES = 4 * 2**20
MIN_TILE_ROWS = 32

# The whole n × n matrix of w is kept, and W + Wᵀ multiplied once, when the evaluator
# holds all the points and the matrix takes at most this many bytes (and fits
# working_memory): one n × n × k product fewer than row tiles need. It pays below this
# size (n = 3,000, k = 64: 0.104 s per evaluation against 0.132 s with tiles) and not
# above it (n = 5,000, k = 10: 0.18 s both ways), where the matrix no longer fits in cache.
WHOLE_MATRIX_BYTES = 64 * 2**20

# −log of a number a little above the smallest normal one, per dtype (about 700 and 79).
_EXP_ARGUMENT_FLOOR = {t: -np.log(np.finfo(t).tiny) - 8.0 for t in (np.float32, np.float64)}

# Pair weights below this magnitude are set to 0, per dtype (about 1e-31 and 1e-292): the
# smallest normal number over the rounding unit, so that no product with W meets a subnormal
# number. A subnormal in a few per mille of W made the product (W + Wᵀ) Z of digits five times
# slower (14 ms against 3 ms, n = 1,617, k = 64, float32); a weight this small is more than
# 20 orders of magnitude below the resolution of any sum it enters (the rows of |W| sum to
# order 1).
FLUSH_BELOW = {t: np.finfo(t).tiny / np.finfo(t).eps for t in (np.float32, np.float64)}

# NCA's whole-matrix passes (_symmetric_class_terms): exponentials without a shift while every
# point's nearest squared distance is at most this (per dtype), so that the largest entry of
# each row is at least e^{−NEAREST_RANGE}, far above the exponent floor; numpy's exponential
# runs on this many row blocks of the lower triangle (each up to its last row: 9/16 of the
# matrix in all, in a few calls).
NEAREST_RANGE = {np.float32: 50.0, np.float64: 500.0}
SYMMETRIC_EXP_BLOCKS = 8
# ... and compute the rows of points further than that from all others apart, while they
# are at most this share of the points.
MAX_ISOLATED_SHARE = 0.125


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
    whole_matrix : bool or None
        Keep the whole n × n matrix and multiply W + Wᵀ once (only possible
        when the evaluator holds all the points); None decides by size
        (``WHOLE_MATRIX_BYTES`` and ``working_memory``), False always walks
        row tiles.
    own_class_loss : bool
        The targets are one-hot classes and f_i = −p_i, the mass of i's own class
        (NCA, whose ``row_loss`` this is): the weights are then computed from the
        class labels in one compiled pass, without the product of the tile with B.
    """

    def __init__(
        self,
        offset,
        X,
        targets,
        *,
        row_loss,
        tile_rows=None,
        whole_matrix=None,
        own_class_loss=False,
    ):
        self.offset, self.X = int(offset), X
        self.targets = np.asarray(targets, dtype=X.dtype).reshape(X.shape[0], -1)
        self.row_loss, self.tile_rows = row_loss, tile_rows
        self.whole_matrix, self.own_class_loss = whole_matrix, own_class_loss
        self.n_rows = X.shape[0]
        self._buffer, self._layouts = None, {}

    def __getstate__(self):
        # The reused n × n (or tile) buffer and the layouts are scratch, never worth shipping.
        return {**self.__dict__, "_buffer": None, "_layouts": {}}

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
        dtype = self.X.dtype
        Z = np.asarray(Z, dtype=dtype)
        Z = Z - Z.mean(axis=0)
        n_points = Z.shape[0]
        whole, tile_rows, targets = self._layout(n_points, B)
        passes = _RowPasses(Z, targets, self.row_loss)
        if whole:
            return self._whole_matrix_terms(passes, tile_rows)
        buffer = self._scratch((min(tile_rows, self.n_rows), n_points), dtype)
        V = np.zeros_like(Z)
        loss = 0.0
        for tile in gen_batches(self.n_rows, tile_rows):
            rows = self._rows(tile)
            W = passes.weights(buffer[: rows.stop - rows.start], rows)
            loss += passes.loss
            # V_I gets r_I z_I − W Z; every v_j gets c_j z_j − (W_Iᵀ Z_I)_j.
            V[rows] += passes.row_sums[:, None] * Z[rows] - W @ Z
            # (Z_Iᵀ W)ᵀ rather than Wᵀ Z_I: the same product, half the time in OpenBLAS
            # (13 ms against 25 ms for a 256 × 1797 tile, k = 64), which reads W by rows.
            V -= (Z[rows].T @ W).T
        V += passes.column_sums[:, None] * Z
        return loss, V

    @across_shards("sum", sliced=("V",))
    def gradient(self, V):
        """2 V_rowsᵀ X_rows: the query rows' part of ∂f/∂L = 2 Vᵀ X."""
        return 2.0 * (np.asarray(V, dtype=self.X.dtype).T @ self.X)

    def _layout(self, n_points, B):
        """(whole matrix?, tile rows, the targets' layouts) for this n and B, kept across calls.

        L-BFGS calls with the same B every time; a fit of a few hundred points makes
        hundreds of calls, for which these checks and copies are a visible share.
        """
        key = (n_points, id(B))
        if key not in self._layouts:
            targets = _TargetLayout(np.asarray(B, dtype=self.X.dtype), self.own_class_loss)
            plan = (self._uses_whole_matrix(n_points), self._tile_rows(n_points))
            # B itself is kept with its layout, so that its id cannot pass to another array.
            self._layouts = {key: (*plan, targets, B)}
        return self._layouts[key][:3]

    def _whole_matrix_terms(self, passes, tile_rows):
        """(loss, V) with all of W kept: V = diag((W + Wᵀ) 1) Z − (W + Wᵀ) Z, one product."""
        from ._pair_softmax_kernels import mirror_lower, symmetrise

        Z = passes.Z
        W = self._scratch((Z.shape[0], Z.shape[0]), Z.dtype)
        if passes.labels is not None:
            terms = _symmetric_class_terms(passes, W)
            if terms is not None:
                return terms
        _lower_gram(Z, W)
        mirror_lower(W)
        loss = 0.0
        for tile in gen_batches(Z.shape[0], tile_rows):
            passes.weights(W[tile], tile, gram_written=True)
            loss += passes.loss
        symmetrise(W)
        # (Zᵀ (W + Wᵀ))ᵀ = (W + Wᵀ) Z, in the order OpenBLAS runs fastest (see above).
        V = (passes.all_row_sums + passes.column_sums)[:, None] * Z - (Z.T @ W).T
        return loss, V

    def _uses_whole_matrix(self, n_points):
        holds_all = self.offset == 0 and self.n_rows == n_points
        if self.whole_matrix is not None:
            return bool(self.whole_matrix) and holds_all
        matrix_bytes = n_points * n_points * self.X.itemsize
        fits = rows_per_block(n_points * self.X.itemsize, n_points) >= n_points
        return holds_all and fits and matrix_bytes <= WHOLE_MATRIX_BYTES

    def _scratch(self, shape, dtype):
        """A reused array of this shape (fresh pages of a large array cost as much as a pass)."""
        if self._buffer is None or self._buffer.shape != shape or self._buffer.dtype != dtype:
            self._buffer = np.empty(shape, dtype=dtype)
        return self._buffer

    def _rows(self, tile):
        return slice(self.offset + tile.start, self.offset + tile.stop)

    def _tile_rows(self, n_points):
        if self.tile_rows is not None:
            return int(self.tile_rows)
        row_bytes = TILE_ARRAYS * n_points * self.X.itemsize
        # Tiles that stay in cache are faster than the largest that working_memory allows
        # (benchmarks/nca_scale.py), so working_memory only caps them.
        fast = max(MIN_TILE_ROWS, FAST_TILE_BYTES // row_bytes)
        return min(rows_per_block(row_bytes, self.n_rows), fast, max(self.n_rows, 1))


def _lower_gram(Z, W):
    """Z Zᵀ into the lower triangle of the square array W (its upper triangle is left as is).

    A symmetric rank-k update (half the multiply-adds of the general product) into the
    upper triangle of the Fortran-ordered Wᵀ: 2.0 ms against 3.2 ms for n = 1,257, k = 64
    in float32 (benchmarks/results/nca_evaluation_parts.md times the evaluations).
    """
    syrk = get_blas_funcs("syrk", dtype=Z.dtype)
    gram = syrk(1.0, Z.T, trans=1, beta=0.0, c=W.T, overwrite_c=1)
    if not np.shares_memory(gram, W):  # scipy copied rather than writing in place
        W[...] = gram.T


def _symmetric_class_terms(passes, W):
    """(loss, V) of NCA's own-class loss from the strict lower triangle of W, or None.

    Without the shift per row of the other passes, e_ij = exp(−d_ij) is symmetric, and
    p_ij = e_ij / Σ_l e_il. The pair weights then need no transpose: with
    σ_i = Σ_l e_il and p_i = Σ_{l: y_l = y_i} e_il / σ_i,

        w_ij + w_ji = e_ij ([y_i = y_j] (1/σ_i + 1/σ_j) − (p_i/σ_i + p_j/σ_j)),

    so every pass reads and writes one triangle, each pair once: the distances, their
    exponentials, the row sums (those of row i come from row i and column i of the
    triangle), and w_ij + w_ji; and (W + Wᵀ) Z is the sum of two triangular products.
    Half the exponentials of the row-shifted passes (one per pair, not one per ordered
    pair) and no transposing pass make it faster: digits' NCA fit 0.154 → 0.104 s
    (benchmarks/results/nca_digits_session11).

    The unshifted exponentials serve the points whose nearest squared distance is at most
    ``NEAREST_RANGE`` (the largest entry of their row is then at least e^{−50} in float32,
    and a distance beyond the exponent floor, about 79, is taken as exactly 0: e^{−29} below
    it or more). The rows of the points further from all the others ("isolated") are
    computed apart, by the row-shifted passes' kernels, and their weights w_ij added to the
    triangle. With more than ``MAX_ISOLATED_SHARE`` of the points isolated (a line search's
    trial far out), None: the caller takes the row-shifted passes.
    """
    from . import _pair_softmax_kernels as kernels

    Z, labels, norms = passes.Z, passes.labels, passes.norms
    n, dtype = Z.shape[0], Z.dtype
    _lower_gram(Z, W)
    nearest = np.full(n, np.inf, dtype=dtype)
    kernels.lower_distances(W, norms, nearest)
    isolated = np.zeros(n, dtype=bool)
    limit = dtype.type(NEAREST_RANGE[dtype.type])
    if kernels.isolated_points(W, nearest, limit, isolated) > MAX_ISOLATED_SHARE * n:
        return None
    isolated = np.flatnonzero(isolated)
    # The isolated points' rows, whole, before the exponentials overwrite them.
    isolated_distances = np.empty((isolated.size, n), dtype=dtype)
    kernels.symmetric_rows(W, isolated, isolated_distances)
    block_rows = -(-n // SYMMETRIC_EXP_BLOCKS)
    kernels.lower_exponent_arguments(W, block_rows, passes.floor)
    for rows in gen_batches(n, block_rows):
        block = W[rows, : rows.stop]
        np.exp(block, out=block)
    sums, own = np.zeros(n, dtype=dtype), np.zeros(n, dtype=dtype)
    kernels.lower_class_sums(W, labels, sums, own)
    sums[isolated] = 1  # their rows are computed apart below
    scale = 1.0 / sums
    mass = own * scale
    # p_i / σ_i, 0 where it falls below the smallest normal number (p_i < n · tiny: no weight
    # it enters reaches the flush), so that the weights' pass meets no subnormal number.
    mass_scale = mass * scale
    mass_scale[mass_scale < np.finfo(dtype).tiny] = 0
    # An isolated point's w_ij (and p_i) are its row's own (below); the pass adds only the w_ji.
    scale[isolated] = mass_scale[isolated] = mass[isolated] = 0
    row_sums = np.zeros(n, dtype=dtype)
    kernels.lower_pair_weights(W, labels, scale, mass_scale, row_sums, passes.flush)
    loss = -float(mass.sum(dtype=np.float64))
    if isolated.size:
        # Their rows, shifted, through the row passes of the tiles; then added to the triangle.
        weights = isolated_distances
        nearest = np.maximum(weights.min(axis=1), 0)
        kernels.shifted_exponent_arguments(weights, nearest, isolated, passes.floor)
        np.exp(weights, out=weights)
        own_row_sums = np.empty(isolated.size, dtype=dtype)
        loss -= kernels.own_class_weights(
            weights, labels, isolated, own_row_sums, row_sums, passes.flush
        )
        row_sums[isolated] += own_row_sums
        kernels.add_symmetric_rows(W, isolated, weights)
    # (W + Wᵀ) Z = (Zᵀ (T + Tᵀ))ᵀ with T the strict lower triangle of W: two triangular
    # products on the Fortran-ordered Wᵀ, whose upper triangle is T's.
    trmm = get_blas_funcs("trmm", dtype=dtype)
    product = trmm(1.0, W.T, Z.T, side=1, lower=0, trans_a=1)
    product += trmm(1.0, W.T, Z.T, side=1, lower=0, trans_a=0)
    V = row_sums[:, None] * Z - product.T
    return loss, V


class _TargetLayout:
    """The targets B as the row passes read them: B, Bᵀ (contiguous) and [B | 1], or for
    one-hot classes (``own_class``) the class labels."""

    def __init__(self, B, own_class=False):
        self.B, self.labels = B, None
        if own_class:
            self.labels = np.argmax(B, axis=1).astype(np.int32)
            self.Bt = self.B_and_ones = None
            return
        self.Bt = np.ascontiguousarray(B.T)
        # [B | 1]: one product gives the tile's unnormalised mix and its row sums.
        self.B_and_ones = np.hstack([B, np.ones((B.shape[0], 1), dtype=B.dtype)])


class _RowPasses:
    """The compiled passes that turn a tile of Z_I Zᵀ into the tile of w (in place).

    After :meth:`weights` on the rows I: ``loss`` is Σ_{i∈I} f_i, ``row_sums`` the
    row sums of W_I; ``column_sums`` accumulates the column sums of every tile so
    far and ``all_row_sums`` their row sums by point (rows of tiles not given stay 0).
    """

    def __init__(self, Z, targets, row_loss):
        self.Z, self.row_loss = Z, row_loss
        self.B, self.Bt, self.B_and_ones = targets.B, targets.Bt, targets.B_and_ones
        self.labels = targets.labels
        self.norms = np.einsum("ij,ij->i", Z, Z)
        self.floor = Z.dtype.type(_EXP_ARGUMENT_FLOOR[Z.dtype.type])
        self.flush = Z.dtype.type(FLUSH_BELOW[Z.dtype.type])
        self.column_sums = np.zeros(Z.shape[0], dtype=Z.dtype)
        self.all_row_sums = np.zeros(Z.shape[0], dtype=Z.dtype)
        self.loss, self.row_sums = 0.0, None

    def weights(self, out, rows, gram_written=False):
        """W_I of the rows I (a slice) against all the points, written into ``out``
        (which holds Z_I Zᵀ already when ``gram_written``)."""
        from . import _pair_softmax_kernels as kernels

        Z, B = self.Z, self.B
        if not gram_written:
            np.matmul(Z[rows], Z.T, out=out)
        kernels.squared_distances(out, self.norms[rows], self.norms, rows.start)
        # A compiled minimum does not vectorise (5 times slower than numpy's on a row).
        nearest = np.maximum(out.min(axis=1), 0)
        points = np.arange(rows.start, rows.stop)
        kernels.shifted_exponent_arguments(out, nearest, points, self.floor)
        # numpy's exp is vectorised; the compiled passes around it are not worth its work.
        np.exp(out, out=out)
        self.row_sums = np.empty(out.shape[0], dtype=Z.dtype)
        if self.labels is not None:
            mass = kernels.own_class_weights(
                out, self.labels, points, self.row_sums, self.column_sums, self.flush
            )
            self.all_row_sums[rows] = self.row_sums
            self.loss = -float(mass)
            return out
        mix_and_sums = out @ self.B_and_ones
        inverse_sums = 1.0 / mix_and_sums[:, -1]
        S = mix_and_sums[:, :-1] * inverse_sums[:, None]
        loss, U = self.row_loss(S, B[rows])
        U = np.ascontiguousarray(U, dtype=Z.dtype)
        factor = np.empty(out.shape[1], dtype=Z.dtype)
        kernels.pair_weights(
            out, U, S, self.Bt, inverse_sums, factor, self.row_sums, self.column_sums, self.flush
        )
        self.all_row_sums[rows] = self.row_sums
        self.loss = float(loss)
        return out


def softmax_loss_and_grad(
    evaluator, n_components, n_features, dtype, *, wide=None, max_squared_norm=np.inf
):
    """``loss_and_grad(flat_L) -> (loss, ∂loss/∂L flattened)`` for L-BFGS, from an evaluator.

    Each call projects the points once (``embed``), sums the tiles' losses and V
    (``loss_and_directions``) and forms 2 Vᵀ X (``gradient``). The targets are read
    once. L is evaluated in ``dtype`` (float32 data stays float32); the loss and
    gradient are returned in float64 for scipy.

    ``wide``, an evaluator of the same points in float64, takes over an evaluation
    whose projected points, centred, reach a squared norm above ``max_squared_norm``:
    a float32 distance is rounded by about 6e-8 (‖z_i‖² + ‖z_j‖²), which only small
    norms keep negligible.
    """
    B = evaluator.all_targets()
    wide_B = None if wide is None else wide.all_targets()

    def loss_and_grad(flat_L):
        L = np.asarray(flat_L).reshape(n_components, n_features)
        stage, targets = evaluator, B
        Z = stage.embed(L.astype(dtype))
        if wide is not None:
            centred = Z - Z.mean(axis=0)
            if np.einsum("ij,ij->i", centred, centred).max() > max_squared_norm:
                stage, targets = wide, wide_B
                Z = stage.embed(L.astype(np.float64))
        loss, V = stage.loss_and_directions(Z, targets)
        gradient = stage.gradient(V)
        return float(loss), np.asarray(gradient, dtype=np.float64).ravel()

    return loss_and_grad
