"""The sums over the quadruplets that the LSML solver needs, and the evaluator holding them.

For quadruplets (a, b, c, d) with weights w and a map L (M = LᵀL), the data
term of LSML and its gradient in M are sums over the quadruplets:

    loss  = Σ_q w_q (d_ab − d_cd)₊²,        d_ab = ‖L(x_a − x_b)‖,
    ∂/∂M  = Σ_q w_q r_q [ v vᵀ / d_ab − u uᵀ / d_cd ]   over r_q = d_ab − d_cd > 0,

with v = x_a − x_b, u = x_c − x_d (since ∂d_ab/∂M = v vᵀ / (2 d_ab)). The
gradient is a weighted scatter of pair differences, Σ ω_p δ_p δ_pᵀ over the
pairs (a, b) and (c, d), so it is formed as Xᵀ Lap(Ω) X
(:class:`mlearn._scatter.PairScatter`): one sparse product and one GEMM, never
a per-quadruplet outer product. A fit on a dask array holds one evaluator per
shard of the quadruplets on the workers, and the shards' sums are added
(:func:`mlearn._evaluator.across_shards`).
"""

import numpy as np
from sklearn.utils import gen_batches

from .._blocks import rows_per_block
from .._evaluator import across_shards
from .._scatter import PairScatter


def _pair_norms(Z, first, second):
    """‖Z[first] − Z[second]‖ per pair, in blocks bounded by ``working_memory``."""
    out = np.empty(first.shape[0], dtype=Z.dtype)
    for block in gen_batches(first.shape[0], rows_per_block(Z.itemsize * Z.shape[1], len(first))):
        out[block] = np.linalg.norm(Z[first[block]] - Z[second[block]], axis=1)
    return out


class QuadrupletResiduals:
    """The points of the quadruplets, and LSML's squared-residual loss and gradient.

    Only the points the quadruplets use are kept (in float64), with the
    quadruplets re-indexed into them in the same order.

    Parameters
    ----------
    X : ndarray of shape (n_points, d)
    quadruplets : ndarray of shape (n_quadruplets, 4), int
        Rows (a, b, c, d) of X, stating d(a, b) < d(c, d).
    """

    shard_attributes = {"n_quadruplets": "sum"}

    def __init__(self, X, quadruplets):
        used, inverse = np.unique(quadruplets, return_inverse=True)
        self.quadruplets = inverse.reshape(-1, 4)
        self.X = np.asarray(X[used], dtype=np.float64)
        self.n_quadruplets = self.quadruplets.shape[0]
        q = self.quadruplets
        # The pairs (a, b) first, then (c, d): one scatter for both halves.
        self._scatter = PairScatter(self.X, np.r_[q[:, 0], q[:, 2]], np.r_[q[:, 1], q[:, 3]])

    def _distances(self, L):
        Z = self.X @ L.T
        q = self.quadruplets
        return _pair_norms(Z, q[:, 0], q[:, 1]), _pair_norms(Z, q[:, 2], q[:, 3])

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
        return loss, self._scatter(np.r_[omega_ab, omega_cd])

    @across_shards("concatenate")
    def residuals(self, L):
        """d_ab − d_cd per quadruplet (positive where the stated order is violated)."""
        d_ab, d_cd = self._distances(L)
        return d_ab - d_cd
