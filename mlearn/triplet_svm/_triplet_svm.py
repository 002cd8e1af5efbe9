"""The TripletSVM estimators: from triplets, and from class labels (kNN triplets)."""

from numbers import Integral, Real

import numpy as np
from scipy import linalg
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from .._threads import blas_threads_for
from .._validation import check_n_components, float_dtype
from ..base import MahalanobisMixin, SupervisedMixin, TripletsMixin, points_in_memory
from ..constraints import knn_triplets
from ..psd import components_from_metric, project_psd
from ._cvxpy import solve_cvxpy
from ._diagonal_qp import basis_regulariser, solve_diagonal_qp
from ._features import TripletFeatures
from ._full import solve_full
from ._terms import TripletTerms

__all__ = ["TripletSVM", "TripletSVMSupervised"]


class _BaseTripletSVM(MahalanobisMixin, BaseEstimator):
    """The solver shared by the triplets learner and its supervised twin."""

    # A dask X (or dask preprocessor) stays on the cluster: the sums over the
    # triplets are taken there, through MahalanobisMixin._evaluator.
    _fits_on_dask = True

    _parameter_constraints: dict = {
        "C": [Interval(Real, 0, None, closed="neither")],
        "diagonal": ["boolean"],
        "basis": ["array-like", None],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "solver": [StrOptions({"dual", "cvxpy"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def _fit_triplets(self, X, triplets):
        """Solve the QP on points X (in memory or a dask array) and index triplets."""
        if self.solver == "cvxpy":
            X = points_in_memory(X, "solver='cvxpy'")
        # Checked before solving; components_from_metric truncates (or pads) to it afterwards.
        n_components = check_n_components(self.n_components, X.shape[1])
        dtype = float_dtype(X)
        triplets = np.ascontiguousarray(triplets, dtype=np.intp)
        A = None if self.basis is None else _check_basis(self.basis, X.shape[1])
        with blas_threads_for(X.shape[1]):
            if self.diagonal:
                w, primal, n_iter = _solve_diagonal(self, X, triplets, A)
                self.weights_ = w.astype(dtype)
                M = np.diag(w) if A is None else (A * w) @ A.T
            else:
                M, primal, n_iter = _solve_full(self, X, triplets, A)
                if hasattr(self, "weights_"):
                    del self.weights_
        L = components_from_metric(project_psd(M), n_components, check=False)
        self.components_ = L.astype(dtype)
        self.objective_ = float(primal)
        self.n_iter_ = n_iter
        return self


class TripletSVM(TripletsMixin, _BaseTripletSVM):
    """Metric learning from relative comparisons by an SVM-type QP.

    Learns d²(x, y) = (x − y)ᵀ A diag(w) Aᵀ (x − y) from triplets (a, p, n)
    saying that a is closer to p than to n, by solving exactly

        minimise    ½ ‖A diag(w) Aᵀ‖²_F + C Σ_t ξ_t
        subject to  d²(a, n) − d²(a, p) ≥ 1 − ξ_t,  ξ_t ≥ 0,  w ≥ 0,

    or, with ``diagonal=False``, ½‖M‖²_F + C Σ_t ξ_t over M ⪰ 0. The solver
    is a primal-dual interior point method (L-BFGS-B on the dual for the
    full form) on index triplets: memory is linear in the number of triplets. See
    :mod:`mlearn.triplet_svm` for the derivation.

    Parameters
    ----------
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
        approximation); None gives n_features rows, zero rows past M's
        numerical rank.
    max_iter : int, default=1000
        Interior point iterations (diagonal; 10 to 50 usually suffice) or
        L-BFGS-B iterations (full).
    tol : float >= 0, default=1e-5
        Stop when the duality gap, relative to the primal objective, is at
        most ``tol``; this bounds the relative suboptimality of the result.
    solver : {'dual', 'cvxpy'}, default='dual'
        'dual' is the dedicated solver above; 'cvxpy' solves the same QP
        with cvxpy and CLARABEL (slow; for reference).
    random_state : int, RandomState instance or None, default=None
        Unused: both solvers are deterministic (nothing is drawn), so every
        seed gives the same fit. Accepted as by every other learner.
    verbose : int, default=0
        Print the primal, dual and relative gap per iteration when > 0.
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        What inputs given as identifiers stand for: triplets as an (n_triplets, 3) array
        of them (TripletSVM), or X as an (n_samples,) array (TripletSVMSupervised). An
        array preprocessor is indexed by integer identifiers; a callable maps an array
        of identifiers of any kind (file names, keys) to their rows of features, each
        distinct identifier once. A dask array stays on the cluster: every sum over the
        tuples is taken there (see :doc:`/scaling`).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        L with LᵀL = M, the learned metric.
    weights_ : ndarray of shape (n_basis,)
        The learned w ≥ 0 (only with ``diagonal=True``).
    objective_ : float
        Primal objective ½‖M‖²_F + C Σ ξ_t of the returned metric.
    n_iter_ : int
        Epochs or iterations run (the solver's iterations for 'cvxpy').
    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    TripletSVMSupervised : the same learner on kNN triplets built from labels.

    References
    ----------
    M. Schultz and T. Joachims, "Learning a distance metric from relative
    comparisons", NIPS 2003.
    S. Mehrotra, "On the implementation of a primal-dual interior point
    method", SIAM J. Optimization, 1992.
    J. Gondzio, "Multiple centrality corrections in a primal-dual method for
    linear programming", Comput. Optim. Appl., 1996.

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
        random_state=None,
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
        self.random_state = random_state
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
    """TripletSVM on kNN triplets built from class labels.

    For every point i, the triplets (i, j, l) join its ``k_genuine`` nearest
    same-class neighbours j with its ``k_impostor`` nearest other-class
    points l (:func:`mlearn.constraints.knn_triplets`); the metric then
    solves the :class:`TripletSVM` QP

        minimise    ½ ‖A diag(w) Aᵀ‖²_F + C Σ_t ξ_t
        subject to  d²(x_i, x_l) − d²(x_i, x_j) ≥ 1 − ξ_t,  ξ_t ≥ 0,  w ≥ 0

    (or its full form with ``diagonal=False``) with the very same solver.

    Parameters
    ----------
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
    k_genuine : int, default=3
        Same-class neighbours per point.
    k_impostor : int, default=10
        Other-class neighbours per point.
    n_components : int, default=None
        Rows of ``components_``: the leading eigenvectors of M (best rank-k
        approximation); None gives n_features rows, zero rows past M's
        numerical rank.
    max_iter : int, default=1000
        Interior point iterations (diagonal; 10 to 50 usually suffice) or
        L-BFGS-B iterations (full).
    tol : float >= 0, default=1e-5
        Stop when the duality gap, relative to the primal objective, is at
        most ``tol``; this bounds the relative suboptimality of the result.
    solver : {'dual', 'cvxpy'}, default='dual'
        'dual' is the dedicated solver above; 'cvxpy' solves the same QP
        with cvxpy and CLARABEL (slow; for reference).
    random_state : int, RandomState instance or None, default=None
        Unused: both solvers are deterministic (nothing is drawn), so every
        seed gives the same fit. Accepted as by every other learner.
    verbose : int, default=0
        Print the primal, dual and relative gap per iteration when > 0.
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        What inputs given as identifiers stand for: triplets as an (n_triplets, 3) array
        of them (TripletSVM), or X as an (n_samples,) array (TripletSVMSupervised). An
        array preprocessor is indexed by integer identifiers; a callable maps an array
        of identifiers of any kind (file names, keys) to their rows of features, each
        distinct identifier once. A dask array stays on the cluster: every sum over the
        tuples is taken there (see :doc:`/scaling`).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        L with LᵀL = M, the learned metric.
    weights_ : ndarray of shape (n_basis,)
        The learned w ≥ 0 (only with ``diagonal=True``).
    objective_ : float
        Primal objective ½‖M‖²_F + C Σ ξ_t of the returned metric.
    n_iter_ : int
        Epochs or iterations run (the solver's iterations for 'cvxpy').
    n_features_in_ : int
        Number of features seen during fit.
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    See Also
    --------
    TripletSVM : the learner from triplets.

    References
    ----------
    M. Schultz and T. Joachims, "Learning a distance metric from relative
    comparisons", NIPS 2003.
    S. Mehrotra, "On the implementation of a primal-dual interior point
    method", SIAM J. Optimization, 1992.
    J. Gondzio, "Multiple centrality corrections in a primal-dual method for
    linear programming", Comput. Optim. Appl., 1996.

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
        "preprocessor": ["array-like", callable, None],
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
        random_state=None,
        verbose=0,
        preprocessor=None,
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
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessor = preprocessor

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
        X, y = self._validate_supervised(X, y)
        triplets = knn_triplets(X, y, self.k_genuine, self.k_impostor)
        return self._fit_triplets(X, triplets)


def _solve_diagonal(estimator, X, triplets, A):
    """The weights w of the diagonal form on the basis A (None: the identity)."""
    Q = None if A is None else basis_regulariser(A)
    if estimator.solver == "cvxpy":
        X = np.asarray(X, dtype=np.float64)
        Xb = X if A is None else X @ A
        w, primal, n_iter = solve_cvxpy(Xb, triplets, Q, estimator.C, diagonal=True)
        return np.maximum(w, 0.0), primal, n_iter
    Z = estimator._evaluator(TripletFeatures, X, triplets, P=A)
    return solve_diagonal_qp(Z, Q, *_solver_settings(estimator))


def _solve_full(estimator, X, triplets, A):
    """M of the full form, on orthonormal coordinates of the basis' column space."""
    B = None if A is None else linalg.orth(A)
    if estimator.solver == "cvxpy":
        X = np.asarray(X, dtype=np.float64)
        Xb = X if B is None else X @ B
        W, primal, n_iter = solve_cvxpy(Xb, triplets, None, estimator.C, diagonal=False)
        W = project_psd(W)
    else:
        terms = estimator._evaluator(TripletTerms, X, triplets, P=B)
        W, primal, n_iter = solve_full(terms, *_solver_settings(estimator))
    return (W if B is None else B @ W @ B.T), primal, n_iter


def _solver_settings(estimator):
    """(C, max_iter, tol, verbose, name): what both solvers take after the evaluator."""
    e = estimator
    return e.C, e.max_iter, e.tol, e.verbose, type(e).__name__


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
