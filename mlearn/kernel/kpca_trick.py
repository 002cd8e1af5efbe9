"""The KPCA trick: any linear metric learner, made non-linear by a kernel.

Chatpatanasiri, Korsrilabutr, Tangchanachaianan and Kijsirikul (2010) show that
learning a Mahalanobis metric M in a kernel's feature space,

    d²(x, x') = (φ(x) − φ(x'))ᵀ M (φ(x) − φ(x')),

reduces, for the usual objectives, to learning an ordinary Mahalanobis metric
on the kernel principal components of the training points: the optimal M lies
in the span of the mapped training points, and kernel PCA gives coordinates in
that span. So the recipe is

1. map the points by kernel PCA, ψ(x) ∈ ℝᵐ (m = ``n_kernel_components``);
2. fit any linear learner of mlearn on ψ(x) (its kind of supervision is kept:
   class labels, pairs, triplets or quadruplets);
3. embed new points as L ψ(x).

For large n the exact kernel PCA costs O(n²) memory and O(n² m) time; the
Nyström approximation (``approximation='nystroem'``) builds ψ from m landmark
points instead, at O(n m) memory, and the learner then runs on those features.
"""

from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.decomposition import KernelPCA
from sklearn.kernel_approximation import Nystroem
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import TUPLE_NAMES, check_preprocessor, check_tuples
from ..base import _TuplesMixin, map_rows
from ._kernels import KERNEL_PARAMETER_CONSTRAINTS, fitted_gamma


def _default_estimator():
    from ..lmnn import LMNN

    return LMNN()


def _inner_has(method):
    """``available_if`` check: the (fitted or configured) inner learner has ``method``."""

    def check(self):
        inner = getattr(self, "estimator_", None) or self.estimator or _default_estimator()
        return hasattr(inner, method)

    return check


