"""The sums over the quadruplets that the LSML solver needs, and the evaluator holding them.

For quadruplets (a, b, c, d) with weights w and a map L (M = LᵀL), the data
term of LSML and its gradient in M are sums over the quadruplets:

    loss  = Σ_q w_q (d_ab − d_cd)₊²,        d_ab = ‖L(x_a − x_b)‖,
    ∂/∂M  = Σ_q w_q r_q [ v vᵀ / d_ab − u uᵀ / d_cd ]   over r_q = d_ab − d_cd > 0,

with v = x_a − x_b, u = x_c − x_d (since ∂d_ab/∂M = v vᵀ / (2 d_ab)). The
gradient is a weighted scatter of pair differences, Σ ω_p δ_p δ_pᵀ over the
pairs (a, b) and (c, d) of the violated quadruplets, so it is formed as
Xᵀ (Lap(Ω) X) (one compiled pass over the quadruplets writes Lap(Ω) X, then one
GEMM; :mod:`mlearn.lsml._kernels`) or, when fewer than n_points / 2 quadruplets
are violated, as Vᵀ diag(ω) V from the violated ones' differences alone; never a
per-quadruplet outer product. The distances come from one compiled pass too.
A fit on a dask array holds one evaluator per shard of the quadruplets on the
workers, and the shards' sums are added (:func:`mlearn._evaluator.across_shards`).
"""

import numpy as np

from .._evaluator import across_shards


def _quadruplet_distances(Z, quadruplets):
    """(d_ab, d_cd) per quadruplet of the embedded points Z: one compiled pass that reads
    rows of Z, with no n_quadruplets × k temporaries."""
    from ._kernels import quadruplet_distances

    n = quadruplets.shape[0]
    d_ab, d_cd = np.empty(n, dtype=Z.dtype), np.empty(n, dtype=Z.dtype)
    quadruplet_distances(np.ascontiguousarray(Z), quadruplets, d_ab, d_cd)
    return d_ab, d_cd


class QuadrupletResiduals:
    """The points of the quadruplets, and LSML's squared-residual loss and gradient.

    The points are kept in float64; when the quadruplets use fewer than all of
    X's rows (fewer indices than rows), only those, with the quadruplets
    re-indexed into them in the same order.

    Parameters
    ----------
    X : ndarray of shape (n_points, d)
    quadruplets : ndarray of shape (n_quadruplets, 4), int
        Rows (a, b, c, d) of X, stating d(a, b) < d(c, d).
    """

    shard_attributes = {"n_quadruplets": "sum"}

    def __init__(self, X, quadruplets):
        quadruplets = np.asarray(quadruplets, dtype=np.intp)
        if quadruplets.size < X.shape[0]:  # few rows used: keep those (the rest cost work)
            used, inverse = np.unique(quadruplets, return_inverse=True)
            X, quadruplets = X[used], inverse.reshape(-1, 4)
        self.quadruplets = np.ascontiguousarray(quadruplets)
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        self.n_quadruplets = self.quadruplets.shape[0]
        self._embedded = None

    def _weighted_scatter(self, omega_ab, omega_cd, active):
        """Σ ω_ab v vᵀ + Σ ω_cd u uᵀ over the ``active`` quadruplets (ω = 0 elsewhere).

        Near a good metric few quadruplets are violated: from their differences the
        scatter costs 2·n_active·d², against 2·n_points·d² for the Laplacian form
        over all of them, so the cheaper of the two is taken.
        """
        n_active = int(np.count_nonzero(active))
        if 2 * n_active >= self.X.shape[0]:
            from ._kernels import quadruplet_scatter_rows

            R = np.empty_like(self.X)
            quadruplet_scatter_rows(self.X, self.quadruplets, omega_ab, omega_cd, R)
            S = self.X.T @ R
            return (S + S.T) / 2
        q, X = self.quadruplets[active].T.copy(), self.X  # (4, n_active), rows contiguous
        V = np.take(X, q[0], axis=0) - np.take(X, q[1], axis=0)
        U = np.take(X, q[2], axis=0) - np.take(X, q[3], axis=0)
        S = (V * omega_ab[active, None]).T @ V + (U * omega_cd[active, None]).T @ U
        return (S + S.T) / 2

    def _distances(self, L):
        # One buffer for the embedded points, reused by every evaluation.
        if self._embedded is None or self._embedded.shape[1] != L.shape[0]:
            self._embedded = np.empty((self.X.shape[0], L.shape[0]))
        Z = np.matmul(self.X, L.T, out=self._embedded)
        return _quadruplet_distances(Z, self.quadruplets)

    @across_shards("sum", sliced=("weights",))
    def loss_and_gradient(self, L, weights):
        """Σ w (d_ab − d_cd)₊² and its gradient in M (a symmetric d × d matrix)."""
        d_ab, d_cd = self._distances(L)
        residual = d_ab - d_cd
        violated = residual > 0
        loss = float(np.sum(weights[violated] * residual[violated] ** 2))
        # d_ab > d_cd ≥ 0 on a violated quadruplet; a pair of identical points (d_cd = 0)
        # has a zero subgradient.
        scale = np.where(violated, weights * residual, 0.0)
        omega_ab = scale / np.where(violated, d_ab, 1.0)
        omega_cd = np.where(d_cd > 0, -scale / np.where(d_cd > 0, d_cd, 1.0), 0.0)
        return loss, self._weighted_scatter(omega_ab, omega_cd, scale != 0)

    @across_shards("concatenate")
    def residuals(self, L):
        """d_ab − d_cd per quadruplet (positive where the stated order is violated)."""
        d_ab, d_cd = self._distances(L)
        return d_ab - d_cd
