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
``working_memory`` and block by block otherwise. Above 1,000 triplets the
interior point runs on a growing working set of the triplets near or
inside their margin, started from those with the smallest Euclidean
margins, and the duality gap is checked on all triplets
(:func:`mlearn._diagonal_qp.solve_diagonal_qp`). The
Lagrange dual,

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

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import linalg
from scipy.optimize import Bounds
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

from ._dask import float_dtype, is_dask_array
from ._diagonal_qp import TripletFeatures, solve_diagonal_qp, solve_on_working_set
from ._optim import ProgressTable, minimize_lbfgs
from ._scatter import PairScatter
from ._tuples_dask import knn_triplets_dask, sharded_triplets
from .base import MahalanobisMixin, SupervisedMixin, TripletsMixin, _paired_distances
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


class _TripletScatter:
    """S(α) = Σ_t α_t (d_ik d_ikᵀ − d_ij d_ijᵀ): the pairs (i, k) weighted +α, (i, j) −α."""

    def __init__(self, X, triplets):
        i, j, k = triplets.T
        self._scatter = PairScatter(X, np.concatenate([i, i]), np.concatenate([k, j]))

    def __call__(self, alpha):
        return self._scatter(np.concatenate([alpha, -alpha]))


def _triplet_margins(X, triplets, L):
    """d²(x_i, x_k) − d²(x_i, x_j) under M = LᵀL, in blocks bounded by ``working_memory``."""
    i, j, k = triplets.T
    return _paired_distances(X, i, k, L) ** 2 - _paired_distances(X, i, j, L) ** 2


class TripletTerms:
    """What the full solver needs of the triplets: S(α) and the margins under a metric.

    In memory; a fit on a dask array holds one per shard of the triplets on the
    workers, adds the shards' S(α_shard) and concatenates their margins.
    """

    def __init__(self, X, triplets):
        self.X, self.triplets = X, triplets
        self.n_triplets, self.n_features = triplets.shape[0], X.shape[1]
        self._scatter = _TripletScatter(X, triplets)

    def scatter(self, alpha):
        """S(α) = Σ_t α_t Z_t."""
        return self._scatter(alpha)

    def margins(self, L):
        """d²(x_i, x_k) − d²(x_i, x_j) of every triplet under M = LᵀL."""
        return _triplet_margins(self.X, self.triplets, L)

    def subset(self, rows):
        """The terms of the triplets ``rows`` only."""
        return TripletTerms(self.X, self.triplets[rows])


def _full_dual(alpha, terms):
    """D(α) = Σα − ½‖Π(S(α))‖²_F, its gradient 1 − margins(M), M = Π(S(α)) and the margins."""
    M = project_psd(terms.scatter(alpha))
    margins = terms.margins(components_from_metric(M, check=False))
    return alpha.sum() - 0.5 * np.sum(M * M), 1.0 - margins, M, margins


def _solve_full(terms, C, max_iter, tol, verbose, name):
    """The full form, on a working set of the triplets; returns (M, primal, n_iter).

    ``terms`` is a :class:`TripletTerms` or its sharded twin; the working set
    needs ``terms.subset`` (in memory), without it all triplets are solved at once.
    """
    table = ProgressTable(name, verbose, ("primal", "dual", "relative gap"))

    def solve(rows, max_iter, first_row):
        subset = terms if rows is None else terms.subset(rows)
        return _maximize_full_dual(subset, C, max_iter, tol, table, first_row, name)

    identity = np.eye(terms.n_features)
    return solve_on_working_set(
        solve,
        margins=lambda M: terms.margins(components_from_metric(M, check=False)),
        regulariser=lambda M: 0.5 * np.sum(M * M),
        euclidean_margins=lambda: terms.margins(identity),
        n_triplets=terms.n_triplets,
        C=C,
        max_iter=max_iter,
        tol=tol,
        name=name,
        working_set=hasattr(terms, "subset"),
    )


