"""The sums over the pairs that the MMC solvers need, and the evaluator that holds the pairs.

Both objectives are sums over the pairs of functions of one difference
d = x_a − x_b: the solvers never see the points, only :class:`PairSums`. A fit
on a dask array holds one per shard of the pairs on the workers; each method
declares how the shards' results combine (:func:`mlearn._evaluator.across_shards`):
the sums are added, ``rescale`` and ``project`` change every shard where it lives.
"""

import numpy as np
from sklearn.utils import gen_batches

from .._blocks import paired_distances, rows_per_block
from .._evaluator import across_shards
from .._scatter import PairScatter
from .._validation import distinct_rows


def difference_scatter(X, first, second, weights):
    """Σ_k weights_k (x_a − x_b)(x_a − x_b)ᵀ over pairs (a, b), as Xᵀ Lap(W) X.

    One sparse product and one GEMM (:class:`mlearn._scatter.PairScatter`),
    never a per-pair outer product.
    """
    return PairScatter(X, first, second)(weights.astype(X.dtype, copy=False))


def dissimilar_sum_and_gradient(X, first, second, M):
    """g(M) = Σ ‖x_a − x_b‖_M over the pairs and its gradient Σ d dᵀ / (2‖d‖_M).

    M need only be symmetric: negative quadratic forms (at the extrapolated,
    not yet projected points of an accelerated method) count as distance 0,
    and pairs at distance 0 contribute their zero subgradient. The quadratic
    forms are computed in blocks bounded by scikit-learn's ``working_memory``.
    """
    dist = np.empty(first.shape[0], dtype=X.dtype)
    XM = X @ M  # once per point, not once per pair
    block_rows = rows_per_block(2 * X.itemsize * X.shape[1], first.shape[0])
    for block in gen_batches(first.shape[0], block_rows):
        a, b = first[block], second[block]
        forms = np.einsum("ij,ij->i", XM[a] - XM[b], X[a] - X[b])
        dist[block] = np.sqrt(np.maximum(forms, 0))
    positive = dist > 0
    weights = np.where(positive, 0.5 / np.where(positive, dist, 1), 0)
    return float(dist.sum()), difference_scatter(X, first, second, weights)


def clipped_distances(Q, w):
    """√(Q_k·w) per row of Q, kept above tiny^¼ so that 1/dist³ stays finite."""
    dist = np.sqrt(np.maximum(Q @ w, 0))
    return np.maximum(dist, np.finfo(Q.dtype).tiny ** 0.25)


def dissimilar_terms(Q, w):
    """h = Σ_k √(Q_k·w), its gradient and its Hessian: sums over the rows of Q."""
    dist = clipped_distances(Q, w)
    return dist.sum(), Q.T @ (0.5 / dist), -(Q.T @ (Q / (4 * dist**3)[:, None]))


def squared_difference_sum(X, first, second):
    """Σ_k (x_a − x_b)² per feature, in blocks; exactly 0 where every pair agrees."""
    total = np.zeros(X.shape[1], dtype=X.dtype)
    for block in gen_batches(first.shape[0], rows_per_block(X.itemsize * X.shape[1], len(first))):
        total += np.sum((X[first[block]] - X[second[block]]) ** 2, axis=0)
    return total


class PairSums:
    """The paired points, and every sum over the pairs the MMC solvers need.

    Only the points the pairs use are kept (in float64: float32 rounding would
    stall the solvers' line searches above their certified tolerance), each
    distinct point once, in an order set by their values alone
    (:func:`mlearn._validation.distinct_rows`), with the pairs
    re-indexed into them in the same order. The sums (Xᵀ Lap(W) X) then run over
    the same rows in the same order whether the pairs came as points or as
    identifiers of a preprocessor, so both fits agree to the last bit.

    Parameters
    ----------
    X : ndarray of shape (n_points, d)
    similar, dissimilar : ndarray of shape (n_pairs, 2), int
        Pairs as rows of X.
    """

    def __init__(self, X, similar, dissimilar):
        used, inverse = np.unique(np.concatenate([similar, dissimilar]), return_inverse=True)
        points, row = distinct_rows(np.asarray(X[used], dtype=np.float64))
        inverse = row[inverse].reshape(-1, 2)
        self.X = points
        self.pairs = {"similar": inverse[: len(similar)], "dissimilar": inverse[len(similar) :]}
        self._Q = None

    @across_shards("sum")
    def squared_difference_sum(self, kind):
        """Σ (x_a − x_b)² per feature over the ``kind`` ('similar' or 'dissimilar') pairs."""
        pairs = self.pairs[kind]
        return squared_difference_sum(self.X, pairs[:, 0], pairs[:, 1])

    @across_shards("sum")
    def squared_distance_sum(self, kind, L):
        """Σ ‖L(x_a − x_b)‖² over the ``kind`` pairs."""
        pairs = self.pairs[kind]
        return float(np.sum(paired_distances(self.X, pairs[:, 0], pairs[:, 1], L) ** 2))

    @across_shards("sum")
    def scatter(self, kind):
        """Σ (x_a − x_b)(x_a − x_b)ᵀ over the ``kind`` pairs."""
        pairs = self.pairs[kind]
        return difference_scatter(self.X, pairs[:, 0], pairs[:, 1], np.ones(pairs.shape[0]))

    @across_shards("update")
    def rescale(self, keep, spread):
        """Keep the features ``keep``, divided by ``spread``."""
        self.X = self.X[:, keep] / spread[keep]
        self._Q = None

    @across_shards("update")
    def project(self, B):
        """Move to the coordinates P = X B of the full solver."""
        self.P = self.X @ B

    @across_shards("sum")
    def dissimilar_sum_and_gradient(self, N):
        """g(N) over the dissimilar pairs on P, and its gradient."""
        pairs = self.pairs["dissimilar"]
        return dissimilar_sum_and_gradient(self.P, pairs[:, 0], pairs[:, 1], N)

    def _squared_differences(self):
        if self._Q is None:
            pairs = self.pairs["dissimilar"]
            Q = (self.X[pairs[:, 0]] - self.X[pairs[:, 1]]) ** 2
            self._Q = Q[np.any(Q > 0, axis=1)]
        return self._Q

    @across_shards("sum")
    def dissimilar_terms(self, w):
        """h(w) = Σ_D ‖d‖_w, its gradient and Hessian (pairs with d = 0 left out)."""
        return dissimilar_terms(self._squared_differences(), w)

    @across_shards("sum")
    def dissimilar_distance_sum(self, w):
        """h(w), and the number of dissimilar pairs at a positive distance under w."""
        Q = self._squared_differences()
        return clipped_distances(Q, w).sum(), int(np.sum(Q @ w > 0))
