"""Weighted scatter of pair differences, Σ_p w_p (x_a − x_b)(x_a − x_b)ᵀ, as Xᵀ·Lap(W)·X.

Every learner whose objective is a sum over pairs or triplets of squared
Mahalanobis distances needs this d × d matrix (a gradient, a dual map, a
constraint matrix). Forming it per pair costs n_pairs × d² and, done naively,
an n_pairs × d × d tensor. With W the sparse matrix holding w_p on the edge
(a_p, b_p), it is

    Σ_p w_p (x_a − x_b)(x_a − x_b)ᵀ = Xᵀ diag(deg) X − Xᵀ W X − (Xᵀ W X)ᵀ,

deg the row plus column sums of W, i.e. Xᵀ Lap(W + Wᵀ) X: one sparse product
and two GEMMs. The sparsity pattern of W depends only on the pairs, so it is
built once and each evaluation refills its data.
"""

import numpy as np
from scipy import sparse

__all__ = ["PairScatter"]


class PairScatter:
    """S(w) = Σ_p w_p (x_{a_p} − x_{b_p})(x_{a_p} − x_{b_p})ᵀ for fixed pairs, any weights.

    Parameters
    ----------
    X : ndarray of shape (n_points, d)
    first, second : ndarray of shape (n_pairs,), int
        The pairs (a_p, b_p) as rows of X. Repeated pairs are allowed (their
        weights add up), and so are pairs in either orientation.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    >>> scatter = PairScatter(X, np.array([0, 0]), np.array([1, 2]))
    >>> scatter(np.array([1.0, 0.5]))
    array([[1., 0.],
           [0., 2.]])
    """

    def __init__(self, X, first, second):
        n = X.shape[0]
        keys = np.asarray(first, dtype=np.int64) * n + np.asarray(second, dtype=np.int64)
        edges, self._edge_of_pair = np.unique(keys, return_inverse=True)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(edges // n, minlength=n))])
        self._W = sparse.csr_matrix(
            (np.zeros(edges.shape[0], dtype=X.dtype), edges % n, indptr), shape=(n, n)
        )
        self.X = X

    def weight_matrix(self, weights):
        """The sparse W with Σ of ``weights`` on each distinct edge (a, b)."""
        W = self._W
        W.data = np.bincount(self._edge_of_pair, weights=weights, minlength=W.data.shape[0])
        W.data = W.data.astype(self.X.dtype, copy=False)
        return W

    def laplacian(self, weights):
        """Lap(W + Wᵀ), so that Xᵀ·laplacian·X = S(weights) for any X of these points."""
        W = self.weight_matrix(weights)
        degree = np.asarray(W.sum(axis=0)).ravel() + np.asarray(W.sum(axis=1)).ravel()
        return sparse.diags(degree) - W - W.T

    def __call__(self, weights):
        """S(weights), a symmetric d × d matrix."""
        W = self.weight_matrix(weights)
        X = self.X
        degree = np.asarray(W.sum(axis=0)).ravel() + np.asarray(W.sum(axis=1)).ravel()
        cross = X.T @ (W @ X)
        S = (X * degree[:, None]).T @ X - cross - cross.T
        return (S + S.T) / 2
