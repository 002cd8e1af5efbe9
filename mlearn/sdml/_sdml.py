"""SDML and SDMLSupervised: the fit they share, then the two estimators."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from .._init import is_auto, strictly_definite_prior, tuple_point_scales
from .._threads import blas_threads_for
from .._validation import check_n_components, distinct_points, float_dtype
from ..base import MahalanobisMixin, PairsMixin, SupervisedMixin, inverse_covariance
from ..constraints import similar_dissimilar_pairs
from ..psd import components_from_metric
from ._evaluator import PairDifferenceScatter
from ._solver import balance_of, definite_or_shifted, sdml_objective, solve_sdml

__all__ = ["SDML", "SDMLSupervised"]


def _default_n_constraints(y):
    """metric-learn's default, 20·n_classes², capped at the pairs of each kind y has."""
    counts = np.bincount(y).astype(np.int64)
    n_similar = int(np.sum(counts * (counts - 1) // 2))
    n_dissimilar = int((counts.sum() ** 2 - np.sum(counts**2)) // 2)
    return max(min(20 * len(counts) ** 2, n_similar, n_dissimilar), 1)


class _BaseSDML(MahalanobisMixin, BaseEstimator):
    """The parameters and the fit that SDML and SDMLSupervised share."""

    # A dask X stays on the cluster: the scatter of the pairs is summed there.
    _fits_on_dask = True

    _parameter_constraints: dict = {
        "balance_param": [Interval(numbers.Real, 0, None, closed="left"), StrOptions({"auto"})],
        "sparsity_param": [Interval(numbers.Real, 0, None, closed="left")],
        "prior": [StrOptions({"auto", "identity", "covariance", "random"}), "array-like"],
        "tol": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_components": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def _fit_pairs(self, X, pairs, signs, random_state):
        """Learn M from labelled index pairs into X (an array or a dask array)."""
        n_features = X.shape[1]
        check_n_components(self.n_components, n_features)

        def inverse_covariance_of_paired_points():
            # Only the 'covariance' prior needs the points used.
            used = distinct_points(X, pairs)
            return inverse_covariance(X.astype(np.float64, copy=False), used=used)()

        scales = tuple_point_scales(X, pairs) if is_auto(self.prior) else None
        M0 = (
            np.eye(n_features)
            if is_auto(self.prior)
            else strictly_definite_prior(
                self.prior,
                n_features,
                inverse_covariance=inverse_covariance_of_paired_points,
                random_state=random_state,
            )
        )
        with blas_threads_for(n_features):
            S = self._evaluator(PairDifferenceScatter, X, pairs).scatter(signs.astype(np.float64))
            if scales is not None:
                # Features in different units: the problem on the standardised features
                # X / σ, with the identity prior. P = D⁻¹ P' D⁻¹ is that of the prior
                # D⁻² (D = diag σ) for the same η, but its graphical lasso is well
                # conditioned and λ penalises the standardised metric, not the units.
                S = S / np.outer(scales, scales)
            self.balance_ = balance_of(self.balance_param, S, M0)
            P = np.linalg.inv(M0) + self.balance_ * S
            # 'auto' keeps P's eigenvalues (in M₀'s coordinates) at or above
            # 1 − AUTO_BALANCE_FRACTION by construction: only a given balance is checked.
            if not isinstance(self.balance_param, str):
                P, _ = definite_or_shifted(P)
            M, self.n_iter_ = solve_sdml(
                P, self.sparsity_param, tol=self.tol, max_iter=self.max_iter, verbose=self.verbose
            )
        self.objective_ = sdml_objective(M, P, self.sparsity_param)
        if scales is not None:
            M = M / np.outer(scales, scales)
        L = components_from_metric(M, self.n_components, check=False)
        self.components_ = L.astype(float_dtype(X), copy=False)
        return self


class SDML(PairsMixin, _BaseSDML):
    """Sparse Distance Metric Learning from similar and dissimilar pairs.

    Finds a sparse metric M close to a prior M₀ in LogDet divergence that
    makes similar pairs close and dissimilar pairs far (Qi et al. 2009):

        min_{M ≻ 0}  tr(M P) − log det M + λ Σ_{i≠j} |M_ij|,
        P = M₀⁻¹ + η Σ_p y_p (x_a − x_b)(x_a − x_b)ᵀ,

    with y_p = +1 for similar and −1 for dissimilar pairs, η the
    ``balance_param`` and λ the ``sparsity_param``: a graphical lasso on P,
    solved by block coordinate descent (see :mod:`mlearn.sdml`). The problem is convex.

    Parameters
    ----------
    balance_param : float >= 0 or 'auto', default='auto'
        The balance η between the prior and the pairs. 'auto' takes 0.9 times
        the largest η that keeps P positive definite, so the problem is always
        well posed. A larger given η makes P indefinite: its eigenvalues are
        then shifted up to positive, with a ``ConvergenceWarning``, and a
        ValueError if the graphical lasso breaks down on the nearly singular
        result (metric-learn's default 0.5 makes P indefinite on most data,
        whose dissimilar pairs spread far more than their similar ones).
    sparsity_param : float >= 0, default=0.01
        The weight λ of the L1 penalty on the off-diagonal entries of M; 0
        gives M = P⁻¹.
    prior : {'auto', 'identity', 'covariance', 'random'} or array of shape \
(n_features, n_features), default='auto'
        The prior metric M₀, which must be strictly positive definite (else a
        ValueError): 'auto' is the identity, or, when the spreads σ of the points
        in the pairs are in different units (the largest more than 100 times the
        median), the identity on the features divided by σ, the fit mapped back:
        the prior diag(1/σ²) with the sparsity penalty on the standardised
        metric (from the identity, raw wine gives 0.652 5-fold 3-NN accuracy
        with SDMLSupervised, from 'auto' 0.978; ``benchmarks/init_scaling.py``);
        the identity (metric-learn's default); the inverse covariance of the points in the
        pairs (which must be full rank); a random metric LᵀL / n_features, L
        square with standard normal entries drawn from ``random_state``; or the
        given matrix.
    tol : float > 0, default=1e-4
        The graphical lasso stops when its duality gap
        tr(M P) − n_features + λ Σ_{i≠j} |M_ij| is below ``tol`` (the stopping
        rule of scikit-learn's).
    max_iter : int, default=100
        Maximum number of graphical lasso sweeps (a ``ConvergenceWarning`` is
        raised when it is reached).
    n_components : int, default=None
        Rows of ``components_``: the best rank-k approximation of the learned
        M (its k leading eigenpairs). None keeps full rank.
    random_state : int, RandomState instance or None, default=None
        Seeds everything the fit draws: the pairs drawn from class labels
        (SDMLSupervised) and the prior when ``prior='random'``.
    verbose : int, default=0
        Print the graphical lasso's progress if > 0.
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        What inputs given as identifiers stand for: pairs as an (n_pairs, 2) array
        of them (SDML), or X as an (n_samples,) array (SDMLSupervised). An array
        preprocessor is indexed by integer identifiers; a callable maps an array of
        identifiers of any kind (file names, keys) to their rows of features, each
        distinct identifier once. A dask array stays on the cluster: the sums over the
        pairs are taken there (see :doc:`/scaling`).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        L with LᵀL = M, the learned metric, in X's float dtype (the solver
        runs in float64).
    balance_ : float
        The balance η used.
    objective_ : float
        tr(M P) − log det M + λ Σ_{i≠j} |M_ij| at the solution (with P as
        shifted, when it was; on the standardised features, when
        ``prior='auto'`` standardises them).
    n_iter_ : int
        Graphical lasso iterations run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string feature names.
    threshold_ : float
        Pairs at distance ≤ ``threshold_`` are predicted similar; set to
        maximise accuracy on the training pairs.

    See Also
    --------
    SDMLSupervised : the same learner from class labels.

    References
    ----------
    G.-J. Qi, J. Tang, Z.-J. Zha, T.-S. Chua and H.-J. Zhang, "An efficient
    sparse metric learning in high-dimensional space via l1-penalized
    log-determinant regularization", ICML 2009.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn import SDML
    >>> X = np.array([[0.0, 0.0], [0.1, 3.0], [2.0, 0.2], [2.1, 3.1]])
    >>> pairs = [[0, 1], [2, 3], [0, 2], [1, 3]]  # same first feature = similar
    >>> sdml = SDML(preprocessor=X).fit(pairs, [1, 1, -1, -1])
    >>> sdml.predict([[0, 1], [1, 2]])
    array([ 1, -1])
    """

    _parameter_constraints: dict = {
        **_BaseSDML._parameter_constraints,
        "preprocessor": ["array-like", callable, None],
    }

    def __init__(
        self,
        balance_param="auto",
        *,
        sparsity_param=0.01,
        prior="auto",
        tol=1e-4,
        max_iter=100,
        n_components=None,
        random_state=None,
        verbose=0,
        preprocessor=None,
    ):
        self.balance_param = balance_param
        self.sparsity_param = sparsity_param
        self.prior = prior
        self.tol = tol
        self.max_iter = max_iter
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
            Indices need the ``preprocessor`` parameter.
        y : array-like of shape (n_pairs,)
            +1 for similar pairs, −1 for dissimilar pairs.
        calibration_params : dict or None, default=None
            Keywords of :meth:`calibrate_threshold` (``strategy``, ``min_rate``,
            ``beta``) for choosing ``threshold_`` on the training pairs; None
            maximises accuracy.

        Returns
        -------
        self : SDML
        """
        X, indices, y = self._validate_fit_pairs(pairs, y, calibration_params)
        self._fit_pairs(X, indices, y, check_random_state(self.random_state))
        self._fit_threshold(X, indices, y, calibration_params)
        return self


class SDMLSupervised(SupervisedMixin, _BaseSDML):
    """Sparse Distance Metric Learning from class labels.

    Draws ``n_constraints`` similar pairs (two points of one class) and as
    many dissimilar pairs (points of two classes) from the labels (see
    :func:`mlearn.constraints.similar_dissimilar_pairs`) and learns from them
    with the very solver of :class:`SDML`:

        min_{M ≻ 0}  tr(M P) − log det M + λ Σ_{i≠j} |M_ij|,
        P = M₀⁻¹ + η Σ_p y_p (x_a − x_b)(x_a − x_b)ᵀ.

    Parameters
    ----------
    balance_param : float >= 0 or 'auto', default='auto'
        The balance η between the prior and the pairs. 'auto' takes 0.9 times
        the largest η that keeps P positive definite, so the problem is always
        well posed. A larger given η makes P indefinite: its eigenvalues are
        then shifted up to positive, with a ``ConvergenceWarning``, and a
        ValueError if the graphical lasso breaks down on the nearly singular
        result (metric-learn's default 0.5 makes P indefinite on most data,
        whose dissimilar pairs spread far more than their similar ones).
    sparsity_param : float >= 0, default=0.01
        The weight λ of the L1 penalty on the off-diagonal entries of M; 0
        gives M = P⁻¹.
    prior : {'auto', 'identity', 'covariance', 'random'} or array of shape \
(n_features, n_features), default='auto'
        The prior metric M₀, which must be strictly positive definite (else a
        ValueError): 'auto' is the identity, or, when the spreads σ of the points
        in the pairs are in different units (the largest more than 100 times the
        median), the identity on the features divided by σ, the fit mapped back:
        the prior diag(1/σ²) with the sparsity penalty on the standardised
        metric (from the identity, raw wine gives 0.652 5-fold 3-NN accuracy
        with SDMLSupervised, from 'auto' 0.978; ``benchmarks/init_scaling.py``);
        the identity (metric-learn's default); the inverse covariance of the points in the
        pairs (which must be full rank); a random metric LᵀL / n_features, L
        square with standard normal entries drawn from ``random_state``; or the
        given matrix.
    tol : float > 0, default=1e-4
        The graphical lasso stops when its duality gap
        tr(M P) − n_features + λ Σ_{i≠j} |M_ij| is below ``tol`` (the stopping
        rule of scikit-learn's).
    max_iter : int, default=100
        Maximum number of graphical lasso sweeps (a ``ConvergenceWarning`` is
        raised when it is reached).
    n_components : int, default=None
        Rows of ``components_``: the best rank-k approximation of the learned
        M (its k leading eigenpairs). None keeps full rank.
    n_constraints : int, default=None
        Number of pairs of each kind drawn from the labels: ``n_constraints``
        similar pairs and as many dissimilar pairs (fewer, with a warning,
        when the labels have fewer). None uses 20·n_classes² of each kind, as
        metric-learn 0.7.0 does, capped at the pairs of each kind the labels
        have.
    random_state : int, RandomState instance or None, default=None
        Seeds everything the fit draws: the pairs drawn from class labels
        (SDMLSupervised) and the prior when ``prior='random'``.
    verbose : int, default=0
        Print the graphical lasso's progress if > 0.
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        What inputs given as identifiers stand for: pairs as an (n_pairs, 2) array
        of them (SDML), or X as an (n_samples,) array (SDMLSupervised). An array
        preprocessor is indexed by integer identifiers; a callable maps an array of
        identifiers of any kind (file names, keys) to their rows of features, each
        distinct identifier once. A dask array stays on the cluster: the sums over the
        pairs are taken there (see :doc:`/scaling`).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        L with LᵀL = M, the learned metric, in X's float dtype (the solver
        runs in float64).
    balance_ : float
        The balance η used.
    objective_ : float
        tr(M P) − log det M + λ Σ_{i≠j} |M_ij| at the solution (with P as
        shifted, when it was; on the standardised features, when
        ``prior='auto'`` standardises them).
    n_iter_ : int
        Graphical lasso iterations run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string feature names.
    classes_ : ndarray of shape (n_classes,)
        The class labels seen during fit.

    See Also
    --------
    SDML : the same learner from labelled pairs.

    References
    ----------
    G.-J. Qi, J. Tang, Z.-J. Zha, T.-S. Chua and H.-J. Zhang, "An efficient
    sparse metric learning in high-dimensional space via l1-penalized
    log-determinant regularization", ICML 2009.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from mlearn import SDMLSupervised
    >>> X, y = load_iris(return_X_y=True)
    >>> model = make_pipeline(SDMLSupervised(random_state=0), KNeighborsClassifier())
    >>> print(round(cross_val_score(model, X, y).mean(), 2))
    0.97
    """

    _parameter_constraints: dict = {
        **_BaseSDML._parameter_constraints,
        "n_constraints": [Interval(numbers.Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        balance_param="auto",
        *,
        sparsity_param=0.01,
        prior="auto",
        tol=1e-4,
        max_iter=100,
        n_components=None,
        n_constraints=None,
        random_state=None,
        verbose=0,
        preprocessor=None,
    ):
        self.balance_param = balance_param
        self.sparsity_param = sparsity_param
        self.prior = prior
        self.tol = tol
        self.max_iter = max_iter
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
            A dask array stays on the cluster: the pairs are drawn here from
            the labels, and the scatter of the pairs is summed on the workers;
            the fit equals the in-memory one to rounding.
        y : array-like of shape (n_samples,)
            Class labels; at least two classes.

        Returns
        -------
        self : SDMLSupervised
        """
        rng = check_random_state(self.random_state)

        def draw_pairs(y):
            n = _default_n_constraints(y) if self.n_constraints is None else self.n_constraints
            return similar_dissimilar_pairs(y, 2 * n, random_state=rng)

        X, pairs, signs = self._validate_and_draw_pairs(X, y, draw_pairs)
        return self._fit_pairs(X, pairs, signs, rng)
