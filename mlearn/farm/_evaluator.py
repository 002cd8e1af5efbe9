"""FARM's evaluator: the smoothed hinge over triplets as a function of (M, w).

The solver needs, at each (M, w), the sum of the losses over the triplets and
the d × d matrix G = Σ_p c_p δ_p δ_pᵀ (c_p the derivative of that sum with
respect to the squared distance of the pair p). Both are sums over the
triplets, so on a Dask array each shard of the triplets computes its part on
the rows it uses and the parts are added (:func:`mlearn._evaluator.across_shards`);
the solver divides by the number of triplets itself.
"""

import numpy as np
from scipy import sparse
from sklearn.utils import gen_batches

from .._blocks import rows_per_block
from .._evaluator import across_shards
from .._scatter import PairScatter


def smoothed_hinge(z):
    """Return ℓ(z) and ℓ'(z) for the smoothed hinge of margin 1, elementwise."""
    u = np.clip(1.0 - z, 0.0, 1.0)
    return 0.5 * u**2 + np.maximum(-z, 0.0), -u


class _TripletLoss:
    """The smoothed hinge over triplets as a function of (M, w).

    Only the points that occur in a triplet are kept, centred (distances do not
    change, rounding in Xᵀ L X does), and each distinct pair is stored once as
    two indices, with the triplets pointing to it. Pair differences are formed
    in blocks bounded by ``working_memory``; nothing n_pairs × d is kept.

    Parameters
    ----------
    X : ndarray of shape (n_points, n_features)
    triplets : ndarray of shape (n_triplets, 3), int
        Rows (i, j, k) into X: x_i is closer to x_j than to x_k.
    """

    # The number of triplets of a sharded evaluator is the sum of its shards'.
    shard_attributes = {"n_triplets": "sum"}

    def __init__(self, X, triplets):
        used, inverse = np.unique(triplets, return_inverse=True)
        inverse = inverse.reshape(triplets.shape)
        self.X = np.asarray(X[used], dtype=np.float64)
        self.X = self.X - self.X.mean(axis=0)
        both = np.vstack([inverse[:, [0, 1]], inverse[:, [0, 2]]])
        pairs, pair_of = np.unique(np.sort(both, axis=1), axis=0, return_inverse=True)
        self.n_triplets = triplets.shape[0]
        self.positive, self.negative = pair_of[: self.n_triplets], pair_of[self.n_triplets :]
        self.first, self.second = pairs[:, 0], pairs[:, 1]
        n_pairs = len(pairs)
        # Row p of the incidence matrix E is e_a − e_b: E X stacks the pair differences
        # (a sparse product is several times faster than fancy indexing here).
        self.E = sparse.csr_matrix(
            (np.tile([1.0, -1.0], n_pairs), pairs.ravel(), np.arange(0, 2 * n_pairs + 1, 2)),
            shape=(n_pairs, len(used)),
        )
        self._scatter = PairScatter(self.X, self.first, self.second)

    def laplacian(self, c):
        """Sparse L = Σ_p c_p (e_a − e_b)(e_a − e_b)ᵀ, so that Xᵀ L X = Σ_p c_p δ_p δ_pᵀ."""
        return self._scatter.laplacian(c)

    @across_shards("concatenate")
    def margins(self, M, w):
        """d²_ik − d²_ij for every triplet."""
        # d²_p = δ_pᵀ M̂ δ_p with M̂ = diag(w) M diag(w); Y = X M̂ gives M̂ δ_p = Y_a − Y_b.
        Y = ((self.X * w) @ M) * w
        n_pairs = len(self.first)
        squared = np.empty(n_pairs)
        for block in gen_batches(n_pairs, rows_per_block(16 * Y.shape[1], n_pairs)):
            E = self.E[block]
            squared[block] = np.einsum("pa,pa->p", E @ self.X, E @ Y)
        return squared[self.negative] - squared[self.positive]

    @across_shards("sum")
    def sums(self, M, w):
        """Σ_R ℓ and Σ_p c_p δ_p δ_pᵀ with c_p = ∂(Σ_R ℓ)/∂d²_p: sums over the triplets."""
        loss, slope = smoothed_hinge(self.margins(M, w))
        n_pairs = len(self.first)
        c = np.bincount(self.negative, slope, n_pairs) - np.bincount(self.positive, slope, n_pairs)
        G = self.X.T @ (self.laplacian(c) @ self.X)
        return loss.sum(), (G + G.T) / 2

    def __call__(self, M, w):
        """Return the mean loss and G = Σ_p c_p δ_p δ_pᵀ (c_p = ∂ loss / ∂d²_p).

        The in-memory shortcut of :class:`mlearn.farm._solver.MeanTripletLoss`,
        which the solver uses for both an in-memory and a sharded evaluator.
        """
        total, G = self.sums(M, w)
        return total / self.n_triplets, G / self.n_triplets
