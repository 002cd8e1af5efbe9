"""The FARM estimators: from triplets (FARM) and from labelled points (FARMSupervised)."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from .._init import initial_metric
from .._threads import blas_threads_for
from .._validation import check_n_components, float_dtype
from ..base import MahalanobisMixin, SupervisedMixin, TripletsMixin, inverse_covariance
from ..constraints import knn_triplets
from ..psd import components_from_metric
from ._evaluator import _TripletLoss
from ._solver import MeanTripletLoss, alternate

__all__ = ["FARM", "FARMSupervised"]


class _BaseFARM(MahalanobisMixin, BaseEstimator):
    """The FARM solver shared by the triplet and the supervised faces."""

    _parameter_constraints: dict = {
        "penalty": [StrOptions({"fro", "l1", "nuclear"})],
        "alpha_metric": [Interval(Real, 0, None, closed="left")],
        "alpha_weights": [Interval(Real, 0, None, closed="left")],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "init": [StrOptions({"identity", "covariance", "random"}), np.ndarray],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def _fit_triplets(self, X, triplets):
        n_features = X.shape[1]
        check_n_components(self.n_components, n_features)
        with blas_threads_for(n_features):
            evaluator = self._evaluator(_TripletLoss, X, triplets)
            loss = MeanTripletLoss(evaluator, n_triplets=triplets.shape[0])
            M = initial_metric(
                self.init,
                n_features,
                inverse_covariance=inverse_covariance(X),
                random_state=self.random_state,
            )
            M, w, objective, self.n_iter_ = alternate(
                loss,
                M,
                penalty=self.penalty,
                alpha_metric=self.alpha_metric,
                alpha_weights=self.alpha_weights,
                max_iter=self.max_iter,
                tol=self.tol,
                verbose=self.verbose,
                name=type(self).__name__,
            )
        if not np.any(w):
            warnings.warn(
                f"{type(self).__name__}: every feature weight is zero, the metric is 0; "
                f"decrease alpha_weights (now {self.alpha_weights}).",
                UserWarning,
                stacklevel=4,
            )
        dtype = float_dtype(X)
        self.feature_weights_ = w.astype(dtype)
        self.feature_relations_ = M.astype(dtype)
        metric = w[:, None] * M * w[None, :]
        k = check_n_components(self.n_components, metric.shape[0])  # zero rows past the rank
        self.components_ = components_from_metric(metric, k, check=False)
        self.components_ = self.components_.astype(dtype)
        self.objective_ = float(objective)
        return self


class FARM(TripletsMixin, _BaseFARM):
    """Feature-Aware Metric learning from triplets.

    Learns M̂ = diag(w) M diag(w), per-feature weights w ≥ 0 times a PSD
    matrix M of feature relations, by minimising over triplets (i, j, k),
    "x_i is closer to x_j than to x_k",

        (1/|R|) Σ_R ℓ(d²_ik − d²_ij) + alpha_metric·Ω(M) + alpha_weights·‖w‖₁

    with ℓ the smoothed hinge of margin 1, alternating proximal gradient
    steps on M (with the PSD projection) and on w (non-negative soft
    threshold). The L1 penalty sets weights of irrelevant features to exactly
    zero. The maths is in the package docstring of ``mlearn.farm``; the
    defaults suit standardised features.

    Parameters
    ----------
    penalty : {'fro', 'l1', 'nuclear'}, default='fro'
        Regulariser Ω of the feature-relation matrix M: ‖M‖²_F against
        overfitting, Σ|m_ab| for a sparse M, or the nuclear norm tr(M) for a
        low-rank M.
    alpha_metric : float >= 0, default=0.01
        λ₁, the weight of Ω(M).
    alpha_weights : float >= 0, default=0.01
        λ₂, the weight of ‖w‖₁; larger values zero more feature weights.
    n_components : int or None, default=None
        Rows of ``components_``: the best rank-k factor of M̂; None gives
        n_features rows, zero rows past its numerical rank.
    init : {'identity', 'covariance', 'random'} or ndarray of shape \
