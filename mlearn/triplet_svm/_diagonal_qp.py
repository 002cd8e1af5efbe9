"""The diagonal TripletSVM QP by a primal-dual interior point method.

    minimise  ½ wᵀQw + C Σ_t ξ_t   subject to  Zw + ξ ≥ 1,  w ≥ 0,  ξ ≥ 0,

with Z (n_triplets × m) given implicitly by points and index triplets
(:class:`~mlearn.triplet_svm._features.TripletFeatures`, or its shards on a
dask array). See :mod:`mlearn.triplet_svm` for the model and
:class:`_DiagonalInteriorPoint` for the method (Mehrotra 1992; Gondzio 1996).
"""

import numpy as np
from scipy import linalg

from .._optim import ProgressTable
from ._working_set import solve_on_working_set

__all__ = ["basis_regulariser", "solve_diagonal_qp"]

# Centrality correctors per iteration: on the digits benchmark 0, 1, 2, 3 take 47, 41,
# 38, 34 iterations; each costs two products with Z, the Gram matrix ~10 of them.
_N_CORRECTORS = 2
# Rows of Z whose weight in Zᵀ diag(d) Z is below this times max(d) are left out
# (TripletFeatures.weighted_gram).
_GRAM_RTOL = 1e-6


def basis_regulariser(A):
    """Q = (AᵀA)∘(AᵀA), the matrix of ½‖A diag(w) Aᵀ‖²_F = ½ wᵀQw; raise if singular."""
    G = A.T @ A
    Q = G * G
    eig = linalg.eigvalsh(Q)
    if eig[0] <= 1e-10 * eig[-1]:
        raise ValueError(
            "The basis makes the regulariser ½‖A diag(w) Aᵀ‖²_F singular in w: the matrices "
            "a aᵀ of its columns a are linearly dependent (e.g. a zero or repeated column)."
        )
    return Q


class _DiagonalInteriorPoint:
    """Primal-dual interior point (Mehrotra predictor-corrector) for the diagonal QP.

    Variables w ≥ 0, ξ ≥ 0 and the surplus s = Zw + ξ − 1 ≥ 0, with multipliers
    ν, μ, α ≥ 0 (α + μ = C). Eliminating everything but Δw from the Newton
    system leaves the m × m system

        (Q + Zᵀ diag(αμ / (αξ + sμ)) Z + diag(ν / w)) Δw = rhs,

    so an iteration costs one O(n_triplets·m²) pass over Z and no
    n_triplets-sized factorisation. ``m`` is Z's number of columns (given, as
    reading it from sharded features would cost a pass over the shards).
    """

    def __init__(self, Z, Q, C, m):
        self.Z, self.Q, self.C = Z, Q, C
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
        H = self.Qm + self._weighted_gram(self._b / self._e) + np.diag(nu / w)
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

    def _weighted_gram(self, d):
        # max(d) over all the triplets: sharded features see only their slice of d.
        return self.Z.weighted_gram(_GRAM_RTOL, float(d.max()), d)

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

    ``Z`` is a :class:`~mlearn.triplet_svm._features.TripletFeatures` (or its
    sharded twin). Above ``_MIN_WORKING_SET`` triplets, on a working set
    (:func:`~mlearn.triplet_svm._working_set.solve_on_working_set`).
    """
    n_triplets, m = Z.n_triplets, Z.n_features
    if not Z.any_nonzero():
        # Z = 0: no weights tell any triplet's two distances apart, so w = 0 is
        # optimal with every slack 1 (and the interior point would have no scale).
        return np.zeros(m), C * n_triplets, 0
    rule = f"stops when the relative duality gap <= tol={tol:g}, or at max_iter={max_iter}"
    table = ProgressTable(name, verbose, ("primal", "dual", "relative gap"), rule=rule)
    Qm = np.eye(m) if Q is None else Q

    def solve(rows, max_iter, first_row):
        features = Z if rows is None else Z.subset(rows)
        size = n_triplets if rows is None else rows.shape[0]
        w, _, dual, n_iter = _interior_point(
            features, Q, C, (size, m), max_iter, tol, table, first_row
        )
        return w, dual, n_iter

    return solve_on_working_set(
        solve,
        margins=Z.matvec,
        regulariser=lambda w: 0.5 * (w @ Qm @ w),
        euclidean_margins=lambda: Z.matvec(np.ones(m)),
        n_triplets=n_triplets,
        C=C,
        max_iter=max_iter,
        tol=tol,
        name=name,
    )


def _interior_point(Z, Q, C, shape, max_iter, tol, table, first_row):
    """Iterate to a relative gap ≤ tol; returns (best w, its primal, best dual, iterations).

    ``shape`` is Z's (n_triplets, m).
    """
    n_triplets, m = shape
    solver = _DiagonalInteriorPoint(Z, Q, C, m)
    best_w, best_primal, best_dual = np.zeros(m), C * n_triplets, 0.0
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
