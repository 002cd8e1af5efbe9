"""The ITML estimators: from labelled pairs (ITML) and from class labels (ITMLSupervised)."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from .._validation import check_n_components, distinct_points
from ..base import MahalanobisMixin, PairsMixin, SupervisedMixin
from ..constraints import similar_dissimilar_pairs
from ._online import (
    OnlineITMLMixin,
    PairsPartialFitMixin,
    SupervisedPartialFitMixin,
    informative_pairs,
    pairs_per_kind,
)
from ._prior import check_bounds, default_bounds, prior_metric


class _BaseITML(OnlineITMLMixin, MahalanobisMixin, BaseEstimator):
    """The parameters and the fit that ITML and ITMLSupervised share."""

    _parameter_constraints: dict = {
        "gamma": [Interval(numbers.Real, 0, np.inf, closed="right")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "prior": [StrOptions({"auto", "identity", "covariance", "random"}), "array-like"],
        "bounds": ["array-like", None],
        "n_components": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def _fit_pairs(self, X, pairs, signs, random_state):
        """Learn M from (X, pairs, signs); set ``components_``, ``bounds_``, ``n_iter_``."""
        check_n_components(self.n_components, X.shape[1])
        X64 = X.astype(np.float64, copy=False)
        prior = prior_metric(self.prior, X64[distinct_points(X64, pairs)], random_state)
        pairs, signs = informative_pairs(X64, pairs, signs)
        if self.bounds is None:
            # Distinct points: pairs given as points repeat a point once per pair.
            points = np.unique(X64[np.unique(pairs)], axis=0)
            self.bounds_ = default_bounds(points, prior, random_state)
        else:
            self.bounds_ = check_bounds(self.bounds)
        self._project_from(prior, X64, pairs, signs, X.dtype)


class ITML(PairsPartialFitMixin, PairsMixin, _BaseITML):
    """Information-Theoretic Metric Learning from similar and dissimilar pairs.

    Finds the metric M closest to a prior M₀ in LogDet divergence such that
    similar pairs have squared distance at most u and dissimilar pairs at
    least l, up to slacks ξ penalised with weight γ:

        min_{M ≻ 0, ξ}  D_ld(M, M₀) + γ · D_ld(diag(ξ), diag(ξ₀))
        s.t.  d²_M(a, b) ≤ ξ_ab (similar),  d²_M(a, b) ≥ ξ_ab (dissimilar),

    with D_ld(A, B) = tr(AB⁻¹) − log det(AB⁻¹) − n and ξ₀ = u, l. Solved
    exactly by cyclic Bregman projections, one rank-one update per constraint,
    in compiled code (see :mod:`mlearn.itml`). :meth:`partial_fit` learns from
    a stream of chunks of pairs, projecting the current metric onto each
    chunk's constraints (see the docs' online learning page).

    Parameters
    ----------
    gamma : float > 0, default=1.0
        Weight γ of the slack divergence: small values tolerate violated
        constraints, ``np.inf`` enforces them exactly (they must then be
        feasible).
    max_iter : int, default=10000
        Maximum number of sweeps over the constraints (full sweeps, and in
        between sweeps over those with a positive dual variable; see
        :mod:`mlearn.itml`). Cyclic projections converge linearly: at the default
        ``tol`` the shipped datasets need up to 2,200 sweeps (iris, raw), each
        O(n_constraints · n_features²).
    tol : float, default=1e-3
        Stop when the relative change of the dual variables over a full sweep,
        ‖λ_k − λ_{k−1}‖₂ / ‖λ_k‖₂, is at most ``tol``.
    prior : {'auto', 'identity', 'covariance', 'random'} or array of shape \
