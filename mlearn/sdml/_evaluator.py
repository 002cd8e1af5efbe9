"""The one sum over the pairs that SDML needs, and the evaluator that holds the pairs.

SDML's loss term is tr(M Xᵀ Lap(K) X) with K the ±1 pair matrix, i.e. the
signed scatter S = Σ_p y_p (x_a − x_b)(x_a − x_b)ᵀ, formed as Xᵀ (Lap(K) X):
one compiled pass over the pairs writes Lap(K) X (n_points × d), then one GEMM;
never an n_pairs × d × d tensor (nor the sparse matrix, whose construction cost
more than the product at SDML's sizes). On a dask array one evaluator is built per
shard of the pairs on the workers and the d × d sums are added
(:func:`mlearn._evaluator.across_shards`).
"""

import numpy as np

from .._evaluator import across_shards


class PairDifferenceScatter:
    """The paired points, and the weighted scatter of their differences.

    The points are kept in float64; when the pairs use fewer than all of X's
    rows (fewer indices than rows), only those, with the pairs re-indexed into
    them in the same order.

    Parameters
    ----------
    X : ndarray of shape (n_points, d)
    pairs : ndarray of shape (n_pairs, 2), int
        Pairs as rows of X.
    """

    shard_attributes = {"n_pairs": "sum"}

    def __init__(self, X, pairs):
        pairs = np.asarray(pairs, dtype=np.intp)
        if pairs.size < X.shape[0]:  # few rows used: keep those (X's other rows cost work)
            used, inverse = np.unique(pairs, return_inverse=True)
            X, pairs = X[used], inverse.reshape(-1, 2)
        self.n_pairs = pairs.shape[0]
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        self._first = np.ascontiguousarray(pairs[:, 0])
        self._second = np.ascontiguousarray(pairs[:, 1])

    @across_shards("sum", sliced=("weights",))
    def scatter(self, weights):
        """Σ_p weights_p (x_a − x_b)(x_a − x_b)ᵀ, a symmetric d × d matrix."""
        from ._kernels import pair_difference_rows

        weights = np.ascontiguousarray(weights, dtype=np.float64)
        R = np.empty_like(self.X)
        pair_difference_rows(self.X, self._first, self._second, weights, R)
        S = self.X.T @ R
        return (S + S.T) / 2
