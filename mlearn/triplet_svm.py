"""TripletSVM: a metric from relative comparisons (Schultz & Joachims 2003).

Each triplet (i, j, k) states that x_i is closer to x_j than to x_k. With a
fixed basis A (d × m; the identity by default) and weights w ≥ 0, the
distance is d²(x, y) = (x − y)ᵀ A diag(w) Aᵀ (x − y), and the learner solves

    minimise    ½ ‖A diag(w) Aᵀ‖²_F + C Σ_t ξ_t
    subject to  d²(x_i, x_k) − d²(x_i, x_j) ≥ 1 − ξ_t,  ξ_t ≥ 0,  w ≥ 0.

With z_t = (Aᵀ(x_i − x_k))² − (Aᵀ(x_i − x_j))² (squares elementwise) the
constraints read z_tᵀ w ≥ 1 − ξ_t and the regulariser is ½ wᵀ Q w with
Q = (AᵀA) ∘ (AᵀA), so this is an SVM-type QP in m weights. It is solved by a
primal-dual interior point method (Mehrotra's predictor-corrector with
Gondzio's centrality correctors) on w, ξ and the surpluses s = Zw + ξ − 1,
with multipliers ν (w ≥ 0), α (margins) and μ (ξ ≥ 0), α + μ = C. All but
Δw is eliminated from each Newton system, which leaves

    (Q + Zᵀ diag(αμ / (αξ + sμ)) Z + diag(ν / w)) Δw = r,

an m × m positive definite system: an iteration is one GEMM over the
triplets plus a few products with Z, whatever their number. Z is formed
from the points and the index triplets, whole when it fits scikit-learn's
``working_memory`` and block by block otherwise. The Lagrange dual,

    D(α, ν) = Σ_t α_t − ½ (Zᵀα + ν)ᵀ Q⁻¹ (Zᵀα + ν),   0 ≤ α ≤ C, ν ≥ 0,

(for A = I maximised over ν in closed form: D(α) = Σα − ½‖max(Zᵀα, 0)‖²)
gives the lower bound of the stopping test below.

``diagonal=False`` gives the full form: minimise ½‖M‖²_F + C Σ ξ_t under
the same constraints ⟨M, Z_t⟩ ≥ 1 − ξ_t, Z_t = d_ik d_ikᵀ − d_ij d_ijᵀ
(d_ik = x_i − x_k), with M ⪰ 0. Its dual is smooth and concave on the box:

    D(α) = Σ α_t − ½ ‖Π(S(α))‖²_F,   S(α) = Σ α_t Z_t,   ∂D/∂α_t = 1 − ⟨Π(S), Z_t⟩,

where Π is the projection onto the PSD cone and M = Π(S(α)). S(α) is
Xᵀ·Laplacian(W_α)·X for a sparse W_α with ±α_t on the edges (i, k) and
(i, j), so one sparse product and one GEMM; L-BFGS-B handles the bounds.
With a basis A in the full form, M = A W Aᵀ with W ⪰ 0 ranges over the PSD
matrices supported on the column space of A, and ‖A W Aᵀ‖_F = ‖W̃‖_F for
W̃ = Bᵀ M B with B an orthonormal basis of that space: the full form runs
on the coordinates X B.

Both solvers stop on the relative duality gap: every dual value is a lower
bound on the optimum and every primal value (at the current w, or at
M = Π(S)) an upper bound, so ``tol`` bounds the relative suboptimality of
the returned metric.
"""

from numbers import Integral, Real

import numpy as np
from scipy import linalg, sparse
from scipy.optimize import Bounds
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import gen_batches
from sklearn.utils._param_validation import Interval, StrOptions

from ._optim import ProgressTable, minimize_lbfgs, warn_not_converged
from .base import (
    MahalanobisMixin,
    SupervisedMixin,
    TripletsMixin,
    _paired_distances,
    rows_per_block,
)
from .constraints import knn_triplets
from .psd import components_from_metric, project_psd

__all__ = ["TripletSVM", "TripletSVMSupervised"]


