"""The diagonal TripletSVM QP by a primal-dual interior point method.

    minimise  ½ wᵀQw + C Σ_t ξ_t   subject to  Zw + ξ ≥ 1,  w ≥ 0,  ξ ≥ 0,

with Z (n_triplets × m) given implicitly by points and index triplets
(:class:`TripletFeatures`). See :mod:`mlearn.triplet_svm` for the model and
:class:`_DiagonalInteriorPoint` for the method (Mehrotra 1992; Gondzio 1996).
"""

import numpy as np
from scipy import linalg
from sklearn.utils import gen_batches

from ._optim import ProgressTable, warn_not_converged
from .base import rows_per_block

__all__ = ["TripletFeatures", "solve_diagonal_qp"]

# Centrality correctors per iteration: on the digits benchmark 0, 1, 2, 3 take 47, 41,
# 38, 34 iterations; each costs two products with Z, the Gram matrix ~10 of them.
_N_CORRECTORS = 2
# Above this many triplets, solve on a working set (see solve_diagonal_qp).
_WORKING_SET = 100_000
# Triplets whose margin at the working set's solution is below 1 + this join the set.
_MARGIN_BUFFER = 0.5


class TripletFeatures:
    """The rows z_t = (b_i − b_k)² − (b_i − b_j)² of the constraint matrix Z, b = Aᵀx.

    Z (n_triplets × m) is kept whole when it fits scikit-learn's
    ``working_memory`` and recomputed block by block otherwise, so memory
    stays O(n_points·m + block·m) however many triplets there are.
    """

    def __init__(self, Xb, triplets):
        self._Xb, self._triplets = Xb, triplets
        self.shape = (triplets.shape[0], Xb.shape[1])
        # A block holds two difference matrices and Z.
        self._block = rows_per_block(3 * Xb.itemsize * Xb.shape[1], self.shape[0])
        self._whole = self._rows(slice(None)) if self._block >= self.shape[0] else None

    def _rows(self, rows):
        i, j, k = self._triplets[rows].T
        far = self._Xb[i] - self._Xb[k]
        near = self._Xb[i] - self._Xb[j]
        far *= far
        near *= near
        far -= near
        return far

    def subset(self, rows):
        """The features of the triplets ``rows`` only."""
        return TripletFeatures(self._Xb, self._triplets[rows])

    def blocks(self):
        if self._whole is not None:
            yield slice(None), self._whole
            return
        for rows in gen_batches(self.shape[0], self._block):
            yield rows, self._rows(rows)

    def any_nonzero(self):
        """Whether some z_t has a non-zero entry."""
        return any(np.any(block) for _, block in self.blocks())

    def matvec(self, w):
        out = np.empty(self.shape[0])
        for rows, Z in self.blocks():
            out[rows] = Z @ w
        return out

    def rmatvec(self, a):
        return sum(Z.T @ a[rows] for rows, Z in self.blocks())

    def weighted_gram(self, d, rtol=1e-6, d_max=None):
        """Zᵀ diag(d) Z, the only O(n_triplets·m²) step of an iteration.

        Rows with d_t below ``rtol``·max(d) are left out once they are the
        majority (their share of the sum is below rtol each): near the optimum only
        the triplets close to their margin keep a weight of order one, so
        late iterations cost far less than a full pass. ``d_max`` replaces max(d)
        when these rows are part of a larger Z (a shard of the triplets).
        """
        gram = np.zeros((self.shape[1], self.shape[1]))
        threshold = rtol * (d.max() if d_max is None else d_max)
        for rows, Z in self.blocks():
            weights = d[rows]
            keep = np.flatnonzero(weights > threshold)
            if 2 * keep.shape[0] < weights.shape[0]:
                # Gathering the rows that count is cheaper than a product with them all.
                weights, Z = weights[keep], Z[keep]
            # (√d Z)ᵀ(√d Z) as a GEMM: measured faster than OpenBLAS's SYRK here.
            scaled = np.sqrt(weights)[:, None] * Z
            gram += scaled.T @ scaled
        return gram


