"""What the full form's dual needs of the triplets: S(α) and the margins under a metric."""

import numpy as np

from .._blocks import paired_distances
from .._evaluator import across_shards
from .._scatter import PairScatter

__all__ = ["TripletScatter", "TripletTerms"]


class TripletScatter:
    """S(α) = Σ_t α_t (d_ik d_ikᵀ − d_ij d_ijᵀ): the pairs (i, k) weighted +α, (i, j) −α."""

    def __init__(self, X, triplets):
        i, j, k = triplets.T
        self._scatter = PairScatter(X, np.concatenate([i, i]), np.concatenate([k, j]))

    def __call__(self, alpha):
        return self._scatter(np.concatenate([alpha, -alpha]))


class TripletTerms:
    """S(α) = Σ_t α_t Z_t and the margins of index triplets, for the full form's dual.

    On a dask array, one is built per shard of the triplets: the shards'
    S(α_shard) are added and their margins concatenated.

    Parameters
    ----------
    X : ndarray of shape (n_points, n_features)
        The points (converted to float64).
    triplets : ndarray of shape (n_triplets, 3), int
        Rows (i, j, k) into X.
    P : ndarray of shape (n_features, m), default=None
        Orthonormal coordinates: the terms are those of the points X P (X if None).
    """

    shard_attributes = {"n_triplets": "sum", "n_features": "same"}

    def __init__(self, X, triplets, P=None):
        X = np.asarray(X, dtype=np.float64)
        self.X = X if P is None else X @ P
        self.triplets = triplets
        self.n_triplets, self.n_features = triplets.shape[0], self.X.shape[1]
        self._scatter = TripletScatter(self.X, triplets)

    @across_shards("sum", sliced=("alpha",))
    def scatter(self, alpha):
        """S(α) = Σ_t α_t Z_t."""
        return self._scatter(alpha)

    @across_shards("concatenate")
    def margins(self, L):
        """d²(x_i, x_k) − d²(x_i, x_j) of every triplet under M = LᵀL, in blocks bounded
        by ``working_memory``."""
        i, j, k = self.triplets.T
        return paired_distances(self.X, i, k, L) ** 2 - paired_distances(self.X, i, j, L) ** 2

    @across_shards("subset")
    def subset(self, rows):
        """The terms of the triplets ``rows`` only."""
        return TripletTerms(self.X, self.triplets[rows])