def _maximize_full_dual(terms, C, max_iter, tol, table, first_row, name):
    """L-BFGS-B on the smooth dual of the full form; returns (best M, best dual, n_iter)."""
    n_triplets, d = terms.n_triplets, terms.n_features
    best = {"primal": C * n_triplets, "dual": 0.0, "M": np.zeros((d, d))}

    def negative_dual(alpha):
        dual, gradient, M, margins = _full_dual(alpha, terms)
        primal = 0.5 * np.sum(M * M) + C * np.sum(np.maximum(1.0 - margins, 0.0))
        if primal < best["primal"]:
            best["primal"], best["M"] = primal, M
        best["dual"] = max(best["dual"], dual)
        return -dual, -gradient

    def gap_closed(iteration, alpha):
        gap = (best["primal"] - best["dual"]) / max(abs(best["primal"]), np.finfo(float).tiny)
        table.row(first_row + iteration, best["primal"], best["dual"], gap)
        return gap <= tol

    with warnings.catch_warnings():
        # The iteration budget is shared by the working sets: warned once, by the caller.
        warnings.simplefilter("ignore", ConvergenceWarning)
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
    return best["M"], best["dual"], result.n_iter


def _triplet_state(X, triplets, P, form):
    """The solver's view of index triplets on the points X P (X if P is None): the rows
    z_t of Z (``form='diagonal'``) or the :class:`TripletTerms` of the full form."""
    X = np.asarray(X, dtype=np.float64)
    Xb = X if P is None else X @ P
    return TripletFeatures(Xb, triplets) if form == "diagonal" else TripletTerms(Xb, triplets)


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
        """Solve the QP on points X (or a dask array) and index triplets; set the attributes."""
        on_dask = is_dask_array(X)
        dtype = float_dtype(X)
        if on_dask and self.solver == "cvxpy":
            raise ValueError("solver='cvxpy' needs the points in memory; use 'dual' on dask.")
        if not on_dask:
            X = np.asarray(X, dtype=np.float64)
        triplets = np.ascontiguousarray(triplets, dtype=np.intp)
        name = type(self).__name__
        A = None if self.basis is None else _check_basis(self.basis, X.shape[1])

        def constraints(P, form):
            """The triplets on the coordinates X P (X if P is None), in memory or sharded."""
            if on_dask:
                return sharded_triplets(X, triplets, P, form)
            return _triplet_state(X, triplets, P, form)

        if self.diagonal:
            Q = None if A is None else _regulariser(A)
            if self.solver == "cvxpy":
                Xb = X if A is None else X @ A
                w, primal, n_iter = _solve_cvxpy(Xb, triplets, Q, self.C, diagonal=True)
                w = np.maximum(w, 0.0)
            else:
                w, primal, n_iter = solve_diagonal_qp(
                    constraints(A, "diagonal"), Q, self.C, self.max_iter, self.tol,
                    self.verbose, name,
                )  # fmt: skip
            self.weights_ = w.astype(dtype)
            M = np.diag(w) if A is None else (A * w) @ A.T
        else:
            # The full form on orthonormal coordinates of the basis' column space.
            B = None if A is None else linalg.orth(A)
            if self.solver == "cvxpy":
                Xb = X if B is None else X @ B
                W, primal, n_iter = _solve_cvxpy(Xb, triplets, None, self.C, diagonal=False)
                W = project_psd(W)
            else:
                W, primal, n_iter = _solve_full(
                    constraints(B, "full"), self.C, self.max_iter, self.tol, self.verbose, name
                )
            M = W if B is None else B @ W @ B.T
            if hasattr(self, "weights_"):
                del self.weights_
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
        given as points. A dask array stays on
        the cluster: every sum over the tuples is taken there (see :doc:`/scaling`).

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

    _fits_on_dask = True

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
        X : array-like or dask array of shape (n_samples, n_features)
            A dask array stays on the cluster: the kNN triplets are searched
            and every sum over them is computed on the workers (see
            :doc:`/scaling`); the fit equals the in-memory one to rounding.
        y : array-like of shape (n_samples,)
            Class labels; at least two classes, one with two points.

        Returns
        -------
        self : TripletSVMSupervised
        """
        if is_dask_array(X):
            # kNN triplets searched, and every sum over them taken, on the cluster.
            y = self._validate_supervised_dask(X, y)
            return self._fit_triplets(X, knn_triplets_dask(X, y, self.k_genuine, self.k_impostor))
        X, y = self._validate_supervised(X, y)
        triplets = knn_triplets(X, y, self.k_genuine, self.k_impostor)
        return self._fit_triplets(X, triplets)
