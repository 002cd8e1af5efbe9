"""MMC and MMCSupervised: the fit they share, then the two estimators."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from .._threads import blas_threads_for
from .._validation import check_n_components, distinct_points, distinct_rows, float_dtype
from ..base import (
    MahalanobisMixin,
    PairsMixin,
    SupervisedMixin,
    inverse_covariance,
    points_in_memory,
)
from ..constraints import similar_dissimilar_pairs
from ..psd import components_from_metric
from ._diagonal import fit_diagonal
from ._evaluator import PairSums
from ._full import fit_full
from ._standardize import from_standardized, standardize, to_standardized
from ._start import starting_metric

__all__ = ["MMC", "MMCSupervised"]


def split_pair_labels(indices, y):
    """The similar and the dissimilar index pairs; raise unless there are both."""
    similar, dissimilar = indices[y == 1], indices[y == -1]
    if similar.shape[0] == 0 or dissimilar.shape[0] == 0:
        raise ValueError(
            f"MMC needs similar (+1) and dissimilar (-1) pairs; got {similar.shape[0]} "
            f"similar and {dissimilar.shape[0]} dissimilar."
        )
    return similar, dissimilar


class _BaseMMC(MahalanobisMixin, BaseEstimator):
    """The fit shared by MMC (pairs) and MMCSupervised (class labels)."""

    # A dask X stays on the cluster: every sum over the pairs is taken there.
    _fits_on_dask = True

    _parameter_constraints: dict = {
        "diagonal": ["boolean"],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "init": [StrOptions({"auto", "identity", "covariance", "pca", "random"}), "array-like"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def _learn(self, X, indices, y, classes=None):
        """Fit ``components_`` on the labelled index pairs into X (an array or a dask array).

        ``classes``: the points' class labels, encoded (MMCSupervised), for the
        starts that read them; None for pairs.
        """
        n_features = X.shape[1]
        check_n_components(self.n_components, n_features)  # before any work is done
        similar, dissimilar = split_pair_labels(indices, y)
        pairs = self._evaluator(PairSums, X, similar, dissimilar)
        M0 = starting_metric(
            self.init,
            n_features,
            points=lambda: self._start_points(X, indices, classes),
            y=classes,
            n_components=self.n_components,
            inverse_covariance=lambda: self._start_inverse_covariance(X, indices),
            seed=self.random_state,
        )
        spread, keep = standardize(pairs)
        solve = fit_diagonal if self.diagonal else fit_full
        d = int(np.sum(keep))
        with blas_threads_for(d):
            M, self.n_iter_ = solve(
                pairs,
                d,
                to_standardized(M0, spread, keep),
                self.max_iter,
                self.tol,
                self.verbose,
                type(self).__name__,
            )
        M = from_standardized(M, spread, keep)
        # n_features rows when n_components is None: a low-rank optimum gets zero rows,
        # so downstream shapes do not depend on the data.
        L = components_from_metric(
            M, check_n_components(self.n_components, n_features), check=False
        )
        self.components_ = L.astype(float_dtype(X), copy=False)

    def _start_points(self, X, indices, classes):
        """The points a data-driven start reads: X (MMCSupervised), or the distinct paired
        points (MMC), the same whether the pairs came as points or as identifiers."""
        X = points_in_memory(X, f"init={self.init!r}")
        if classes is not None:
            return np.asarray(X, dtype=np.float64)
        return distinct_rows(np.asarray(X[np.unique(indices)], dtype=np.float64))[0]

    @staticmethod
    def _start_inverse_covariance(X, indices):
        """The inverse covariance of the paired points (float64, as in the solvers;
        components_ alone keeps X's dtype); computed on the cluster for a dask X."""
        used = distinct_points(X, indices)
        return inverse_covariance(X.astype(np.float64, copy=False), used=used)()


class MMC(PairsMixin, _BaseMMC):
    """Mahalanobis Metric for Clustering from similar and dissimilar pairs.

    Learns M maximising the sum of learned distances over dissimilar pairs
    while the sum of squared distances over similar pairs is at most 1::

        max_M Σ_D ‖d‖_M   s.t.   Σ_S ‖d‖²_M ≤ 1,  M ⪰ 0

    (``diagonal=False``), or, for a diagonal M = diag(w) (``diagonal=True``),::

        min_{w ≥ 0} Σ_S ‖d‖²_w − log Σ_D ‖d‖_w.

    The package docstring of :mod:`mlearn.mmc` gives the algorithms and their
    stopping rules.

    Parameters
    ----------
    diagonal : bool, default=False
        Learn a full metric M (Xing's constrained problem, accelerated
        projected gradient) or a diagonal one, M = diag(w) (the penalised
        problem, projected Newton).
    n_components : int or None, default=None
        Rows of ``components_``: the learned M is truncated to its
        ``n_components`` largest eigenpairs (best rank-k approximation).
        None: n_features rows, zero rows past M's numerical rank (the full
        MMC optimum often has rank one).
    init : {'identity', 'auto', 'pca', 'lda', 'covariance', 'random'} or array of \
shape (n_features, n_features) or (n_components, n_features), default='identity'
        Starting metric M₀ (its diagonal only, when ``diagonal=True``): the
        identity; 'auto', metric-learn's rule: 'lda' when n_components ≤
        min(n_features, n_classes − 1) (MMCSupervised only), else 'pca' when
        n_components < min(n_features, n_samples), else the identity (taken on
        standardised features when the largest feature spread exceeds 100 times
        the median one); M₀ = LᵀL for the leading principal axes L of the points
        ('pca'; for MMC, the distinct paired points) or for the discriminant axes
        ('lda', MMCSupervised only); the inverse covariance of the paired points;
        LᵀL / n_features with L a square matrix of standard normal entries drawn
        from ``random_state``; a given PSD matrix; or LᵀL for a given map L with
        fewer rows than features ('auto', 'pca' and 'lda' read the points, which
        must then be in memory, not a dask array). The problems are convex: the
        start changes the path, not the optimum.
    max_iter : int, default=1000
        Maximum number of iterations. The diagonal solver rarely needs more
        than 20; the full one needs 10 to 100 on most data, a few hundred
        when its optimum is nearly degenerate.
    tol : float, default=1e-5
        Full: stop when the certified relative gap (g* − g)/g is at most tol.
        Diagonal: stop when the Newton decrement is at most tol·max(1, |F|).
    random_state : int, RandomState instance or None, default=None
        Seeds ``init='random'`` and, in MMCSupervised, the drawing of the pairs.
    verbose : int, default=0
        Print a table of the objective per iteration if > 0.
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        What inputs given as identifiers stand for: pairs as an (n_pairs, 2) array of
        them (MMC), or X as an (n_samples,) array (MMCSupervised). An array preprocessor
        is indexed by integer identifiers; a callable maps an array of identifiers of
        any kind (file names, keys) to their rows of features, each distinct identifier
        once. A dask array stays on the cluster: every sum over the tuples is taken
        there (see :doc:`/scaling`).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        The linear map L, M = LᵀL. The full metric is scaled so that
        Σ_S ‖d‖²_M = 1.
    n_iter_ : int
        Iterations run.
    n_features_in_ : int
        Number of features seen during fit.
    threshold_ : float
        Pairs at a learned distance ≤ threshold_ are predicted similar.

    See Also
    --------
    MMCSupervised : the same learner fitted on class labels.

    References
    ----------
    E. P. Xing, A. Y. Ng, M. I. Jordan and S. Russell, "Distance metric
    learning, with application to clustering with side-information", NIPS 2002.

    D. P. Bertsekas, "Projected Newton methods for optimization problems with
    simple constraints", SIAM J. Control and Optimization 20(2), 1982.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn import MMC
    >>> X = np.array([[0.0, 0.0], [0.1, 5.0], [3.0, 0.2], [3.1, 4.8]])
    >>> pairs = np.array([[0, 1], [2, 3], [0, 2], [1, 3]])
    >>> y = np.array([1, 1, -1, -1])
    >>> mmc = MMC(preprocessor=X).fit(pairs, y)
    >>> mmc.predict(pairs)
    array([ 1,  1, -1, -1])
    """

    _parameter_constraints: dict = {
        **_BaseMMC._parameter_constraints,
        "preprocessor": ["array-like", callable, None],
    }

    def __init__(
        self,
        diagonal=False,
        *,
        n_components=None,
        init="identity",
        max_iter=1000,
        tol=1e-5,
        random_state=None,
        verbose=0,
        preprocessor=None,
    ):
        self.diagonal = diagonal
        self.n_components = n_components
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, pairs, y=None, calibration_params=None):
        """Learn the metric from labelled pairs.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features), or (n_pairs, 2) indices
            Indices need ``preprocessor``.
        y : array-like of shape (n_pairs,)
            +1 for similar pairs, −1 for dissimilar; both kinds are needed.
        calibration_params : dict or None, default=None
            Keywords of :meth:`calibrate_threshold` (``strategy``, ``min_rate``,
            ``beta``) for choosing ``threshold_`` on the training pairs; None
            maximises accuracy.

        Returns
        -------
        self : MMC
        """
        X, indices, y = self._validate_fit_pairs(pairs, y, calibration_params)
        self._learn(X, indices, y)
        self._fit_threshold(X, indices, y, calibration_params)
        return self