(n_features, n_features), default='identity'
        Initial M ('covariance': the pseudo-inverse of the data covariance;
        'random': AᵀA/d with A a d × d standard normal matrix). The weights
        start at 1.
    max_iter : int, default=100
        Maximum number of outer (alternating) iterations.
    tol : float >= 0, default=1e-5
        Stop when the objective's relative decrease over an outer iteration
        falls below ``tol``.
    verbose : int, default=0
        Print the objective and the number of non-zero weights per iteration.
    random_state : int, RandomState instance or None, default=None
        Seed of ``init='random'``.
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        What inputs given as identifiers stand for: triplets as an (n_triplets, 3) array
        of them (FARM), or X as an (n_samples,) array (FARMSupervised). An array
        preprocessor is indexed by integer identifiers; a callable maps an array of
        identifiers of any kind (file names, keys) to their rows of features, each
        distinct identifier once. A dask array stays on the cluster: every sum over the
        tuples is taken there (see :doc:`/scaling`).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        L with LᵀL = M̂ = diag(w) M diag(w).
    feature_weights_ : ndarray of shape (n_features,)
        The learned weights w ≥ 0; exact zeros mark discarded features.
    feature_relations_ : ndarray of shape (n_features, n_features)
        The learned PSD matrix M of relations between features.
    objective_ : float
        Final value of the objective.
    n_iter_ : int
        Outer iterations run.
    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    FARMSupervised : the same learner fitted on labelled points.

    References
    ----------
    H.-J. Ye, D.-C. Zhan, X.-M. Si and Y. Jiang, "Learning Feature Aware
    Metric", Asian Conference on Machine Learning (ACML), 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn import FARM
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 4))
    >>> X[:, 0] += 4 * (np.arange(60) % 2)
    >>> triplets = np.array([[i, (i + 2) % 60, (i + 1) % 60] for i in range(60)])
    >>> farm = FARM(preprocessor=X).fit(triplets)
    >>> farm.score(triplets) > 0.9
    True
    >>> int(np.argmax(farm.feature_weights_))
    0
    """

    # A dask ``preprocessor`` stays on the cluster: every sum over the triplets is
    # taken there, by the evaluator's shards.
    _fits_on_dask = True

    _parameter_constraints: dict = {
        **_BaseFARM._parameter_constraints,
        "preprocessor": ["array-like", callable, None],
    }

    def __init__(
        self,
        penalty="fro",
        *,
        alpha_metric=0.01,
        alpha_weights=0.01,
        n_components=None,
        init="identity",
        max_iter=100,
        tol=1e-5,
        verbose=0,
        random_state=None,
        preprocessor=None,
    ):
        self.penalty = penalty
        self.alpha_metric = alpha_metric
        self.alpha_weights = alpha_weights
        self.n_components = n_components
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.verbose = verbose
        self.random_state = random_state
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, triplets, y=None):
        """Learn the metric from triplets (anchor, closer point, farther point).

        Parameters
        ----------
        triplets : array-like of shape (n_triplets, 3, n_features), or (n_triplets, 3)
            Points, or indices into ``preprocessor``.
        y : None
            Ignored.

        Returns
        -------
        self : FARM
        """
        X, indices = self._validate_fit_tuples(triplets)
        return self._fit_triplets(X, indices)


class FARMSupervised(SupervisedMixin, _BaseFARM):
    """Feature-Aware Metric learning from labelled points.

    Builds kNN triplets from the labels (each point, its ``k_genuine``
    nearest same-class points, its ``k_impostor`` nearest other-class points,
    see :func:`mlearn.constraints.knn_triplets`) and fits :class:`FARM`'s
    solver on them:

        (1/|R|) Σ_R ℓ(d²_ik − d²_ij) + alpha_metric·Ω(M) + alpha_weights·‖w‖₁

    over M̂ = diag(w) M diag(w), M ⪰ 0, w ≥ 0.

    Parameters
    ----------
    penalty : {'fro', 'l1', 'nuclear'}, default='fro'
        Regulariser Ω of the feature-relation matrix M: ‖M‖²_F against
        overfitting, Σ|m_ab| for a sparse M, or the nuclear norm tr(M) for a
        low-rank M.
    alpha_metric : float >= 0, default=0.01
        λ₁, the weight of Ω(M).
    alpha_weights : float >= 0, default=0.01
        λ₂, the weight of ‖w‖₁; larger values zero more feature weights.
    n_components : int or None, default=None
        Rows of ``components_``: the best rank-k factor of M̂; None gives
        n_features rows, zero rows past its numerical rank.
    init : {'identity', 'covariance', 'random'} or ndarray of shape \
