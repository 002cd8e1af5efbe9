"""The diagonal TripletSVM QP by a primal-dual interior point method.

    minimise  ½ wᵀQw + C Σ_t ξ_t   subject to  Zw + ξ ≥ 1,  w ≥ 0,  ξ ≥ 0,

with Z (n_triplets × m) given implicitly by points and index triplets
(:class:`TripletFeatures`). See :mod:`mlearn.triplet_svm` for the model and
:class:`_DiagonalInteriorPoint` for the method (Mehrotra 1992; Gondzio 1996).
:func:`solve_on_working_set`, the growing working set of triplets that both
TripletSVM forms solve on, lives here too.
"""

import numpy as np
from scipy import linalg
from sklearn.utils import gen_batches

from ._optim import ProgressTable, warn_not_converged
from .base import rows_per_block

__all__ = ["TripletFeatures", "solve_diagonal_qp", "solve_on_working_set"]

# Centrality correctors per iteration: on the digits benchmark 0, 1, 2, 3 take 47, 41,
# 38, 34 iterations; each costs two products with Z, the Gram matrix ~10 of them.
_N_CORRECTORS = 2
# Above this many triplets, solve on a working set (see solve_diagonal_qp) that starts
# with max(_MIN_WORKING_SET, _WORKING_FRACTION · n_triplets) triplets. On 20,000 kNN
# triplets of digits, where 550 end with α > 0, a start of 1,000 takes 0.06 s against
# 0.49 s for the whole set; 10⁶ triplets end with ~250,000 in the set (most violated).
_MIN_WORKING_SET = 1000
_WORKING_FRACTION = 0.05
# Triplets whose margin at the working set's solution is below 1 + this join the set.
_MARGIN_BUFFER = 0.5


_MARGINS_KERNEL = []


def _margins_kernel():
    """Zw straight from the points and the triplets, compiled by numba on first use.

    One pass with no n_triplets × m temporaries: for Z too large to keep, this
    is ~10× faster than forming it block by block for a single product.
    """
    if not _MARGINS_KERNEL:
        import numba

        @numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
        def triplet_margins(Xb, triplets, w, out):
            for t in range(triplets.shape[0]):
                i, j, k = triplets[t, 0], triplets[t, 1], triplets[t, 2]
                total = 0.0
                for c in range(Xb.shape[1]):
                    far = Xb[i, c] - Xb[k, c]
                    near = Xb[i, c] - Xb[j, c]
                    total += w[c] * (far * far - near * near)
                out[t] = total

        _MARGINS_KERNEL.append(triplet_margins)
    return _MARGINS_KERNEL[0]


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

    def any_nonzero(self):
        """Whether some z_t has a non-zero entry (Z ≠ 0)."""
        if self._whole is not None:
            return bool(np.any(self._whole))
        # Small blocks: a nonzero row usually shows in the first one.
        return any(np.any(self._rows(rows)) for rows in gen_batches(self.shape[0], 4096))

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

    def matvec(self, w):
        out = np.empty(self.shape[0])
        if self._whole is None:
            Xb = np.ascontiguousarray(self._Xb, dtype=np.float64)
            triplets = np.ascontiguousarray(self._triplets, dtype=np.intp)
            _margins_kernel()(Xb, triplets, np.asarray(w, dtype=np.float64), out)
            return out
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

    Above ``_MIN_WORKING_SET`` triplets, on a working set (:func:`solve_on_working_set`).
    """
    if not Z.any_nonzero():
        # Z = 0: no weights tell any triplet's two distances apart, so w = 0 is
        # optimal with every slack 1 (and the interior point would have no scale).
        return np.zeros(Z.shape[1]), C * Z.shape[0], 0
    table = ProgressTable(name, verbose, ("primal", "dual", "relative gap"))
    Qm = np.eye(Z.shape[1]) if Q is None else Q

    def solve(rows, max_iter, first_row):
        features = Z if rows is None else Z.subset(rows)
        w, _, dual, n_iter = _interior_point(features, Q, C, max_iter, tol, table, first_row)
        return w, dual, n_iter

    return solve_on_working_set(
        solve,
        margins=Z.matvec,
        regulariser=lambda w: 0.5 * (w @ Qm @ w),
        euclidean_margins=lambda: Z.matvec(np.ones(Z.shape[1])),
        n_triplets=Z.shape[0],
        C=C,
        max_iter=max_iter,
        tol=tol,
        name=name,
    )


def solve_on_working_set(
    solve, margins, regulariser, euclidean_margins, n_triplets, C, max_iter, tol, name,
    working_set=True,
):  # fmt: skip
    """A triplet SVM solved on a growing working set, certified on all triplets.

    ``solve(rows, max_iter, first_row)`` solves the problem restricted to the
    triplets ``rows`` (None: all) to the relative gap ``tol`` and returns
    (parameter, a lower bound on that problem's optimum, iterations);
    ``margins(parameter)`` are the margins of all triplets and
    ``regulariser(parameter)`` the regulariser's value, so that the primal over
    all triplets is regulariser + C Σ max(0, 1 − margin).

    Up to max(``_MIN_WORKING_SET``, ``_WORKING_FRACTION`` · n_triplets) triplets
    (or with ``working_set=False``) this is one solve on all. Above, the set
    starts with the triplets of smallest Euclidean margin (the ones most likely
    to end inside their margin, where α_t > 0); after each solve, the triplets
    outside the set whose margin is below 1 + ``_MARGIN_BUFFER`` join it,
    smallest first, at most doubling it.
    Triplets left out carry α_t = 0, so each set's dual value stays a lower
    bound for the whole problem, and the stopping test is the primal over all
    triplets against it: ``tol`` bounds the suboptimality for all triplets.
    Returns (parameter, primal, n_iter); warns at ``max_iter``.
    """
    initial = max(_MIN_WORKING_SET, int(_WORKING_FRACTION * n_triplets))
    if n_triplets <= initial or not working_set:
        parameter, _, n_iter = solve(None, max_iter, 0)
        value = regulariser(parameter) + C * np.sum(np.maximum(1.0 - margins(parameter), 0.0))
        if n_iter == max_iter:
            warn_not_converged(name, max_iter)
        return parameter, value, n_iter
    working = np.zeros(n_triplets, dtype=bool)
    working[np.argpartition(euclidean_margins(), initial)[:initial]] = True
    best, best_primal, best_dual, n_iter = None, np.inf, 0.0, 0
    while n_iter < max_iter:
        parameter, dual, used = solve(np.flatnonzero(working), max_iter - n_iter, n_iter)
        n_iter += used
        current = margins(parameter)
        primal = regulariser(parameter) + C * np.sum(np.maximum(1.0 - current, 0.0))
        if primal < best_primal:
            best, best_primal = parameter, primal
        best_dual = max(best_dual, dual)
        if best_primal - best_dual <= tol * abs(best_primal):
            return best, best_primal, n_iter
        joining = np.flatnonzero(~working & (current < 1.0 + _MARGIN_BUFFER))
        if joining.shape[0] == 0:
            break
        cap = np.count_nonzero(working)  # the most violated first, at most doubling
        if joining.shape[0] > cap:
            joining = joining[np.argpartition(current[joining], cap)[:cap]]
        working[joining] = True
    warn_not_converged(name, max_iter)
    return best, best_primal, n_iter


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