(n_features, n_features), default='auto'
        The prior metric M₀, which must be strictly positive definite (else a
        ValueError): 'auto' is the identity, or diag(1/σ²) (the standardised
        features) when the features' spreads σ are in different units (the
        largest over 100 times the median, :mod:`mlearn._init`; from the
        identity, raw wine gives 0.93 5-fold 3-NN accuracy, from 'auto' 0.98);
        the identity; the inverse covariance of the points in the pairs (which
        must be full rank); a random metric LᵀL / n_features, L square with
        standard normal entries drawn from ``random_state``; or the given
        matrix.
    bounds : array-like of 2 floats (u, l), default=None
        Thresholds on *squared* distances: similar pairs should have
        d²_M ≤ u, dissimilar pairs d²_M ≥ l (0 < u ≤ l). None uses the 5th
        and 95th percentiles of the squared prior distances d²_{M₀} between
        the points of the training pairs (all pairs of those points, or a
        sample of 10⁶ pairs seeded by ``random_state``).
    n_components : int, default=None
        Rows of ``components_``: the best rank-k approximation of the learned
        M (its k leading eigenpairs). None keeps full rank.
    random_state : int, RandomState instance or None, default=None
        Seeds everything the fit draws: the pairs drawn from class labels
        (ITMLSupervised), the prior when ``prior='random'``, and the sample of
        point pairs behind the default ``bounds``.
    verbose : int, default=0
        Print the relative change of λ after each sweep if > 0.
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        What inputs given as identifiers stand for: pairs as an (n_pairs, 2) array of
        them (ITML), or X as an (n_samples,) array (ITMLSupervised). An array
        preprocessor is indexed by integer identifiers; a callable maps an array of
        identifiers of any kind (file names, keys) to their rows of features, each
        distinct identifier once. With a dask array, only the rows the pairs use are
        fetched.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        L with LᵀL = M, the learned metric; X's float dtype (the projections
        themselves run in float64).
    bounds_ : ndarray of shape (2,)
        The thresholds (u, l) used.
    n_iter_ : int
        Sweeps over the constraints run by the solver (full or shrunk), in the
        last call of ``fit`` or ``partial_fit``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string feature names.
    threshold_ : float
        Pairs at distance ≤ ``threshold_`` are predicted similar; set to
        maximise accuracy on the training pairs.
    n_tuples_seen_ : int
        Pairs learned from: by ``fit``, or by all the calls of ``partial_fit``.

    See Also
    --------
    ITMLSupervised : the same learner from class labels.

    References
    ----------
    J. V. Davis, B. Kulis, P. Jain, S. Sra and I. S. Dhillon, "Information-theoretic
    metric learning", ICML 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn import ITML
    >>> X = np.array([[0.0, 0.0], [0.1, 3.0], [2.0, 0.2], [2.1, 3.1]])
    >>> pairs = [[0, 1], [2, 3], [0, 2], [1, 3]]  # same first feature = similar
    >>> itml = ITML(preprocessor=X).fit(pairs, [1, 1, -1, -1])
    >>> itml.predict([[0, 1], [1, 2]])
    array([ 1, -1])
    """

    _parameter_constraints: dict = {
        **_BaseITML._parameter_constraints,
        "preprocessor": ["array-like", callable, None],
    }

    def __init__(
        self,
        gamma=1.0,
        *,
        max_iter=10000,
        tol=1e-3,
        prior="auto",
        bounds=None,
        n_components=None,
        random_state=None,
        verbose=0,
        preprocessor=None,
    ):
        self.gamma = gamma
        self.max_iter = max_iter
        self.tol = tol
        self.prior = prior
        self.bounds = bounds
        self.n_components = n_components
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, pairs, y=None, calibration_params=None):
        """Learn the metric from labelled pairs.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features), or (n_pairs, 2) indices
            Indices need the ``preprocessor`` parameter. With a dask array as
            ``preprocessor``, only the rows the pairs use are fetched.
        y : array-like of shape (n_pairs,)
            +1 for similar pairs, −1 for dissimilar pairs.
        calibration_params : dict or None, default=None
            Keywords of :meth:`calibrate_threshold` (``strategy``, ``min_rate``,
            ``beta``) for choosing ``threshold_`` on the training pairs; None
            maximises accuracy.

        Returns
        -------
        self : ITML
        """
        X, indices, y = self._validate_fit_pairs(pairs, y, calibration_params)
        self._fit_pairs(X, indices, y, check_random_state(self.random_state))
        self._fit_threshold(X, indices, y, calibration_params)
        self.n_tuples_seen_ = indices.shape[0]
        return self


class ITMLSupervised(SupervisedPartialFitMixin, SupervisedMixin, _BaseITML):
    """Information-Theoretic Metric Learning from class labels.

    Draws ``n_constraints`` similar pairs (two points of one class) and as
    many dissimilar pairs (points of two classes) from the labels (see
    :func:`mlearn.constraints.similar_dissimilar_pairs`) and learns from them
    with the very solver of :class:`ITML`:

        min_{M ≻ 0, ξ}  D_ld(M, M₀) + γ · D_ld(diag(ξ), diag(ξ₀))
        s.t.  d²_M(a, b) ≤ ξ_ab (similar),  d²_M(a, b) ≥ ξ_ab (dissimilar).

    :meth:`partial_fit` learns from a stream of chunks of labelled points,
    drawing each chunk's pairs inside it (see the docs' online learning page).

    Parameters
    ----------
    gamma : float > 0, default=1.0
        Weight γ of the slack divergence: small values tolerate violated
        constraints, ``np.inf`` enforces them exactly (they must then be
        feasible).
    max_iter : int, default=10000
        Maximum number of sweeps over the constraints (full sweeps, and in
        between sweeps over those with a positive dual variable; see
        :mod:`mlearn.itml`). Cyclic projections converge linearly: at the default
        ``tol`` the shipped datasets need up to 2,200 sweeps (iris, raw), each
        O(n_constraints · n_features²).
    tol : float, default=1e-3
        Stop when the relative change of the dual variables over a full sweep,
        ‖λ_k − λ_{k−1}‖₂ / ‖λ_k‖₂, is at most ``tol``.
    prior : {'auto', 'identity', 'covariance', 'random'} or array of shape \