def _check_basis(basis, n_features):
    A = np.asarray(basis, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != n_features or A.shape[1] == 0:
        raise ValueError(
            f"basis must have shape (n_features, n_basis) = ({n_features}, m) with m >= 1, "
            f"got shape {A.shape}."
        )
    if not np.all(np.isfinite(A)):
        raise ValueError("basis contains NaN or infinity.")
    return A


def _regulariser(A):
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


class _TripletFeatures:
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

    def blocks(self):
        if self._whole is not None:
            yield slice(None), self._whole
            return
        for rows in gen_batches(self.shape[0], self._block):
            yield rows, self._rows(rows)

    def matvec(self, w):
        out = np.empty(self.shape[0])
        for rows, Z in self.blocks():
            out[rows] = Z @ w
        return out

    def rmatvec(self, a):
        return sum(Z.T @ a[rows] for rows, Z in self.blocks())

    def weighted_gram(self, d, rtol=1e-6):
        """Zᵀ diag(d) Z, the only O(n_triplets·m²) step of an iteration.

        Rows with d_t below ``rtol``·max(d) are left out: near the optimum only
        the triplets close to their margin keep a weight of order one, so
        late iterations cost far less than a full pass.
        """
        gram = np.zeros((self.shape[1], self.shape[1]))
        threshold = rtol * d.max()
        for rows, Z in self.blocks():
            keep = np.flatnonzero(d[rows] > threshold)
            # (√d Z)ᵀ(√d Z) as a GEMM: measured faster than OpenBLAS's SYRK here.
            scaled = np.sqrt(d[rows][keep, None]) * Z[keep]
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
        for _ in range(2):
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


def _solve_diagonal(Z, Q, C, max_iter, tol, verbose, name):
    """Run the interior point to a relative duality gap ≤ tol.

    Returns (w, primal, n_iter, converged) with the best primal iterate.
    """
    solver = _DiagonalInteriorPoint(Z, Q, C)
    best_w, best_primal, best_dual = np.zeros(Z.shape[1]), C * Z.shape[0], 0.0
    table = ProgressTable(name, verbose, ("primal", "dual", "relative gap"))
    for iteration in range(1, max_iter + 1):
        primal, dual = solver.bounds()
        if primal < best_primal:
            best_w, best_primal = solver.w.copy(), primal
        best_dual = max(best_dual, dual)
        gap = (best_primal - best_dual) / max(abs(best_primal), np.finfo(float).tiny)
        table.row(iteration, primal, dual, gap)
        if gap <= tol:
            return best_w, best_primal, iteration, True
        solver.step()
    warn_not_converged(name, max_iter)
    return best_w, best_primal, max_iter, False


def _step_to_boundary(point, step, fraction):
    """Largest t ≤ 1 with x + t·dx > 0 for every block, shortened by ``fraction``."""
    t = 1.0
    for x, dx in zip(point, step, strict=True):
        negative = dx < 0
        if np.any(negative):
            t = min(t, fraction * np.min(-x[negative] / dx[negative]))
    return t


class _TripletScatter:
    """S(α) = Σ_t α_t (d_ik d_ikᵀ − d_ij d_ijᵀ) as Xᵀ·Laplacian(W_α)·X with a sparse W_α.

    W_α holds +α_t on the directed edge (i, k) and −α_t on (i, j); its sparsity
    pattern is built once, and each evaluation only refills its data.
    """

    def __init__(self, X, triplets):
        n = X.shape[0]
        i, j, k = triplets.T
        keys = np.concatenate([i * n + k, i * n + j])
        unique, self._position = np.unique(keys, return_inverse=True)
        rows = unique // n
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
        self._W = sparse.csr_matrix((np.zeros(unique.shape[0]), unique % n, indptr), shape=(n, n))
        self._X = X

    def __call__(self, alpha):
        W = self._W
        W.data = np.bincount(
            self._position, weights=np.concatenate([alpha, -alpha]), minlength=W.data.shape[0]
        )
        X = self._X
        # Σ_e w_e (x_a − x_b)(x_a − x_b)ᵀ = Xᵀ diag(deg) X − XᵀWX − (XᵀWX)ᵀ.
        degree = np.asarray(W.sum(axis=0)).ravel() + np.asarray(W.sum(axis=1)).ravel()
        cross = X.T @ (W @ X)
        return (X * degree[:, None]).T @ X - cross - cross.T


def _triplet_margins(X, triplets, L):
    """d²(x_i, x_k) − d²(x_i, x_j) under M = LᵀL, in blocks bounded by ``working_memory``."""
    i, j, k = triplets.T
    return _paired_distances(X, i, k, L) ** 2 - _paired_distances(X, i, j, L) ** 2


def _full_dual(alpha, scatter, X, triplets):
    """D(α) = Σα − ½‖Π(S(α))‖²_F, its gradient 1 − margins(M), M = Π(S(α)) and the margins."""
    M = project_psd(scatter(alpha))
    margins = _triplet_margins(X, triplets, components_from_metric(M, check=False))
    return alpha.sum() - 0.5 * np.sum(M * M), 1.0 - margins, M, margins


def _solve_full(X, triplets, C, max_iter, tol, verbose, name):
    """L-BFGS-B on the smooth dual of the full form; returns (M, primal, n_iter, converged)."""
    n_triplets, d = triplets.shape[0], X.shape[1]
    scatter = _TripletScatter(X, triplets)
    best = {"primal": C * n_triplets, "dual": 0.0, "M": np.zeros((d, d))}
    table = ProgressTable(name, verbose, ("primal", "dual", "relative gap"))

    def negative_dual(alpha):
        dual, gradient, M, margins = _full_dual(alpha, scatter, X, triplets)
        primal = 0.5 * np.sum(M * M) + C * np.sum(np.maximum(1.0 - margins, 0.0))
        if primal < best["primal"]:
            best["primal"], best["M"] = primal, M
        best["dual"] = max(best["dual"], dual)
        return -dual, -gradient

    def gap_closed(iteration, alpha):
        gap = (best["primal"] - best["dual"]) / max(abs(best["primal"]), np.finfo(float).tiny)
        table.row(iteration, best["primal"], best["dual"], gap)
        return gap <= tol

    result = minimize_lbfgs(
        negative_dual,
        np.zeros(n_triplets),
        bounds=Bounds(np.zeros(n_triplets), np.full(n_triplets, C)),
        max_iter=max_iter,
        tol=0.0,
        ftol=0.0,
        stop=gap_closed,
        name=name,
    )
    return best["M"], best["primal"], result.n_iter, result.converged


def _solve_cvxpy(Xb, triplets, Q, C, diagonal):
    """The same QP through cvxpy (CLARABEL): a reference, not a fast path."""
    import cvxpy as cp

    i, j, k = triplets.T
    far, near = Xb[i] - Xb[k], Xb[i] - Xb[j]
    if diagonal:
        w = cp.Variable(Xb.shape[1], nonneg=True)
        margins = (far**2 - near**2) @ w
        reg = 0.5 * cp.sum_squares(w) if Q is None else 0.5 * cp.quad_form(w, cp.psd_wrap(Q))
    else:
        w = cp.Variable((Xb.shape[1],) * 2, PSD=True)
        margins = cp.sum(cp.multiply(far @ w, far), axis=1) - cp.sum(
            cp.multiply(near @ w, near), axis=1
        )
        reg = 0.5 * cp.sum_squares(w)
    problem = cp.Problem(cp.Minimize(reg + C * cp.sum(cp.pos(1 - margins))))
    problem.solve(solver=cp.CLARABEL)
    if w.value is None:
        raise RuntimeError(f"cvxpy failed to solve the TripletSVM QP: {problem.status}.")
    return np.asarray(w.value), float(problem.value), int(problem.solver_stats.num_iters or 0)


class _BaseTripletSVM(MahalanobisMixin, BaseEstimator):
    """The solver shared by the triplets learner and its supervised twin."""

    _parameter_constraints: dict = {
        "C": [Interval(Real, 0, None, closed="neither")],
        "diagonal": ["boolean"],
        "basis": ["array-like", None],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "solver": [StrOptions({"dual", "cvxpy"})],
        "verbose": ["verbose"],
    }

    def _fit_triplets(self, X, triplets):
        """Solve the QP on points X and index triplets; set the fitted attributes."""
        dtype = X.dtype
        X = np.asarray(X, dtype=np.float64)
        triplets = np.ascontiguousarray(triplets, dtype=np.intp)
        name = type(self).__name__
        A = None if self.basis is None else _check_basis(self.basis, X.shape[1])
        if self.diagonal:
            Q = None if A is None else _regulariser(A)
            Xb = X if A is None else X @ A
            if self.solver == "cvxpy":
                w, primal, n_iter = _solve_cvxpy(Xb, triplets, Q, self.C, diagonal=True)
                w, converged = np.maximum(w, 0.0), True
            else:
                w, primal, n_iter, converged = _solve_diagonal(
                    _TripletFeatures(Xb, triplets), Q, self.C, self.max_iter, self.tol,
                    self.verbose, name,
                )  # fmt: skip
            self.weights_ = w.astype(dtype)
            M = np.diag(w) if A is None else (A * w) @ A.T
        else:
            # The full form on orthonormal coordinates of the basis' column space.
            B = None if A is None else linalg.orth(A)
            Xb = X if B is None else X @ B
            if self.solver == "cvxpy":
                W, primal, n_iter = _solve_cvxpy(Xb, triplets, None, self.C, diagonal=False)
                W, converged = project_psd(W), True
            else:
                W, primal, n_iter, converged = _solve_full(
                    Xb, triplets, self.C, self.max_iter, self.tol, self.verbose, name
                )
            M = W if B is None else B @ W @ B.T
        self.components_ = components_from_metric(
            project_psd(M), self.n_components, check=False
        ).astype(dtype)
        self.objective_ = float(primal)
        self.n_iter_ = n_iter
        return self


_DOC_PARAMETERS = """
    C : float > 0, default=1.0
        Weight of the summed slacks Σ ξ_t against the regulariser, exactly as
        in the objective above (not divided by the number of triplets).
    diagonal : bool, default=True
        Learn the weights w of the diagonal form (Schultz & Joachims 2003);
        False learns a full M ⪰ 0 with ½‖M‖²_F as regulariser.
    basis : array-like of shape (n_features, n_basis), default=None
        The fixed basis A; None is the identity. With ``diagonal=True`` the
        matrices a aᵀ of its columns must be linearly independent; with
        ``diagonal=False`` M is learned on the column space of A.
    n_components : int, default=None
        Rows of ``components_``: the leading eigenvectors of M (best rank-k
        approximation); None keeps M's numerical rank.
    max_iter : int, default=1000
        Interior point iterations (diagonal; 10 to 50 usually suffice) or
        L-BFGS-B iterations (full).
    tol : float >= 0, default=1e-5
        Stop when the duality gap, relative to the primal objective, is at
        most ``tol``; this bounds the relative suboptimality of the result.
    solver : {'dual', 'cvxpy'}, default='dual'
        'dual' is the dedicated solver above; 'cvxpy' solves the same QP
        with cvxpy and CLARABEL (slow; for reference).
    verbose : int, default=0
        Print the primal, dual and relative gap per iteration when > 0."""

_DOC_ATTRIBUTES = """
    components_ : ndarray of shape (n_components, n_features)
        L with LᵀL = M, the learned metric.
    weights_ : ndarray of shape (n_basis,)
        The learned w ≥ 0 (only with ``diagonal=True``).
    objective_ : float
        Primal objective ½‖M‖²_F + C Σ ξ_t of the returned metric.
    n_iter_ : int
        Epochs or iterations run (the solver's iterations for 'cvxpy').
    n_features_in_ : int
        Number of features seen during fit."""

_DOC_REFERENCES = """
    M. Schultz and T. Joachims, "Learning a distance metric from relative
    comparisons", NIPS 2003.
    S. Mehrotra, "On the implementation of a primal-dual interior point
    method", SIAM J. Optimization, 1992.
    J. Gondzio, "Multiple centrality corrections in a primal-dual method for
    linear programming", Comput. Optim. Appl., 1996."""


class TripletSVM(TripletsMixin, _BaseTripletSVM):
    __doc__ = f"""Metric learning from relative comparisons by an SVM-type QP.

    Learns d²(x, y) = (x − y)ᵀ A diag(w) Aᵀ (x − y) from triplets (a, p, n)
    saying that a is closer to p than to n, by solving exactly

        minimise    ½ ‖A diag(w) Aᵀ‖²_F + C Σ_t ξ_t
        subject to  d²(a, n) − d²(a, p) ≥ 1 − ξ_t,  ξ_t ≥ 0,  w ≥ 0,

    or, with ``diagonal=False``, ½‖M‖²_F + C Σ_t ξ_t over M ⪰ 0. The solver
    is a primal-dual interior point method (L-BFGS-B on the dual for the
    full form) on index triplets: memory is linear in the number of triplets. See
    :mod:`mlearn.triplet_svm` for the derivation.

    Parameters
    ----------{_DOC_PARAMETERS}
    preprocessor : array-like of shape (n_samples, n_features) or callable, default=None
        The points that index triplets refer to; None when the triplets are
        given as points.

    Attributes
    ----------{_DOC_ATTRIBUTES}

    See Also
    --------
    TripletSVMSupervised : the same learner on kNN triplets built from labels.

    References
    ----------{_DOC_REFERENCES}

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn import TripletSVM
    >>> X = np.array([[0.0, 0.0], [0.1, 5.0], [1.0, 0.0], [2.0, 1.0], [2.1, -4.0]])
    >>> triplets = np.array([[0, 1, 2], [2, 0, 3], [3, 4, 1]])
    >>> model = TripletSVM(C=10.0, preprocessor=X).fit(triplets)
    >>> model.score(triplets)
    1.0
    >>> bool(model.weights_[0] > model.weights_[1])
    True
    """

    _parameter_constraints: dict = {
        **_BaseTripletSVM._parameter_constraints,
        "preprocessor": ["array-like", callable, None],
    }

    def __init__(
        self,
        C=1.0,
        *,
        diagonal=True,
        basis=None,
        n_components=None,
        max_iter=1000,
        tol=1e-5,
        solver="dual",
        verbose=0,
        preprocessor=None,
    ):
        self.C = C
        self.diagonal = diagonal
        self.basis = basis
        self.n_components = n_components
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.verbose = verbose
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, triplets, y=None):
        """Learn the metric from triplets.

        Parameters
        ----------
        triplets : array-like of shape (n_triplets, 3, n_features) or (n_triplets, 3)
            Rows (a, p, n): a is closer to p than to n. Index triplets need
            the ``preprocessor``.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : TripletSVM
        """
        X, indices = self._validate_fit_tuples(triplets)
        return self._fit_triplets(X, indices)