class _DiagonalInteriorPoint:
    """Primal-dual interior point (Mehrotra predictor-corrector) for the diagonal QP.

    Variables w ≥ 0, ξ ≥ 0 and the surplus s = Zw + ξ − 1 ≥ 0, with multipliers
    ν, μ, α ≥ 0 (α + μ = C). Eliminating everything but Δw from the Newton
    system leaves the m × m system

        (Q + Zᵀ diag(αμ / (αξ + sμ)) Z + diag(ν / w)) Δw = rhs,

    so an iteration costs one O(n_triplets·m²) pass over Z and no
    n_triplets-sized factorisation.
    """

    def __init__(self, Z, Q, C):
        self.Z, self.Q, self.C = Z, Q, C
        m = Z.shape[1]
        self.Qm = np.eye(m) if Q is None else Q
        self._Q_factor = None if Q is None else linalg.cho_factor(Q)
        # Start where z_tᵀw is of order 1, Zw + ξ − s = 1 holds and s_t α_t = ξ_t μ_t.
        scale = max(np.mean(np.abs(Z.matvec(np.ones(m)))), np.finfo(float).tiny)
        self.w = np.full(m, 1.0 / scale)
        shortfall = 1.0 - Z.matvec(self.w)
        self.xi = np.maximum(shortfall, 0.0) + 1.0
        self.s = np.maximum(-shortfall, 0.0) + 1.0
        self.alpha = C * self.xi / (self.xi + self.s)
        self.mu = C - self.alpha
        self.nu = np.full(m, np.mean(self.s * self.alpha) * scale)

    def bounds(self):
        """(primal value at w, dual value at (α, ν)): an upper and a lower bound on the optimum."""
        Z, C, w = self.Z, self.C, self.w
        self._Zw = Z.matvec(w)
        primal = 0.5 * (w @ self.Qm @ w) + C * np.sum(np.maximum(1.0 - self._Zw, 0.0))
        alpha = np.clip(self.alpha, 0.0, C)
        self._g = Z.rmatvec(alpha)
        if self.Q is None:
            # The best ν ≥ 0 for this α is max(−Zᵀα, 0): D(α) = Σα − ½‖max(Zᵀα, 0)‖².
            return primal, alpha.sum() - 0.5 * np.sum(np.maximum(self._g, 0.0) ** 2)
        g = self._g + self.nu
        return primal, alpha.sum() - 0.5 * (g @ linalg.cho_solve(self._Q_factor, g))

    def step(self):
        """One predictor-corrector step (after :meth:`bounds`, whose products it reuses)."""
        w, xi, s, alpha, mu, nu = point = (self.w, self.xi, self.s, self.alpha, self.mu, self.nu)
        self._r_p = self._Zw + xi - s - 1.0
        self._r_d = self.Qm @ w - self._g - nu
        self._r_xi = self.C - alpha - mu
        self._b = mu / xi
        self._e = 1.0 + s * self._b / alpha
        H = self.Qm + self.Z.weighted_gram(self._b / self._e) + np.diag(nu / w)
        self._H_factor = linalg.cho_factor(H)
        n_pairs = 2 * xi.shape[0] + w.shape[0]
        gap_mean = (s @ alpha + w @ nu + xi @ mu) / n_pairs
        affine = self._direction(s * alpha, w * nu, xi * mu)
        t = _step_to_boundary(point, affine, 1.0)
        dw, dxi, ds, dalpha, dmu, dnu = affine
        gap_affine = (
            (s + t * ds) @ (alpha + t * dalpha)
            + (w + t * dw) @ (nu + t * dnu)
            + (xi + t * dxi) @ (mu + t * dmu)
        ) / n_pairs
        target = (gap_affine / gap_mean) ** 3 * gap_mean
        residuals = [
            s * alpha + ds * dalpha - target,
            w * nu + dw * dnu - target,
            xi * mu + dxi * dmu - target,
        ]
        step = self._direction(*residuals)
        t = _step_to_boundary(point, step, 1.0)
        # Centrality correctors (Gondzio 1996): push the products that would leave
        # [0.1, 10]·target at a longer step back into that band, while that lengthens it.
        for _ in range(_N_CORRECTORS):
            trial = min(1.0, 1.5 * t + 0.1)
            pairs = ((2, 3), (0, 5), (1, 4))
            corrected = []
            for (p, d_), r in zip(pairs, residuals, strict=True):
                v = (point[p] + trial * step[p]) * (point[d_] + trial * step[d_])
                push = np.clip(v, 0.1 * target, 10 * target) - v
                corrected.append(r - np.maximum(push, -10 * target))
            candidate = self._direction(*corrected)
            t_candidate = _step_to_boundary(point, candidate, 1.0)
            if t_candidate < 1.01 * t:
                break
            step, t, residuals = candidate, t_candidate, corrected
        t = min(1.0, 0.99 * t)
        self.w, self.xi, self.s, self.alpha, self.mu, self.nu = (
            x + t * dx for x, dx in zip(point, step, strict=True)
        )

    def _direction(self, r_sa, r_wn, r_xm):
        """Newton step for complementarity residuals s∘α, w∘ν, ξ∘μ lowered by r_sa, r_wn, r_xm."""
        w, xi, s, alpha, mu, nu = self.w, self.xi, self.s, self.alpha, self.mu, self.nu
        b, e = self._b, self._e
        a = self._r_xi + r_xm / xi
        h = -self._r_p - (r_sa + s * a) / alpha
        rhs = -self._r_d + self.Z.rmatvec(a + b * h / e) - r_wn / w
        dw = linalg.cho_solve(self._H_factor, rhs)
        dxi = (h - self.Z.matvec(dw)) / e
        dalpha = a + b * dxi
        ds = -(r_sa + s * dalpha) / alpha
        dmu = -(r_xm + mu * dxi) / xi
        dnu = -(r_wn + nu * dw) / w
        return dw, dxi, ds, dalpha, dmu, dnu


