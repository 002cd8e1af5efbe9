"""The SCML estimators: from triplets, and from class labels (kNN triplets)."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from .._threads import blas_threads_for
from .._validation import check_n_components, float_dtype
from ..base import MahalanobisMixin, SupervisedMixin, TripletsMixin, points_in_memory
from ..constraints import knn_triplets
from ..psd import components_from_metric
from ._basis import (
    check_basis,
    default_lda_n_basis,
    default_triplet_diffs_n_basis,
    lda_basis,
    triplet_diffs_basis,
)
from ._evaluator import TripletBasisTerms
from ._solver import dual_averaging, metric_from_weights

__all__ = ["SCML", "SCMLSupervised"]


class _BaseSCML(MahalanobisMixin, BaseEstimator):
    """The solver shared by the triplets learner and its supervised twin."""

    # A dask X (or dask preprocessor) stays on the cluster when the basis is given:
    # the sums over the triplets are taken there, through MahalanobisMixin._evaluator.
    _fits_on_dask = True

    _parameter_constraints: dict = {
        "beta": [Interval(Real, 0, None, closed="left")],
        "basis": [StrOptions({"triplet_diffs"}), "array-like"],
        "n_basis": [Interval(Integral, 1, None, closed="left"), None],
        "gamma": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "output_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def _fit_triplets(self, X, triplets, basis):
        """Learn w on points X (in memory or a dask array), index triplets and a basis."""
        k = check_n_components(self.n_components, X.shape[1])
        dtype = float_dtype(X)
        triplets = np.ascontiguousarray(triplets, dtype=np.intp)
        settings = {
            "beta": self.beta,
            "gamma": self.gamma,
            "max_iter": self.max_iter,
            "output_iter": self.output_iter,
            "batch_size": self.batch_size,
            "tol": self.tol,
            "verbose": self.verbose,
            "name": type(self).__name__,
        }
        with blas_threads_for(X.shape[1]):
            terms = self._evaluator(TripletBasisTerms, X, triplets, basis=basis)
            w, objective, n_iter, _ = dual_averaging(terms, basis, settings, self.random_state)
            M = metric_from_weights(basis, w)
        self.basis_ = basis.astype(dtype)
        self.weights_ = w.astype(dtype)
        self.components_ = components_from_metric(M, k, check=False).astype(dtype)
        self.objective_ = float(objective)
        self.n_iter_ = n_iter
        return self

    def _triplet_diffs_basis(self, X, triplets):
        X = points_in_memory(X, "basis='triplet_diffs'")
        n_basis = self.n_basis or default_triplet_diffs_n_basis(X.shape[1])
        return triplet_diffs_basis(X, triplets, n_basis, check_random_state(self.random_state))


class SCML(TripletsMixin, _BaseSCML):
    """Sparse compositional metric learning from triplets.

    Learns M = Σ_i w_i b_i b_iᵀ, a sparse non-negative combination of rank-one
    bases b_i, from triplets (a, p, n) saying that a is closer to p than to n:

        minimise over w ≥ 0   (1/|T|) Σ_t [1 + d²_M(a, p) − d²_M(a, n)]₊ + β ‖w‖₁

    by regularised dual averaging with AdaGrad steps on minibatches of
    triplets. The problem has one weight per basis whatever the dimension,
    and M is PSD by construction. See :mod:`mlearn.scml` for the derivation.

    Parameters
    ----------
    beta : float >= 0, default=1e-5
        Weight β of the ℓ1 penalty on w: larger values keep fewer bases.
    basis : {'triplet_diffs', 'lda'} or array-like of shape (n_basis, n_features)
        The rank-one directions b_i, one per row; by default 'triplet_diffs'
        for SCML and 'lda' for SCMLSupervised. 'triplet_diffs': eigenvectors
        of Σ δ⁺δ⁺ᵀ − Σ δ⁻δ⁻ᵀ over random sets of n_features triplets (δ⁺ = a − p,
        δ⁻ = a − n); it needs at least n_features triplets. 'lda' (from labels
        only): the discriminant directions of local neighbourhoods around
        k-means centres, at two scales. An array is used as it is.
    n_basis : int, default=None
        Number of bases built; None: 80 n_features for 'triplet_diffs',
        min(20 n_features, 2 n_samples (n_classes − 1) − 1) for 'lda'. Ignored
        when ``basis`` is an array.
    gamma : float > 0, default=0.5
        Learning rate γ of the dual averaging: the step on basis i at step t
        is (t + 1) / (γ (δ + G_i)) with G_i the root summed squared gradients,
        so larger values take smaller steps. metric-learn's 5e-3 overshoots:
        0.5 reaches a lower objective in fewer steps on the bundled datasets
        (``benchmarks/scml_defaults.py``).
    max_iter : int, default=10000
        Most dual-averaging steps (minibatches).
    output_iter : int, default=500
        Steps between evaluations of the objective on all triplets (where the
        best w is kept, the stopping test made and, when verbose, a line printed).
    batch_size : int, default=10
        Triplets drawn (with replacement) per step.
    tol : float >= 0 or None, default=1e-3
        Stop when an evaluation improves the best objective by at most ``tol``
        relative; None runs all ``max_iter`` steps (as metric-learn does).
    n_components : int, default=None
        Rows of ``components_``: the leading eigenvectors of M (its best
        rank-k approximation), padded with zero rows where M's rank is lower;
        None gives n_features rows.
    random_state : int, RandomState instance or None, default=None
        Seeds the triplets drawn at each step and the basis construction; the
        draws are those of metric-learn's SCML for the same seed.
    verbose : int, default=0
        Print the objective and the number of triplets with a positive hinge at
        every evaluation when > 0.
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        What inputs given as identifiers stand for: triplets as an (n_triplets, 3)
        array of them (SCML), or X as an (n_samples,) array (SCMLSupervised). An array
        preprocessor is indexed by integer identifiers; a callable maps an array of
        identifiers of any kind (file names, keys) to their rows of features, each
        distinct identifier once. A dask array stays on the cluster when ``basis`` is
        an array: every sum over the triplets is taken there (see :doc:`/scaling`).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        L with LᵀL = M, the learned metric.
    weights_ : ndarray of shape (n_basis,)
        The learned w ≥ 0; most are zero.
    basis_ : ndarray of shape (n_basis, n_features)
        The bases b_i, one per row.
    objective_ : float
        The objective F(w) of the returned weights on all triplets.
    n_iter_ : int
        Dual-averaging steps run.
    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    SCMLSupervised : the same learner on kNN triplets built from labels.

    References
    ----------
    Y. Shi, A. Bellet and F. Sha, "Sparse Compositional Metric Learning",
    AAAI 2014.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn import SCML
    >>> X = np.array([[0.0, 0.0], [0.1, 5.0], [1.0, 0.0], [2.0, 1.0], [2.1, -4.0]])
    >>> triplets = np.array([[0, 1, 2], [2, 0, 3], [3, 4, 1]])
    >>> basis = np.eye(2)
    >>> model = SCML(basis=basis, gamma=0.1, random_state=0, preprocessor=X).fit(triplets)
    >>> model.score(triplets)
    1.0
    >>> bool(model.weights_[0] > model.weights_[1])
    True
    """

    _parameter_constraints: dict = {
        **_BaseSCML._parameter_constraints,
        "preprocessor": ["array-like", callable, None],
    }

    def __init__(
        self,
        beta=1e-5,
        *,
        basis="triplet_diffs",
        n_basis=None,
        gamma=0.5,
        max_iter=10000,
        output_iter=500,
        batch_size=10,
        tol=1e-3,
        n_components=None,
        random_state=None,
        verbose=0,
        preprocessor=None,
    ):
        self.beta = beta
        self.basis = basis
        self.n_basis = n_basis
        self.gamma = gamma
        self.max_iter = max_iter
        self.output_iter = output_iter
        self.batch_size = batch_size
        self.tol = tol
        self.n_components = n_components
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, triplets, y=None):
        """Learn the weights of the bases from triplets.

        Parameters
        ----------
        triplets : array-like of shape (n_triplets, 3, n_features) or (n_triplets, 3)
            Rows (a, p, n): a is closer to p than to n. Index triplets need
            the ``preprocessor``.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : SCML
        """
        X, indices = self._validate_fit_tuples(triplets)
        if isinstance(self.basis, str):
            basis = self._triplet_diffs_basis(X, indices)
        else:
            basis = check_basis(self.basis, X.shape[1])
        return self._fit_triplets(X, indices, basis)


class SCMLSupervised(SupervisedMixin, _BaseSCML):
    """SCML on kNN triplets built from class labels.

    For every point i, the triplets (i, j, l) join its ``k_genuine`` nearest
    same-class neighbours j with its ``k_impostor`` nearest other-class
    points l (:func:`mlearn.constraints.knn_triplets`); the weights of the
    bases then solve the :class:`SCML` problem

        minimise over w ≥ 0   (1/|T|) Σ_t [1 + d²_M(x_i, x_j) − d²_M(x_i, x_l)]₊ + β ‖w‖₁,
        M = Σ_b w_b b_b b_bᵀ,

    with the very same solver. The default bases are local LDA directions.

    Parameters
    ----------
    beta : float >= 0, default=1e-5
        Weight β of the ℓ1 penalty on w: larger values keep fewer bases.
    basis : {'triplet_diffs', 'lda'} or array-like of shape (n_basis, n_features)
        The rank-one directions b_i, one per row; by default 'triplet_diffs'
        for SCML and 'lda' for SCMLSupervised. 'triplet_diffs': eigenvectors
        of Σ δ⁺δ⁺ᵀ − Σ δ⁻δ⁻ᵀ over random sets of n_features triplets (δ⁺ = a − p,
        δ⁻ = a − n); it needs at least n_features triplets. 'lda' (from labels
        only): the discriminant directions of local neighbourhoods around
        k-means centres, at two scales. An array is used as it is.
    k_genuine : int, default=3
        Same-class neighbours per point.
    k_impostor : int, default=10
        Other-class neighbours per point.
    n_basis : int, default=None
        Number of bases built; None: 80 n_features for 'triplet_diffs',
        min(20 n_features, 2 n_samples (n_classes − 1) − 1) for 'lda'. Ignored
        when ``basis`` is an array.
    gamma : float > 0, default=0.5
        Learning rate γ of the dual averaging: the step on basis i at step t
        is (t + 1) / (γ (δ + G_i)) with G_i the root summed squared gradients,
        so larger values take smaller steps. metric-learn's 5e-3 overshoots:
        0.5 reaches a lower objective in fewer steps on the bundled datasets
        (``benchmarks/scml_defaults.py``).
    max_iter : int, default=10000
        Most dual-averaging steps (minibatches).
    output_iter : int, default=500
        Steps between evaluations of the objective on all triplets (where the
        best w is kept, the stopping test made and, when verbose, a line printed).
    batch_size : int, default=10
        Triplets drawn (with replacement) per step.
    tol : float >= 0 or None, default=1e-3
        Stop when an evaluation improves the best objective by at most ``tol``
        relative; None runs all ``max_iter`` steps (as metric-learn does).
    n_components : int, default=None
        Rows of ``components_``: the leading eigenvectors of M (its best
        rank-k approximation), padded with zero rows where M's rank is lower;
        None gives n_features rows.
    random_state : int, RandomState instance or None, default=None
        Seeds the triplets drawn at each step and the basis construction; the
        draws are those of metric-learn's SCML for the same seed.
    verbose : int, default=0
        Print the objective and the number of triplets with a positive hinge at
        every evaluation when > 0.
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        What inputs given as identifiers stand for: triplets as an (n_triplets, 3)
        array of them (SCML), or X as an (n_samples,) array (SCMLSupervised). An array
        preprocessor is indexed by integer identifiers; a callable maps an array of
        identifiers of any kind (file names, keys) to their rows of features, each
        distinct identifier once. A dask array stays on the cluster when ``basis`` is
        an array: every sum over the triplets is taken there (see :doc:`/scaling`).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        L with LᵀL = M, the learned metric.
    weights_ : ndarray of shape (n_basis,)
        The learned w ≥ 0; most are zero.
    basis_ : ndarray of shape (n_basis, n_features)
        The bases b_i, one per row.
    objective_ : float
        The objective F(w) of the returned weights on all triplets.
    n_iter_ : int
        Dual-averaging steps run.
    n_features_in_ : int
        Number of features seen during fit.
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    See Also
    --------
    SCML : the learner from triplets.

    References
    ----------
    Y. Shi, A. Bellet and F. Sha, "Sparse Compositional Metric Learning",
    AAAI 2014.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from mlearn import SCMLSupervised
    >>> X, y = load_iris(return_X_y=True)
    >>> model = SCMLSupervised(random_state=0).fit(X, y)
    >>> model.transform(X).shape
    (150, 4)
    """

    _parameter_constraints: dict = {
        **_BaseSCML._parameter_constraints,
        "basis": [StrOptions({"triplet_diffs", "lda"}), "array-like"],
        "k_genuine": [Interval(Integral, 1, None, closed="left")],
        "k_impostor": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        beta=1e-5,
        *,
        basis="lda",
        k_genuine=3,
        k_impostor=10,
        n_basis=None,
        gamma=0.5,
        max_iter=10000,
        output_iter=500,
        batch_size=10,
        tol=1e-3,
        n_components=None,
        random_state=None,
        verbose=0,
        preprocessor=None,
    ):
        self.beta = beta
        self.basis = basis
        self.k_genuine = k_genuine
        self.k_impostor = k_impostor
        self.n_basis = n_basis
        self.gamma = gamma
        self.max_iter = max_iter
        self.output_iter = output_iter
        self.batch_size = batch_size
        self.tol = tol
        self.n_components = n_components
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Build kNN triplets from (X, y) and learn the weights of the bases from them.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            A dask array stays on the cluster when ``basis`` is an array: the
            kNN triplets are searched and every sum over them is computed on
            the workers (see :doc:`/scaling`).
        y : array-like of shape (n_samples,)
            Class labels; at least two classes, one with two points.

        Returns
        -------
        self : SCMLSupervised
        """
        X, y = self._validate_supervised(X, y)
        if isinstance(self.basis, str) and self.basis == "lda":
            X = points_in_memory(X, "basis='lda'")
            n_classes = len(self.classes_)
            n_basis = self.n_basis or default_lda_n_basis(X.shape[0], X.shape[1], n_classes)
            basis = lda_basis(X, y, n_basis, self.random_state)
        triplets = knn_triplets(X, y, self.k_genuine, self.k_impostor)
        if isinstance(self.basis, str) and self.basis == "triplet_diffs":
            basis = self._triplet_diffs_basis(X, triplets)
        elif not isinstance(self.basis, str):
            basis = check_basis(self.basis, X.shape[1])
        return self._fit_triplets(X, triplets, basis)
