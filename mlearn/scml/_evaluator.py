"""SCML's evaluator: the triplet hinge as a function of the basis weights w.

With the basis B (rows b_i) and M = Bᵀ diag(w) B, the margin of a triplet
(a, p, n) is 1 + d²_M(a, p) − d²_M(a, n) = 1 + z_tᵀ w with

    z_t = (B(a − p))² − (B(a − n))²   (squares elementwise).

The solver needs z_t for the triplets it draws and, at every check, the summed
hinge over all triplets. Both come from the projected points X Bᵀ (one row per
point the triplets use) and the index triplets: nothing n_triplets × n_basis is
kept, only the margins of the triplets asked for. The summed hinge is taken
through M (d × d) rather than through the n_basis columns, which is cheaper
whenever n_basis > n_features. On a Dask array each shard of the triplets
holds its rows and the sums are added (:func:`mlearn._evaluator.across_shards`).
"""

import numpy as np
from sklearn.utils import gen_batches

from .._blocks import rows_per_block
from .._evaluator import across_shards


class TripletBasisTerms:
    """The hinge terms of index triplets on a fixed basis.

    Parameters
    ----------
    X : ndarray of shape (n_points, n_features)
    triplets : ndarray of shape (n_triplets, 3), int
        Rows (a, p, n) into X: x_a is closer to x_p than to x_n.
    basis : ndarray of shape (n_basis, n_features)
        The rank-one directions b_i, one per row.
    """

    # The number of triplets of a sharded evaluator is the sum of its shards'.
    shard_attributes = {"n_triplets": "sum"}

    def __init__(self, X, triplets, basis):
        used, inverse = np.unique(triplets, return_inverse=True)
        self.X = np.asarray(X[used], dtype=np.float64)
        self.XB = self.X @ np.asarray(basis, dtype=np.float64).T
        self.triplets = np.ascontiguousarray(inverse.reshape(triplets.shape), dtype=np.intp)
        self.n_triplets = triplets.shape[0]

    @classmethod
    def _view(cls, X, XB, triplets):
        view = cls.__new__(cls)
        view.X, view.XB, view.triplets, view.n_triplets = X, XB, triplets, len(triplets)
        return view

    @across_shards("subset")
    def subset(self, rows):
        """The terms of the triplets ``rows`` only (sorted indices; the points are shared)."""
        return self._view(self.X, self.XB, self.triplets[rows])

    @across_shards("concatenate")
    def basis_margins(self):
        """z_t of every triplet, (n_triplets, n_basis): z_tᵀ w = d²_w(a, p) − d²_w(a, n)."""
        from ._kernels import basis_margins

        out = np.empty((self.n_triplets, self.XB.shape[1]))
        basis_margins(self.XB, self.triplets, out)
        return out

    def _slacks(self, M):
        """1 + d²_M(a, p) − d²_M(a, n) for every triplet."""
        from ._kernels import triplet_slacks

        slack = np.empty(self.n_triplets)
        triplet_slacks(self.X, self.X @ M, self.triplets, slack)
        return slack

    @across_shards("sum")
    def hinge_sum(self, M):
        """Σ_t [1 + d²_M(a, p) − d²_M(a, n)]₊ and the number of triplets with a positive term."""
        slack = self._slacks(M)
        active = slack > 0
        return float(slack[active].sum()), int(active.sum())

    @across_shards("sum")
    def hinge_subgradient(self, M):
        """Σ_t over the triplets with a positive term of z_t: a subgradient in w of the sum."""
        active = self.subset(np.flatnonzero(self._slacks(M) > 0))
        total = np.zeros(self.XB.shape[1])
        for block in gen_batches(
            active.n_triplets, rows_per_block(8 * len(total), active.n_triplets)
        ):
            total += active.subset(np.arange(block.start, block.stop)).basis_margins().sum(axis=0)
        return total
