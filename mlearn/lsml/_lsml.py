"""LSML and LSMLSupervised: the fit they share, then the two estimators."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from .._init import is_auto, strictly_definite_prior, tuple_point_scales
from .._threads import blas_threads_for
from .._validation import check_n_components, distinct_points, float_dtype
from ..base import MahalanobisMixin, QuadrupletsMixin, SupervisedMixin, inverse_covariance
from ..constraints import quadruplets_from_labels
from ..psd import components_from_metric
from ._evaluator import QuadrupletResiduals
from ._solver import solve_lsml

__all__ = ["LSML", "LSMLSupervised"]


def _default_n_constraints(y):
    """metric-learn's default, 20·n_classes², capped at the pairs of each kind y has."""
    counts = np.bincount(y).astype(np.int64)
    n_similar = int(np.sum(counts * (counts - 1) // 2))
    n_dissimilar = int((counts.sum() ** 2 - np.sum(counts**2)) // 2)
    return max(min(20 * len(counts) ** 2, n_similar, n_dissimilar), 1)


def _quadruplet_weights(weights, n_quadruplets):
    """The weights normalised to sum to 1 (uniform when None); ValueError if unusable."""
    if weights is None:
        return np.full(n_quadruplets, 1.0 / n_quadruplets)
    w = np.asarray(weights, dtype=np.float64).ravel()
    if w.shape[0] != n_quadruplets:
        raise ValueError(f"Got {n_quadruplets} quadruplets but {w.shape[0]} weights.")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
        raise ValueError("weights must be finite, non-negative and not all zero.")
    return w / w.sum()


def _auto_prior(X, quadruplets):
    """prior='auto': the identity, or diag(1/σ²) of the points the tuples use when the
    features' spreads are in different units (:mod:`mlearn._init`'s rule for 'auto')."""
    scales = tuple_point_scales(X, quadruplets)
    return np.eye(X.shape[1]) if scales is None else np.diag(1.0 / scales**2)


class _BaseLSML(MahalanobisMixin, BaseEstimator):
    """The parameters and the fit that LSML and LSMLSupervised share."""

    # A dask X stays on the cluster: the sums over the quadruplets are taken there.
    _fits_on_dask = True

    _parameter_constraints: dict = {
        "prior": [StrOptions({"auto", "identity", "covariance", "random"}), "array-like"],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_components": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def _fit_quadruplets(self, X, quadruplets, weights, random_state):
        """Learn M from index quadruplets into X (an array or a dask array)."""
        n_features = X.shape[1]
        check_n_components(self.n_components, n_features)
        weights = _quadruplet_weights(weights, quadruplets.shape[0])

        def inverse_covariance_of_used_points():
            # Only the 'covariance' prior needs the points used.
            used = distinct_points(X, quadruplets)
            return inverse_covariance(X.astype(np.float64, copy=False), used=used)()

        # 'auto' is diagonal with positive entries: definite however far apart they are.
        M0 = (
            _auto_prior(X, quadruplets)
            if is_auto(self.prior)
            else strictly_definite_prior(
                self.prior,
                n_features,
                inverse_covariance=inverse_covariance_of_used_points,
                random_state=random_state,
            )
        )
        evaluator = self._evaluator(QuadrupletResiduals, X, quadruplets)
        with blas_threads_for(n_features):
            M, self.objective_, self.n_iter_ = solve_lsml(
                evaluator,
                weights,
                M0,
                max_iter=self.max_iter,
                tol=self.tol,
                verbose=self.verbose,
                name=type(self).__name__,
            )
        L = components_from_metric(M, self.n_components, check=False)
        self.components_ = L.astype(float_dtype(X), copy=False)
        return self


class LSML(QuadrupletsMixin, _BaseLSML):
    """Least Squared-residual Metric Learning from relative comparisons (quadruplets).

    Each quadruplet (a, b, c, d) states that a and b are closer than c and d.
    LSML finds the metric M that violates these comparisons least, in squared
    residual, while staying close to a prior M₀ in LogDet divergence:

        min_{M ≻ 0}  Σ_q w_q (d_M(a, b) − d_M(c, d))₊² + D_ld(M, M₀),

    with d_M(x, x') = ‖x − x'‖_M (not squared), Σ_q w_q = 1 and
    D_ld(M, M₀) = tr(M M₀⁻¹) − log det(M M₀⁻¹) − d. Solved by L-BFGS on
    L = K C with M₀ = CᵀC (see :mod:`mlearn.lsml`).

    Parameters
    ----------
    prior : {'auto', 'identity', 'covariance', 'random'} or array of shape \
(n_features, n_features), default='auto'
        The prior metric M₀, which must be strictly positive definite (else a
        ValueError), and the starting point: 'auto' is the identity, or
        diag(1/σ²) (the standardised features) when the spreads σ of the points
        in the tuples are in different units (the largest more than 100 times
        the median; from the identity, raw wine gives 0.943 5-fold 3-NN accuracy
        with LSMLSupervised, from 'auto' 0.960; ``benchmarks/init_scaling.py``);
        the identity (metric-learn's default); the inverse covariance of the
        points in the tuples (which must be full rank); a random metric
        LᵀL / n_features, L square with standard normal entries drawn from
        ``random_state``; or the given matrix.
    tol : float, default=1e-3
        Stop when the largest entry of the objective's gradient with respect
        to K (L = K C, M₀ = CᵀC) is at most ``tol``, or when the objective's
        relative decrease stalls at rounding level.
    max_iter : int, default=1000
        Maximum number of L-BFGS iterations (a ``ConvergenceWarning`` is
        raised when it is reached).
    n_components : int, default=None
        Rows of ``components_``: the best rank-k approximation of the learned
        M (its k leading eigenpairs). None keeps full rank.
    random_state : int, RandomState instance or None, default=None
        Seeds everything the fit draws: the quadruplets drawn from class
        labels (LSMLSupervised) and the prior when ``prior='random'``.
    verbose : int, default=0
        Print the objective after each iteration if > 0.
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        What inputs given as identifiers stand for: quadruplets as an (n_quadruplets, 4) array
        of them (LSML), or X as an (n_samples,) array (LSMLSupervised). An array
        preprocessor is indexed by integer identifiers; a callable maps an array of
        identifiers of any kind (file names, keys) to their rows of features, each
        distinct identifier once. A dask array stays on the cluster: the sums over the
        quadruplets are taken there (see :doc:`/scaling`).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        L with LᵀL = M, the learned metric, in X's float dtype (the solver
        runs in float64).
    objective_ : float
        Σ_q w_q (d_ab − d_cd)₊² + tr(M M₀⁻¹) − log det M at the solution
        (D_ld up to the constant log det M₀ − d; the value metric-learn's
        LSML reports).
    n_iter_ : int
        L-BFGS iterations run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string feature names.

    See Also
    --------
    LSMLSupervised : the same learner from class labels.

    References
    ----------
    E. Y. Liu, Z. Guo, X. Zhang, V. Jojic and W. Wang, "Metric learning from
    relative comparisons by minimizing squared residual", ICDM 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn import LSML
    >>> X = 30 * np.array([[0.0, 0.0], [0.2, 3.0], [2.0, 0.1], [2.1, 3.1], [4.0, 0.2]])
    >>> # the same first feature makes points close, the same second one does not;
    >>> # the Euclidean distance gets all four comparisons wrong
    >>> quadruplets = [[0, 1, 0, 2], [2, 3, 2, 4], [1, 0, 1, 3], [3, 2, 3, 1]]
    >>> lsml = LSML(preprocessor=X).fit(quadruplets)
    >>> lsml.predict(quadruplets)
    array([1, 1, 1, 1])
    """

    _parameter_constraints: dict = {
        **_BaseLSML._parameter_constraints,
        "preprocessor": ["array-like", callable, None],
    }

    def __init__(
        self,
        prior="auto",
        *,
        tol=1e-3,
        max_iter=1000,
        n_components=None,
        random_state=None,
        verbose=0,
        preprocessor=None,
    ):
        self.prior = prior
        self.tol = tol
        self.max_iter = max_iter
        self.n_components = n_components
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, quadruplets, y=None, weights=None):
        """Learn the metric from quadruplets.

        Parameters
        ----------
        quadruplets : array-like of shape (n_quadruplets, 4, n_features), or (n_quadruplets, 4)
            Rows (a, b, c, d), each stating d(a, b) < d(c, d). Indices need
            the ``preprocessor`` parameter.
        y : None
            Ignored; present for API consistency.
        weights : array-like of shape (n_quadruplets,), default=None
            Non-negative weight of each quadruplet, normalised to sum to 1;
            None weighs them equally.

        Returns
        -------
        self : LSML
        """
        X, indices = self._validate_fit_tuples(quadruplets)
        return self._fit_quadruplets(X, indices, weights, check_random_state(self.random_state))


class LSMLSupervised(SupervisedMixin, _BaseLSML):
    """Least Squared-residual Metric Learning from class labels.

    Draws ``n_constraints`` quadruplets (a, b, c, d) from the labels, (a, b)
    of one class and (c, d) of two (see
    :func:`mlearn.constraints.quadruplets_from_labels`), and learns from them
    with the very solver of :class:`LSML`:

        min_{M ≻ 0}  Σ_q w_q (d_M(a, b) − d_M(c, d))₊² + D_ld(M, M₀),

    with w_q = 1/n, or the given ``weights`` normalised to sum to 1.

    Parameters
    ----------
    prior : {'auto', 'identity', 'covariance', 'random'} or array of shape \
(n_features, n_features), default='auto'
        The prior metric M₀, which must be strictly positive definite (else a
        ValueError), and the starting point: 'auto' is the identity, or
        diag(1/σ²) (the standardised features) when the spreads σ of the points
        in the tuples are in different units (the largest more than 100 times
        the median; from the identity, raw wine gives 0.943 5-fold 3-NN accuracy
        with LSMLSupervised, from 'auto' 0.960; ``benchmarks/init_scaling.py``);
        the identity (metric-learn's default); the inverse covariance of the
        points in the tuples (which must be full rank); a random metric
        LᵀL / n_features, L square with standard normal entries drawn from
        ``random_state``; or the given matrix.
    tol : float, default=1e-3
        Stop when the largest entry of the objective's gradient with respect
        to K (L = K C, M₀ = CᵀC) is at most ``tol``, or when the objective's
        relative decrease stalls at rounding level.
    max_iter : int, default=1000
        Maximum number of L-BFGS iterations (a ``ConvergenceWarning`` is
        raised when it is reached).
    n_components : int, default=None
        Rows of ``components_``: the best rank-k approximation of the learned
        M (its k leading eigenpairs). None keeps full rank.
    n_constraints : int, default=None
        Number of quadruplets drawn from the labels (fewer, with a warning,
        when the labels have fewer distinct pairs). None draws 20·n_classes²,
        as metric-learn 0.7.0 does, capped at the similar and dissimilar pairs
        the labels have.
    weights : array-like of shape (n_constraints,), default=None
        Non-negative weight of each drawn quadruplet, in the order drawn (the
        q-th weight goes to the q-th quadruplet that ``random_state`` draws),
        normalised to sum to 1; None weighs them equally. Its length must be
        the number of quadruplets drawn (a ValueError otherwise), as in
        metric-learn's ``LSML_Supervised(weights=...)``.
    random_state : int, RandomState instance or None, default=None
        Seeds everything the fit draws: the quadruplets drawn from class
        labels (LSMLSupervised) and the prior when ``prior='random'``.
    verbose : int, default=0
        Print the objective after each iteration if > 0.
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        What inputs given as identifiers stand for: quadruplets as an (n_quadruplets, 4) array
        of them (LSML), or X as an (n_samples,) array (LSMLSupervised). An array
        preprocessor is indexed by integer identifiers; a callable maps an array of
        identifiers of any kind (file names, keys) to their rows of features, each
        distinct identifier once. A dask array stays on the cluster: the sums over the
        quadruplets are taken there (see :doc:`/scaling`).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        L with LᵀL = M, the learned metric, in X's float dtype (the solver
        runs in float64).
    objective_ : float
        Σ_q w_q (d_ab − d_cd)₊² + tr(M M₀⁻¹) − log det M at the solution
        (D_ld up to the constant log det M₀ − d; the value metric-learn's
        LSML reports).
    n_iter_ : int
        L-BFGS iterations run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string feature names.
    classes_ : ndarray of shape (n_classes,)
        The class labels seen during fit.

    See Also
    --------
    LSML : the same learner from quadruplets.

    References
    ----------
    E. Y. Liu, Z. Guo, X. Zhang, V. Jojic and W. Wang, "Metric learning from
    relative comparisons by minimizing squared residual", ICDM 2012.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from mlearn import LSMLSupervised
    >>> X, y = load_iris(return_X_y=True)
    >>> model = make_pipeline(LSMLSupervised(random_state=0), KNeighborsClassifier())
    >>> print(round(cross_val_score(model, X, y).mean(), 2))
    0.97
    """

    _parameter_constraints: dict = {
        **_BaseLSML._parameter_constraints,
        "n_constraints": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "weights": ["array-like", None],
    }

    def __init__(
        self,
        prior="auto",
        *,
        tol=1e-3,
        max_iter=1000,
        n_components=None,
        n_constraints=None,
        weights=None,
        random_state=None,
        verbose=0,
        preprocessor=None,
    ):
        self.prior = prior
        self.tol = tol
        self.max_iter = max_iter
        self.n_components = n_components
        self.n_constraints = n_constraints
        self.weights = weights
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Draw quadruplets from the labels and learn the metric from them.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            A dask array stays on the cluster: the quadruplets are drawn here
            from the labels, and the sums over them are taken on the workers;
            the fit equals the in-memory one to rounding.
        y : array-like of shape (n_samples,)
            Class labels; at least two classes, one with two points.

        Returns
        -------
        self : LSMLSupervised
        """
        X, y = self._validate_supervised(X, y)
        rng = check_random_state(self.random_state)
        n = self.n_constraints
        if n is None:
            n = _default_n_constraints(y)
        quadruplets = quadruplets_from_labels(y, n, random_state=rng)
        n_weights = None if self.weights is None else np.asarray(self.weights).size
        if n_weights is not None and n_weights != len(quadruplets):
            raise ValueError(
                f"weights has {n_weights} entries but {len(quadruplets)} quadruplets "
                f"were drawn (n_constraints={self.n_constraints}); give one weight per "
                f"quadruplet, or set n_constraints to the length of weights."
            )
        return self._fit_quadruplets(X, quadruplets, self.weights, rng)