def solve_diagonal_qp(Z, Q, C, max_iter, tol, verbose, name):
    """Solve to a relative duality gap ≤ tol; returns (w, primal, n_iter), warns at max_iter.

    Above ``_WORKING_SET`` triplets the interior point runs on a working set:
    a random sample first, then every triplet whose margin z_tᵀw falls below
    1 + ``_MARGIN_BUFFER`` at the last solution. Triplets left out carry α_t = 0,
    so the working set's dual value stays a lower bound for the whole problem,
    and the stopping test is the full primal at w against it.
    """
    if not Z.any_nonzero():
        # Z = 0: no weights tell any triplet's two distances apart, so w = 0 is
        # optimal with every slack 1 (and the interior point would have no scale).
        return np.zeros(Z.shape[1]), C * Z.shape[0], 0
    n_triplets = Z.shape[0]
    table = ProgressTable(name, verbose, ("primal", "dual", "relative gap"))
    if n_triplets <= _WORKING_SET:
        w, primal, _, n_iter = _interior_point(Z, Q, C, max_iter, tol, table, 0)
        if n_iter == max_iter:
            warn_not_converged(name, max_iter)
        return w, primal, n_iter
    rng = np.random.default_rng(0)
    working = np.zeros(n_triplets, dtype=bool)
    working[rng.choice(n_triplets, _WORKING_SET, replace=False)] = True
    Qm = np.eye(Z.shape[1]) if Q is None else Q
    best_w, best_primal, best_dual, n_iter = np.zeros(Z.shape[1]), C * n_triplets, 0.0, 0
    while n_iter < max_iter:
        w, _, dual, used = _interior_point(
            Z.subset(np.flatnonzero(working)), Q, C, max_iter - n_iter, tol, table, n_iter
        )
        n_iter += used
        margins = Z.matvec(w)
        primal = 0.5 * (w @ Qm @ w) + C * np.sum(np.maximum(1.0 - margins, 0.0))
        if primal < best_primal:
            best_w, best_primal = w, primal
        best_dual = max(best_dual, dual)
        if best_primal - best_dual <= tol * abs(best_primal):
            return best_w, best_primal, n_iter
        joining = ~working & (margins < 1.0 + _MARGIN_BUFFER)
        if not np.any(joining):
            break
        working |= joining
    warn_not_converged(name, max_iter)
    return best_w, best_primal, n_iter


def _interior_point(Z, Q, C, max_iter, tol, table, first_row):
    """Iterate to a relative gap ≤ tol; returns (best w, its primal, best dual, iterations)."""
    solver = _DiagonalInteriorPoint(Z, Q, C)
    best_w, best_primal, best_dual = np.zeros(Z.shape[1]), C * Z.shape[0], 0.0
    for iteration in range(1, max_iter + 1):
        primal, dual = solver.bounds()
        if primal < best_primal:
            best_w, best_primal = solver.w.copy(), primal
        best_dual = max(best_dual, dual)
        gap = (best_primal - best_dual) / max(abs(best_primal), np.finfo(float).tiny)
        table.row(first_row + iteration, primal, dual, gap)
        if gap <= tol:
            return best_w, best_primal, best_dual, iteration
        solver.step()
    return best_w, best_primal, best_dual, max_iter


def _step_to_boundary(point, step, fraction):
    """Largest t ≤ 1 with x + t·dx > 0 for every block, shortened by ``fraction``."""
    t = 1.0
    for x, dx in zip(point, step, strict=True):
        negative = dx < 0
        if np.any(negative):
            t = min(t, fraction * np.min(-x[negative] / dx[negative]))
    return t