(n_features, n_features), default='auto'
        The prior metric M₀, which must be strictly positive definite (else a
        ValueError): 'auto' is the identity, or diag(1/σ²) (the standardised
        features) when the features' spreads σ are in different units (the
        largest over 100 times the median, :mod:`mlearn._init`; from the
        identity, raw wine gives 0.93 5-fold 3-NN accuracy, from 'auto' 0.98);
        the identity; the inverse covariance of the points in the pairs (which
        must be full rank); a random metric LᵀL / n_features, L square with
        standard normal entries drawn from ``random_state``; or the given
        matrix.
    bounds : array-like of 2 floats (u, l), default=None
        Thresholds on *squared* distances: similar pairs should have
        d²_M ≤ u, dissimilar pairs d²_M ≥ l (0 < u ≤ l). None uses the 5th
        and 95th percentiles of the squared prior distances d²_{M₀} between
        the points of the training pairs (all pairs of those points, or a
        sample of 10⁶ pairs seeded by ``random_state``).
    n_components : int, default=None
        Rows of ``components_``: the best rank-k approximation of the learned
        M (its k leading eigenpairs). None keeps full rank.
    n_constraints : int, default=None
        Number of pairs of each kind drawn from the labels: ``n_constraints``
        similar pairs and as many dissimilar pairs (fewer, with a warning,
        when the labels have fewer). None uses 20·n_classes² of each kind (the
        4,000 pairs in all that metric-learn 0.7.0 draws for 10 classes).
    random_state : int, RandomState instance or None, default=None
        Seeds everything the fit draws: the pairs drawn from class labels
        (ITMLSupervised), the prior when ``prior='random'``, and the sample of
        point pairs behind the default ``bounds``.
    verbose : int, default=0
        Print the relative change of λ after each sweep if > 0.
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        What inputs given as identifiers stand for: pairs as an (n_pairs, 2) array of
        them (ITML), or X as an (n_samples,) array (ITMLSupervised). An array
        preprocessor is indexed by integer identifiers; a callable maps an array of
        identifiers of any kind (file names, keys) to their rows of features, each
        distinct identifier once. With a dask array, only the rows the pairs use are
        fetched.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        L with LᵀL = M, the learned metric; X's float dtype (the projections
        themselves run in float64).
    bounds_ : ndarray of shape (2,)
        The thresholds (u, l) used.
    n_iter_ : int
        Sweeps over the constraints run by the solver (full or shrunk), in the
        last call of ``fit`` or ``partial_fit``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string feature names.
    classes_ : ndarray of shape (n_classes,)
        The class labels seen during fit (over all the calls of ``partial_fit``).
    n_samples_seen_ : int
        Points learned from: by ``fit``, or by all the calls of ``partial_fit``.

    See Also
    --------
    ITML : the same learner from labelled pairs.

    References
    ----------
    J. V. Davis, B. Kulis, P. Jain, S. Sra and I. S. Dhillon, "Information-theoretic
    metric learning", ICML 2007.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from mlearn import ITMLSupervised
    >>> X, y = load_iris(return_X_y=True)
    >>> itml = ITMLSupervised(tol=1e-2, random_state=0)
    >>> model = make_pipeline(itml, KNeighborsClassifier())
    >>> print(round(cross_val_score(model, X, y).mean(), 2))
    0.97
    """

    _parameter_constraints: dict = {
        **_BaseITML._parameter_constraints,
        "preprocessor": ["array-like", callable, None],
        "n_constraints": [Interval(numbers.Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        gamma=1.0,
        *,
        max_iter=10000,
        tol=1e-3,
        prior="auto",
        bounds=None,
        n_components=None,
        n_constraints=None,
        random_state=None,
        verbose=0,
        preprocessor=None,
    ):
        self.gamma = gamma
        self.max_iter = max_iter
        self.tol = tol
        self.prior = prior
        self.bounds = bounds
        self.n_components = n_components
        self.n_constraints = n_constraints
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Draw pairs from the labels and learn the metric from them.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            A dask array stays on the cluster: only the rows the drawn pairs use
            are fetched, and the fit equals the in-memory one.
        y : array-like of shape (n_samples,)
            Class labels; at least two classes.

        Returns
        -------
        self : ITMLSupervised
        """
        rng = check_random_state(self.random_state)

        def draw_pairs(y):
            n = pairs_per_kind(self.n_constraints, self.classes_.shape[0])
            return similar_dissimilar_pairs(y, 2 * n, random_state=rng)

        # With a dask X only the paired rows are fetched: the sequential projections
        # run here, on all the points the objective depends on.
        X, pairs, signs = self._validate_and_draw_pairs(X, y, draw_pairs)
        self._fit_pairs(X, pairs, signs, rng)
        self.n_samples_seen_ = X.shape[0]
        return self