class TripletSVMSupervised(SupervisedMixin, _BaseTripletSVM):
    __doc__ = f"""TripletSVM on kNN triplets built from class labels.

    For every point i, the triplets (i, j, l) join its ``k_genuine`` nearest
    same-class neighbours j with its ``k_impostor`` nearest other-class
    points l (:func:`mlearn.constraints.knn_triplets`); the metric then
    solves the :class:`TripletSVM` QP

        minimise    ½ ‖A diag(w) Aᵀ‖²_F + C Σ_t ξ_t
        subject to  d²(x_i, x_l) − d²(x_i, x_j) ≥ 1 − ξ_t,  ξ_t ≥ 0,  w ≥ 0

    (or its full form with ``diagonal=False``) with the very same solver.

    Parameters
    ----------{_DOC_PARAMETERS}
    k_genuine : int, default=3
        Same-class neighbours per point.
    k_impostor : int, default=10
        Other-class neighbours per point.

    Attributes
    ----------{_DOC_ATTRIBUTES}
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    See Also
    --------
    TripletSVM : the learner from triplets.

    References
    ----------{_DOC_REFERENCES}

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from mlearn import TripletSVMSupervised
    >>> X, y = load_iris(return_X_y=True)
    >>> model = TripletSVMSupervised().fit(X, y)
    >>> model.transform(X).shape[0]
    150
    """

    _parameter_constraints: dict = {
        **_BaseTripletSVM._parameter_constraints,
        "k_genuine": [Interval(Integral, 1, None, closed="left")],
        "k_impostor": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        C=1.0,
        *,
        diagonal=True,
        basis=None,
        k_genuine=3,
        k_impostor=10,
        n_components=None,
        max_iter=1000,
        tol=1e-5,
        solver="dual",
        verbose=0,
    ):
        self.C = C
        self.diagonal = diagonal
        self.basis = basis
        self.k_genuine = k_genuine
        self.k_impostor = k_impostor
        self.n_components = n_components
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Build kNN triplets from (X, y) and learn the metric from them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels; at least two classes, one with two points.

        Returns
        -------
        self : TripletSVMSupervised
        """
        X, y = self._validate_supervised(X, y)
        triplets = knn_triplets(X, y, self.k_genuine, self.k_impostor)
        return self._fit_triplets(X, triplets)