(n_features, n_features), default='identity'
        Initial M ('covariance': the pseudo-inverse of the data covariance;
        'random': AᵀA/d with A a d × d standard normal matrix). The weights
        start at 1.
    max_iter : int, default=100
        Maximum number of outer (alternating) iterations.
    tol : float >= 0, default=1e-5
        Stop when the objective's relative decrease over an outer iteration
        falls below ``tol``.
    verbose : int, default=0
        Print the objective and the number of non-zero weights per iteration.
    random_state : int, RandomState instance or None, default=None
        Seed of ``init='random'``.
    k_genuine : int, default=3
        Same-class neighbours per point.
    k_impostor : int, default=10
        Other-class neighbours per point.
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        What inputs given as identifiers stand for: triplets as an (n_triplets, 3) array
        of them (FARM), or X as an (n_samples,) array (FARMSupervised). An array
        preprocessor is indexed by integer identifiers; a callable maps an array of
        identifiers of any kind (file names, keys) to their rows of features, each
        distinct identifier once. A dask array stays on the cluster: every sum over the
        tuples is taken there (see :doc:`/scaling`).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        L with LᵀL = M̂ = diag(w) M diag(w).
    feature_weights_ : ndarray of shape (n_features,)
        The learned weights w ≥ 0; exact zeros mark discarded features.
    feature_relations_ : ndarray of shape (n_features, n_features)
        The learned PSD matrix M of relations between features.
    objective_ : float
        Final value of the objective.
    n_iter_ : int
        Outer iterations run.
    n_features_in_ : int
        Number of features seen during fit.
    classes_ : ndarray of shape (n_classes,)
        Class labels seen during fit.

    See Also
    --------
    FARM : the same learner fitted on triplets.

    References
    ----------
    H.-J. Ye, D.-C. Zhan, X.-M. Si and Y. Jiang, "Learning Feature Aware
    Metric", Asian Conference on Machine Learning (ACML), 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn import FARMSupervised
    >>> rng = np.random.default_rng(0)
    >>> y = np.arange(80) % 2
    >>> X = np.column_stack([y + 0.3 * rng.normal(size=80), rng.normal(size=(80, 5))])
    >>> farm = FARMSupervised(alpha_weights=0.05).fit(X, y)
    >>> np.flatnonzero(farm.feature_weights_).tolist()
    [0]
    """

    # A dask X stays on the cluster: the kNN triplets are searched there and every
    # sum over them is taken by the evaluator's shards.
    _fits_on_dask = True

    _parameter_constraints: dict = {
        **_BaseFARM._parameter_constraints,
        "preprocessor": ["array-like", callable, None],
        "k_genuine": [Interval(Integral, 1, None, closed="left")],
        "k_impostor": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        penalty="fro",
        *,
        alpha_metric=0.01,
        alpha_weights=0.01,
        n_components=None,
        init="identity",
        max_iter=100,
        tol=1e-5,
        verbose=0,
        random_state=None,
        k_genuine=3,
        k_impostor=10,
        preprocessor=None,
    ):
        self.penalty = penalty
        self.alpha_metric = alpha_metric
        self.alpha_weights = alpha_weights
        self.n_components = n_components
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.verbose = verbose
        self.random_state = random_state
        self.k_genuine = k_genuine
        self.k_impostor = k_impostor
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn the metric from points X and class labels y.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            A dask array stays on the cluster: the kNN triplets are searched
            and every sum over them is computed on the workers (see
            :doc:`/scaling`); the fit equals the in-memory one to rounding.
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : FARMSupervised
        """
        X, y = self._validate_supervised(X, y, min_per_class=2)
        check_n_components(self.n_components, X.shape[1])
        triplets = knn_triplets(X, y, self.k_genuine, self.k_impostor)
        return self._fit_triplets(X, triplets)
