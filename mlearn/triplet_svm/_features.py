"""The constraint matrix Z of the diagonal form, evaluated from points and index triplets."""

import numpy as np
from sklearn.utils import gen_batches

from .._blocks import rows_per_block
from .._evaluator import across_shards

__all__ = ["TripletFeatures"]


class TripletFeatures:
    """The rows z_t = (b_i − b_k)² − (b_i − b_j)² of the constraint matrix Z, b = Pᵀx.

    Z (n_triplets × m) is kept whole when it fits scikit-learn's
    ``working_memory`` and recomputed block by block otherwise, so memory
    stays O(n_points·m + block·m) however many triplets there are. On a dask
    array, one is built per shard of the triplets and the methods below
    combine across shards as they declare.

    Parameters
    ----------
    X : ndarray of shape (n_points, n_features)
        The points (converted to float64).
    triplets : ndarray of shape (n_triplets, 3), int
        Rows (i, j, k) into X.
    P : ndarray of shape (n_features, m), default=None
        The basis A: Z is formed on the coordinates X P (X itself if None).
    """

    shard_attributes = {"n_triplets": "sum", "n_features": "same"}

    def __init__(self, X, triplets, P=None):
        X = np.asarray(X, dtype=np.float64)
        self._Xb = X if P is None else X @ P
        self._triplets = triplets
        self.n_triplets, self.n_features = triplets.shape[0], self._Xb.shape[1]
        # A block holds two difference matrices and Z.
        self._block = rows_per_block(3 * self._Xb.itemsize * self.n_features, self.n_triplets)
        self._whole = self._rows(slice(None)) if self._block >= self.n_triplets else None

    @across_shards("any")
    def any_nonzero(self):
        """Whether some z_t has a non-zero entry (Z ≠ 0)."""
        if self._whole is not None:
            return bool(np.any(self._whole))
        # Small blocks: a nonzero row usually shows in the first one.
        return any(np.any(self._rows(rows)) for rows in gen_batches(self.n_triplets, 4096))

    def _rows(self, rows):
        i, j, k = self._triplets[rows].T
        far = self._Xb[i] - self._Xb[k]
        near = self._Xb[i] - self._Xb[j]
        far *= far
        near *= near
        far -= near
        return far

    @across_shards("subset")
    def subset(self, rows):
        """The features of the triplets ``rows`` only."""
        return TripletFeatures(self._Xb, self._triplets[rows])

    def _blocks(self):
        if self._whole is not None:
            yield slice(None), self._whole
            return
        for rows in gen_batches(self.n_triplets, self._block):
            yield rows, self._rows(rows)

    @across_shards("concatenate")
    def matvec(self, w):
        """Zw: the margins z_tᵀ w of every triplet."""
        out = np.empty(self.n_triplets)
        if self._whole is None:
            # Imported here so that importing mlearn does not import numba.
            from ._kernels import triplet_margins

            Xb = np.ascontiguousarray(self._Xb, dtype=np.float64)
            triplets = np.ascontiguousarray(self._triplets, dtype=np.intp)
            triplet_margins(Xb, triplets, np.asarray(w, dtype=np.float64), out)
            return out
        for rows, Z in self._blocks():
            out[rows] = Z @ w
        return out

    @across_shards("sum", sliced=("a",))
    def rmatvec(self, a):
        """Zᵀa, for ``a`` one number per triplet."""
        return sum(Z.T @ a[rows] for rows, Z in self._blocks())

    @across_shards("sum", sliced=("d",))
    def weighted_gram(self, rtol, d_max, d):
        """Zᵀ diag(d) Z, the only O(n_triplets·m²) step of an iteration.

        Rows with d_t below ``rtol``·``d_max`` (``d_max`` = max(d) over all the
        triplets, passed in because a shard sees only its slice of d) are left
        out once they are the majority (their share of the sum is below rtol
        each): near the optimum only the triplets close to their margin keep a
        weight of order one, so late iterations cost far less than a full pass.
        """
        gram = np.zeros((self.n_features, self.n_features))
        threshold = rtol * d_max
        for rows, Z in self._blocks():
            weights = d[rows]
            keep = np.flatnonzero(weights > threshold)
            if 2 * keep.shape[0] < weights.shape[0]:
                # Gathering the rows that count is cheaper than a product with them all.
                weights, Z = weights[keep], Z[keep]
            # (√d Z)ᵀ(√d Z) as a GEMM: measured faster than OpenBLAS's SYRK here.
            scaled = np.sqrt(weights)[:, None] * Z
            gram += scaled.T @ scaled
        return gram