class KernelMetricLearner(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Kernelise any linear metric learner by the KPCA trick.

    Maps the training points into the space of their kernel principal
    components ψ(x) and fits ``estimator`` there, so the learned distance is
    d(x, x') = ‖L ψ(x) − L ψ(x')‖, a Mahalanobis distance in the kernel's
    feature space (Chatpatanasiri et al. 2010). The wrapper takes the same
    supervision as its learner: ``fit(X, y)`` for a supervised learner,
    ``fit(pairs, y)`` for a pairs learner, ``fit(triplets)`` for a triplets
    learner; tuples of points, or of indices with the learner's
    ``preprocessor``. ``transform``, and the learner's tuple methods
    (``predict``, ``decision_function``, ``score``, ``pair_distance``,
    ``calibrate_threshold`` ...), map their input through ψ first.

    Parameters
    ----------
    estimator : mlearn estimator, default=None
        The linear learner to run in kernel PCA space; cloned at fit. None
        means ``LMNN()``.
    kernel : str or callable, default='rbf'
        'rbf', 'linear', 'poly', 'sigmoid', 'cosine', 'laplacian', ... or a callable,
        named and interpreted as in :class:`sklearn.decomposition.KernelPCA`.
    gamma : float, default=None
        Coefficient of the rbf, poly, sigmoid and laplacian kernels. None chooses it
        from the training points for 'rbf' and 'laplacian' by the median heuristic,
        γ = 1 / median ‖x − x'‖² (‖x − x'‖₁ for 'laplacian') over the training pairs,
        so that the kernel does not depend on the data's units; for the other kernels
        None means 1 / n_features. The value used is ``gamma_``.
    degree : int, default=3
        Degree of the poly kernel.
    coef0 : float, default=1
        Independent term of the poly and sigmoid kernels.
    kernel_params : dict, default=None
        Extra arguments of a callable kernel.
    n_components : int, default=None
        Output dimension; passed to the learner's own ``n_components`` (a
        learner without that parameter raises a ``ValueError``). None keeps the
        learner's setting.
    n_kernel_components : int, default=100
        Dimension m of the kernel PCA (or Nyström) space the learner runs in;
        capped at the number of distinct training points.
    approximation : {'kpca', 'nystroem'}, default='kpca'
        'kpca': exact kernel PCA (O(n²) memory). 'nystroem': Nyström features
        from m landmark points (O(n m) memory), for large n.
    random_state : int, RandomState instance or None, default=None
        Seeds the randomized eigensolver of kernel PCA and the choice of
        Nyström landmarks. (The learner keeps its own ``random_state``.)

    Attributes
    ----------
    gamma_ : float or None
        The kernel coefficient the fit used: ``gamma``, or the median heuristic's.
    kernel_map_ : KernelPCA or Nystroem
        The fitted map ψ.
    estimator_ : estimator
        The fitted learner, in ψ-space.
    n_features_in_ : int
        Number of input features.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string feature names
        (point learners only).

    References
    ----------
    R. Chatpatanasiri, T. Korsrilabutr, P. Tangchanachaianan and B. Kijsirikul,
    "A new kernelization framework for Mahalanobis distance learning
    algorithms", Neurocomputing 73, 2010.

    Examples
    --------
    >>> from sklearn.datasets import make_circles
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from mlearn import Covariance, KernelMetricLearner
    >>> X, y = make_circles(200, factor=0.3, noise=0.05, random_state=0)
    >>> model = KernelMetricLearner(Covariance(), gamma=2.0, n_kernel_components=10)
    >>> model.fit_transform(X).shape
    (200, 10)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "transform"]), None],
        **KERNEL_PARAMETER_CONSTRAINTS,
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "n_kernel_components": [Interval(Integral, 1, None, closed="left")],
        "approximation": [StrOptions({"kpca", "nystroem"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        kernel="rbf",
        gamma=None,
        degree=3,
        coef0=1,
        kernel_params=None,
        n_components=None,
        n_kernel_components=100,
        approximation="kpca",
        random_state=None,
    ):
        self.estimator = estimator
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params
        self.n_components = n_components
        self.n_kernel_components = n_kernel_components
        self.approximation = approximation
        self.random_state = random_state

    def _configured_estimator(self):
        inner = clone(self.estimator if self.estimator is not None else _default_estimator())
        if self.n_components is not None:
            if "n_components" not in inner.get_params():
                raise ValueError(
                    f"n_components={self.n_components} was given, but "
                    f"{type(inner).__name__} has no n_components parameter."
                )
            inner.set_params(n_components=self.n_components)
        return inner

    def _fit_kernel_map(self, points):
        """Fit ψ on the distinct training points and return ψ of ``points``."""
        distinct = np.unique(points, axis=0)
        self.gamma_ = fitted_gamma(self, distinct)
        m = min(self.n_kernel_components, distinct.shape[0])
        common = {
            "kernel": self.kernel,
            "gamma": self.gamma_,
            "degree": self.degree,
            "coef0": self.coef0,
            "kernel_params": self.kernel_params,
            "n_components": m,
            "random_state": self.random_state,
        }
        if self.approximation == "kpca":
            self.kernel_map_ = KernelPCA(**common).fit(distinct)
        else:
            self.kernel_map_ = Nystroem(**common).fit(distinct)
        return self._map(points)

    def _map(self, points):
        return self.kernel_map_.transform(points).astype(points.dtype, copy=False)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit kernel PCA on the training points, then the learner on their images.

        Parameters
        ----------
        X : array-like
            What the learner takes: points of shape (n_samples, n_features), or
            tuples of shape (n_tuples, tuple_size, n_features), or index tuples
            of shape (n_tuples, tuple_size) with the learner's ``preprocessor``.
        y : array-like, default=None
            Class labels, pair labels (±1), or None, as the learner takes.

        Returns
        -------
        self : KernelMetricLearner
        """
        inner = self._configured_estimator()
        if isinstance(inner, _TuplesMixin):
            preprocessor = check_preprocessor(inner.preprocessor)
            points, indices = check_tuples(X, inner._tuple_size, preprocessor=preprocessor)
            self.n_features_in_ = points.shape[1]
            used, inverse = np.unique(indices, return_inverse=True)
            mapped = self._fit_kernel_map(points[used])
            # The learner sees the mapped points as its preprocessor, then forgets them so
            # that later calls pass mapped tuples directly.
            inner.set_params(preprocessor=mapped)
            inner.fit(inverse.reshape(indices.shape), y)
            inner.set_params(preprocessor=None)
        else:
            X = validate_data(self, X, dtype=[np.float64, np.float32])
            inner.fit(self._fit_kernel_map(X), y)
        self.estimator_ = inner
        return self

    def transform(self, X):
        """Embed points: L ψ(X).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_embedded : ndarray of shape (n_samples, n_components)
        """
        check_is_fitted(self, "estimator_")

        def embed(X):
            return self.estimator_.transform(self._map(X))

        return map_rows(self, embed, X, self._n_features_out)

    @property
    def _n_features_out(self):
        check_is_fitted(self, "estimator_")
        return self.estimator_.components_.shape[0]

    def _mapped_tuples(self, tuples, tuple_size=None):
        """Tuples of ψ-images, shape (n_tuples, tuple_size, m), for the fitted learner.

        ``tuple_size`` defaults to the learner's own (pairs, triplets, quadruplets);
        ``pair_distance`` passes 2, which every learner answers.
        """
        check_is_fitted(self, "estimator_")
        size = self.estimator_._tuple_size if tuple_size is None else tuple_size
        preprocessor = check_preprocessor(getattr(self.estimator, "preprocessor", None))
        points, indices = check_tuples(tuples, size, preprocessor=preprocessor)
        if points.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{TUPLE_NAMES[size]} have {points.shape[1]} features, but "
                f"{type(self).__name__} is expecting {self.n_features_in_} features as input."
            )
        used, inverse = np.unique(indices, return_inverse=True)
        return self._map(points[used])[inverse.reshape(indices.shape)]

    @available_if(_inner_has("predict"))
    def predict(self, tuples):
        """The learner's ``predict`` on tuples mapped through ψ."""
        mapped = self._mapped_tuples(tuples)
        return self.estimator_.predict(mapped)

    @available_if(_inner_has("decision_function"))
    def decision_function(self, tuples):
        """The learner's ``decision_function`` on tuples mapped through ψ."""
        mapped = self._mapped_tuples(tuples)
        return self.estimator_.decision_function(mapped)

    @available_if(_inner_has("score"))
    def score(self, tuples, y=None):
        """The learner's ``score`` on tuples mapped through ψ."""
        mapped = self._mapped_tuples(tuples)
        return self.estimator_.score(mapped, y)

    @available_if(_inner_has("pair_distance"))
    def pair_distance(self, pairs):
        """Learned distance ‖L ψ(x) − L ψ(x')‖ between the points of each pair."""
        mapped = self._mapped_tuples(pairs, 2)
        return self.estimator_.pair_distance(mapped)

    @available_if(_inner_has("pair_score"))
    def pair_score(self, pairs):
        """Negated learned distance of each pair (higher = more similar)."""
        return -self.pair_distance(pairs)

    @available_if(_inner_has("calibrate_threshold"))
    def calibrate_threshold(self, pairs, y, strategy="accuracy", *, min_rate=None, beta=1.0):
        """The learner's ``calibrate_threshold`` on pairs mapped through ψ; returns self."""
        mapped = self._mapped_tuples(pairs, 2)
        self.estimator_.calibrate_threshold(mapped, y, strategy, min_rate=min_rate, beta=beta)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator if self.estimator is not None else _default_estimator())
        tags.input_tags.two_d_array = inner.input_tags.two_d_array
        tags.input_tags.three_d_array = inner.input_tags.three_d_array
        tags.target_tags.required = inner.target_tags.required
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