class MMCSupervised(SupervisedMixin, _BaseMMC):
    """MMC fitted on class labels: pairs drawn from y, then the same solver as :class:`MMC`.

    ``n_constraints`` pairs of each kind (similar and dissimilar) are drawn:
    similar pairs join two points of one class, dissimilar pairs points of two
    classes, each drawn without repetition by
    :func:`mlearn.constraints.similar_dissimilar_pairs`; see :class:`MMC` for
    the objective.

    Parameters
    ----------
    diagonal : bool, default=False
        Learn a full metric M (Xing's constrained problem, accelerated
        projected gradient) or a diagonal one, M = diag(w) (the penalised
        problem, projected Newton).
    n_components : int or None, default=None
        Rows of ``components_``: the learned M is truncated to its
        ``n_components`` largest eigenpairs (best rank-k approximation).
        None: n_features rows, zero rows past M's numerical rank (the full
        MMC optimum often has rank one).
    n_constraints : int or None, default=None
        n_constraints pairs of each kind (similar and dissimilar) are drawn,
        2·n_constraints pairs in all. None means 20·n_classes² of each kind
        (metric-learn's default), or as many as the labels have if fewer.
    init : {'identity', 'auto', 'pca', 'lda', 'covariance', 'random'} or array of \
shape (n_features, n_features) or (n_components, n_features), default='identity'
        Starting metric M₀ (its diagonal only, when ``diagonal=True``): the
        identity; 'auto', metric-learn's rule: 'lda' when n_components ≤
        min(n_features, n_classes − 1) (MMCSupervised only), else 'pca' when
        n_components < min(n_features, n_samples), else the identity (taken on
        standardised features when the largest feature spread exceeds 100 times
        the median one); M₀ = LᵀL for the leading principal axes L of the points
        ('pca'; for MMC, the distinct paired points) or for the discriminant axes
        ('lda', MMCSupervised only); the inverse covariance of the paired points;
        LᵀL / n_features with L a square matrix of standard normal entries drawn
        from ``random_state``; a given PSD matrix; or LᵀL for a given map L with
        fewer rows than features ('auto', 'pca' and 'lda' read the points, which
        must then be in memory, not a dask array). The problems are convex: the
        start changes the path, not the optimum.
    max_iter : int, default=1000
        Maximum number of iterations. The diagonal solver rarely needs more
        than 20; the full one needs 10 to 100 on most data, a few hundred
        when its optimum is nearly degenerate.
    tol : float, default=1e-5
        Full: stop when the certified relative gap (g* − g)/g is at most tol.
        Diagonal: stop when the Newton decrement is at most tol·max(1, |F|).
    random_state : int, RandomState instance or None, default=None
        Seeds ``init='random'`` and, in MMCSupervised, the drawing of the pairs.
    verbose : int, default=0
        Print a table of the objective per iteration if > 0.
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        What inputs given as identifiers stand for: pairs as an (n_pairs, 2) array of
        them (MMC), or X as an (n_samples,) array (MMCSupervised). An array preprocessor
        is indexed by integer identifiers; a callable maps an array of identifiers of
        any kind (file names, keys) to their rows of features, each distinct identifier
        once. A dask array stays on the cluster: every sum over the tuples is taken
        there (see :doc:`/scaling`).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        The linear map L, M = LᵀL. The full metric is scaled so that
        Σ_S ‖d‖²_M = 1.
    n_iter_ : int
        Iterations run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when they are all strings.
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    See Also
    --------
    MMC : the same learner fitted on pairs.

    References
    ----------
    E. P. Xing, A. Y. Ng, M. I. Jordan and S. Russell, "Distance metric
    learning, with application to clustering with side-information", NIPS 2002.

    D. P. Bertsekas, "Projected Newton methods for optimization problems with
    simple constraints", SIAM J. Control and Optimization 20(2), 1982.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from mlearn import MMCSupervised
    >>> X, y = load_iris(return_X_y=True)
    >>> mmc = MMCSupervised(diagonal=True, random_state=0).fit(X, y)
    >>> weights = np.diag(mmc.get_mahalanobis_matrix())
    >>> np.flatnonzero(weights)  # only the petal length is kept
    array([2])
    >>> Z = mmc.transform(X)  # n_features columns always, zero for zero weights
    >>> Z.shape, np.flatnonzero(np.any(Z, axis=0))
    ((150, 4), array([0]))
    """

    _parameter_constraints: dict = {
        **_BaseMMC._parameter_constraints,
        "init": [
            StrOptions({"auto", "identity", "covariance", "pca", "lda", "random"}),
            "array-like",
        ],
        "preprocessor": ["array-like", callable, None],
        "n_constraints": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        diagonal=False,
        *,
        n_components=None,
        n_constraints=None,
        init="identity",
        max_iter=1000,
        tol=1e-5,
        random_state=None,
        verbose=0,
        preprocessor=None,
    ):
        self.diagonal = diagonal
        self.n_components = n_components
        self.n_constraints = n_constraints
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Draw similar and dissimilar pairs from the labels and learn the metric.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            A dask array stays on the cluster: the pairs are drawn here from
            the labels, and every sum over them is computed on the workers
            (see :doc:`/scaling`); the fit equals the in-memory one to rounding.
        y : array-like of shape (n_samples,)
            Class labels; at least two classes.

        Returns
        -------
        self : MMCSupervised
        """
        classes = []  # the encoded labels, kept for the starts that read them

        def draw_pairs(y_encoded):
            classes.append(y_encoded)
            return self._draw_pairs(y_encoded)

        X, indices, labels = self._validate_and_draw_pairs(X, y, draw_pairs)
        self._learn(X, indices, labels, classes=classes[0])
        return self

    def _draw_pairs(self, y):
        """``n_constraints`` similar and as many dissimilar pairs from the encoded labels."""
        n_constraints = self.n_constraints
        if n_constraints is None:
            # metric-learn's default, capped at the pairs these labels have.
            counts = np.bincount(y).astype(np.int64)
            n_similar = int(np.sum(counts * (counts - 1) // 2))
            n_dissimilar = int((counts.sum() ** 2 - np.sum(counts**2)) // 2)
            n_constraints = max(min(20 * len(counts) ** 2, n_similar, n_dissimilar), 1)
        return similar_dissimilar_pairs(y, 2 * n_constraints, random_state=self.random_state)
