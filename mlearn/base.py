"""What every Mahalanobis learner can do, and what kind of supervision it takes.

A fitted learner holds ``components_`` = L of shape (n_components, n_features);
its metric is M = LᵀL and its distance d(x, x') = ‖L(x − x')‖. Everything that
follows from L lives in :class:`MahalanobisMixin`. The supervision mixins add
the face of each kind of learner:

- :class:`SupervisedMixin`: ``fit(X, y)`` with class labels;
- :class:`PairsMixin`: ``fit(pairs, y)`` with y = +1 (similar) / −1
  (dissimilar), and ``decision_function``/``predict``/``score``/
  ``calibrate_threshold`` on pairs;
- :class:`TripletsMixin`: ``fit(triplets)``, where (a, p, n) says a is closer
  to p than to n; ``predict`` and ``score`` on triplets;
- :class:`QuadrupletsMixin`: ``fit(quadruplets)``, where (a, b, c, d) says
  d(a, b) < d(c, d).

Tuples lie along axis 0, as a 3-D array (n_tuples, tuple_size, n_features)
or, with the ``preprocessor`` parameter, as a 2-D array of indices, so
scikit-learn's splitters, ``cross_val_score`` and ``GridSearchCV`` split them
like samples. Nothing here is algorithm-specific.

This module is also the one seam between the learners and the Dask layer
(:mod:`mlearn._dask`): :meth:`MahalanobisMixin._evaluator` hands a learner's
evaluator to it, and the input checks here accept a Dask array where a fit can
keep it on the cluster. No learner tests for a Dask array itself.
"""

import math
import numbers
import sys
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.metrics import roc_auc_score
from sklearn.utils import check_array, gen_batches
from sklearn.utils.validation import check_is_fitted, validate_data

from ._blocks import paired_distances, rows_per_block
from ._dask import (
    inverse_covariance_on_cluster,
    labels_in_memory,
    lazy_transform,
    row_block_bounds,
    rows_for_tuples,
    shard_rows,
    shard_tuples,
)
from ._init import (
    components_from_scatters,
    disparate_feature_scales,
    initial_components,
    resolve_components_init,
)
from ._validation import (
    TUPLE_NAMES,
    _index_tuples,
    check_class_labels,
    check_n_components,
    check_pair_labels,
    check_points,
    check_preprocessor,
    check_tuples,
    float_dtype,
    is_dask_array,
    points_from_identifiers,
)
from .psd import inverse_covariance_components, metric_from_components

__all__ = [
    "MahalanobisDistance",
    "MahalanobisMixin",
    "BilinearSimilarity",
    "BilinearMixin",
    "SupervisedMixin",
    "PairsMixin",
    "TripletsMixin",
    "QuadrupletsMixin",
    "ChunksMixin",
]


# After this many calls (about a second of them) a callable metric is most likely inside
# a neighbour search, where ``transform`` + the Euclidean metric finds the same
# neighbours far faster.
SLOW_USE_CALLS = 100_000
# kNN fit + predict on digits, the callable's time over transform + Euclidean kNN's,
# median of 5 (benchmarks/callable_metric.py, results in benchmarks/results/).
CALLABLE_METRIC_SLOWDOWN = "about 500"


class MahalanobisDistance:
    """The learned distance d(u, v) = ‖L(u − v)‖ as a picklable callable.

    Usable wherever scikit-learn takes a callable metric, e.g.
    ``KNeighborsClassifier(metric=learner.get_metric())``, and as scipy's
    ``cdist(XA, XB, metric)``. It is slow there: scikit-learn calls it once per
    pair of points, from Python. ``learner.transform`` followed by the
    Euclidean metric finds the same neighbours about 500 times faster on
    digits (``benchmarks/callable_metric.py``); after 100,000 calls a
    ``UserWarning`` says so, once.

    Parameters
    ----------
    components : ndarray of shape (n_components, n_features)
        The linear map L.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.base import MahalanobisDistance
    >>> distance = MahalanobisDistance(np.array([[2.0, 0.0]]))
    >>> distance([1.0, 5.0], [0.0, 0.0])
    2.0
    >>> distance(np.array([[1.0, 5.0]]), [0.0, 0.0], squared=True)  # a (1, d) row
    4.0
    """

    def __init__(self, components):
        # A 1-D map of one feature ([3.1]) is the 1 × 1 matrix, as metric-learn reads it.
        self.components = np.atleast_2d(np.asarray(components))
        self.n_calls_ = 0

    def __call__(self, u, v, squared=False):
        """d(u, v), or d(u, v)² with ``squared=True``.

        Parameters
        ----------
        u, v : array-like of shape (n_features,) or (1, n_features)
            One point each: a vector or a single row (scipy's ``cdist`` style);
            with one feature, also a scalar.
        squared : bool, default=False

        Returns
        -------
        distance : float
        """
        self.n_calls_ += 1
        if self.n_calls_ == SLOW_USE_CALLS:
            _warn_slow_callable()
        diff = self._point(u, "u") - self._point(v, "v")
        embedded = self.components @ diff
        squared_distance = float(embedded @ embedded)
        return squared_distance if squared else math.sqrt(squared_distance)

    def _point(self, x, name):
        point = np.asarray(x, dtype=self.components.dtype)
        if point.ndim == 0 and self.components.shape[1] == 1:  # a scalar: one feature
            point = point[None]
        if point.ndim == 2 and point.shape[0] == 1:
            point = point[0]
        n_features = self.components.shape[1]
        if point.ndim != 1 or point.shape[0] != n_features:
            raise ValueError(
                f"The metric takes one point per argument, a vector of {n_features} "
                f"features or a single row of shape (1, {n_features}); {name} has shape "
                f"{point.shape}. For distances between many points use the learner's "
                f"transform and Euclidean distances, or pair_distance."
            )
        return point

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.setdefault("n_calls_", 0)

    def __repr__(self):
        k, d = self.components.shape
        return f"MahalanobisDistance(n_components={k}, n_features={d})"


def _warn_slow_callable():
    warnings.warn(
        f"The learned metric has been called {SLOW_USE_CALLS:,} times, once per pair of "
        f"points, as a neighbour search does. learner.transform(X) with the Euclidean metric "
        f"gives the same neighbours {CALLABLE_METRIC_SLOWDOWN} times faster "
        f"(kNN on digits).",
        UserWarning,
        stacklevel=3,
    )


def _paired_distances(X, first, second, L):
    """Row norms ‖L(X[first] − X[second])‖ (:func:`mlearn._blocks.paired_distances`).

    For a dask array X (a dask ``preprocessor``), only the rows the pairs use are
    fetched from the cluster.
    """
    if is_dask_array(X):
        X, pairs = rows_for_tuples(X, np.column_stack([first, second]))
        X = X.astype(float_dtype(X), copy=False)
        first, second = pairs[:, 0], pairs[:, 1]
    return paired_distances(X, first, second, L)


def map_rows(estimator, transform, X, n_features_out):
    """``transform(X)`` for an array, or the lazy dask array of it for a dask array X.

    For the ``transform`` methods of fitted estimators: a dask X is embedded
    block by block on the workers through ``estimator.transform`` (see
    :func:`mlearn._dask.lazy_transform`); anything else is validated against
    the fit and handed to ``transform``.
    """
    if is_dask_array(X):
        return lazy_transform(estimator, X, n_features_out)
    X = validate_data(estimator, X, reset=False, dtype=[np.float64, np.float32])
    return transform(X)


def inverse_covariance(X, used=None):
    """A callable giving the inverse covariance of the rows ``used`` of X (all if None).

    Called only when a learner needs it (``init='covariance'``); for a dask X it
    is computed on a worker and only the d × d matrix comes back. float64.
    """
    if is_dask_array(X):
        return inverse_covariance_on_cluster(X, used)

    def compute():
        points = X if used is None else X[used]
        return metric_from_components(inverse_covariance_components(points)).astype(np.float64)

    return compute


def initial_components_of(X, y, init, *, n_components, random_state, statistics):
    """The initial L of :func:`mlearn._init.initial_components`, for X in memory or not.

    For a dask X the points never come to the driver: 'pca' and 'lda' take their
    axes from class sums and scatter matrices summed over the row blocks by
    ``statistics``, an evaluator with the 'sum' methods ``class_sums(n_classes)``
    and ``centred_scatters(mean, class_means)`` (see
    :func:`mlearn._init.components_from_scatters`); the other starts need no data.

    Parameters
    ----------
    X : ndarray or dask array of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Labels encoded 0..n_classes − 1.
    init, n_components, random_state
        As :func:`mlearn._init.initial_components` takes them.
    statistics : evaluator
        Used only for a dask X.
    """
    if not is_dask_array(X):
        return initial_components(init, X, y, n_components=n_components, random_state=random_state)
    n_classes = int(np.max(y)) + 1
    name = resolve_components_init(init, n_components, X.shape[1], n_classes, X.shape[0])
    k = check_n_components(n_components, X.shape[1])
    auto = isinstance(init, str) and init == "auto"
    scatter_start = isinstance(name, str) and name in ("pca", "lda")
    if auto or scatter_start:
        # One pass for the class sums and, when the start needs them, one for the scatters.
        counts, sums = statistics.class_sums(n_classes)
        scatters = statistics.centred_scatters
        if auto:
            scatters = _scatters_once(scatters, counts, sums)
            total, _ = scatters(*_grand_and_class_means(counts, sums))
            spreads = np.sqrt(np.maximum(np.diag(total), 0.0) / counts.sum())
            scales = disparate_feature_scales(spreads)
            if scales is not None and scatter_start:
                standardised = _standardised_scatters(scatters, scales)
                L = components_from_scatters(name, k, counts, sums / scales, standardised)
                return L / scales
            if scales is not None:
                return np.eye(k, X.shape[1]) / scales
        if scatter_start:
            return components_from_scatters(name, k, counts, sums, scatters)
    empty = np.empty((0, X.shape[1]), dtype=float_dtype(X))
    return initial_components(name, empty, n_components=n_components, random_state=random_state)


def _grand_and_class_means(counts, sums):
    """The mean of all points and of each class, from the class counts and sums."""
    return sums.sum(axis=0) / counts.sum(), sums / np.maximum(counts, 1)[:, None]


def _scatters_once(centred_scatters, counts, sums):
    """``centred_scatters`` computed once, about the points' own means (the only means the
    starts ask for), however often it is called."""
    cached = centred_scatters(*_grand_and_class_means(counts, sums))
    return lambda mean, class_means: cached


def _standardised_scatters(centred_scatters, scales):
    """``centred_scatters`` of the points divided by ``scales`` (means given in those units)."""

    def of(mean, class_means):
        total, within = centred_scatters(mean * scales, class_means * scales)
        outer = np.outer(scales, scales)
        return total / outer, within / outer

    return of


def row_blocks_of(X):
    """Where X's row blocks start, and n: [0, n_samples] for an array in memory."""
    return row_block_bounds(X) if is_dask_array(X) else [0, X.shape[0]]


def _rows_unless_fitted_on_dask(estimator, X, tuples, name):
    """(X, tuples) as they are, or, for a dask X and a learner that does not fit on one,
    only the rows the tuples use (fetched and checked) with the tuples re-indexed."""
    if not is_dask_array(X) or getattr(estimator, "_fits_on_dask", False):
        return X, tuples
    rows, tuples = rows_for_tuples(X, tuples)
    return check_points(rows, name=name), tuples


def points_of(estimator, X):
    """X's points: X itself, or, for a 1-D X and an estimator with a ``preprocessor``, its
    identifiers' rows (:func:`mlearn._validation.points_from_identifiers`)."""
    preprocessor = check_preprocessor(getattr(estimator, "preprocessor", None))
    return points_from_identifiers(X, preprocessor)


def _flat_dimensions(data):
    """Whether data is a regular 1-D or 2-D array: points X or labels y, not tuples."""
    try:
        return np.ndim(data) in (1, 2)
    except ValueError:  # ragged nested lists
        return False


def _twin_hint(estimator):
    """Where to go with points X and class labels y instead of tuples: the learner's
    ``…Supervised`` twin, looked up in the module that defines the learner."""
    name = type(estimator).__name__
    twin = f"{name}Supervised"
    if hasattr(sys.modules.get(type(estimator).__module__), twin):
        return f"To learn from points X and class labels y, use {twin}(...).fit(X, y)."
    return f"{name} learns from tuples, not from points X and class labels y."


def points_in_memory(X, why):
    """X itself, or a ValueError saying ``why`` the points must be in memory (dask X)."""
    if is_dask_array(X):
        raise ValueError(f"{why} needs the points in memory, not a dask array.")
    return X


class MahalanobisMixin(ClassNamePrefixFeaturesOutMixin, TransformerMixin):
    """Everything that follows from a learned linear map L (``components_``).

    Subclasses set ``components_`` (and ``n_features_in_``) in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn import Covariance
    >>> X = np.random.default_rng(0).normal(size=(50, 2)) * [1.0, 10.0]
    >>> model = Covariance().fit(X)
    >>> Z = model.transform(X)
    >>> M = model.get_mahalanobis_matrix()
    >>> bool(np.isclose(model.get_metric()(X[0], X[1]), np.linalg.norm(Z[0] - Z[1])))
    True
    >>> diff = X[0] - X[1]
    >>> bool(np.isclose(model.pair_distance(X[None, :2])[0] ** 2, diff @ M @ diff))
    True
    """

    # Whether fit keeps a dask X (or dask ``preprocessor``) on the cluster, its work
    # sharded through :meth:`_evaluator`; otherwise only the rows the tuples use are
    # fetched, or the points computed.
    _fits_on_dask = False

    @property
    def _n_features_out(self):
        return self.components_.shape[0]

    def transform(self, X):
        """Embed X in the learned space: X Lᵀ.

        Euclidean distances between transformed points are the learned
        Mahalanobis distances between the original points.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features), or (n_samples,)
            A 1-D X holds identifiers into the learner's ``preprocessor``
            (row indices into an array, or anything a callable takes).

        Returns
        -------
        X_embedded : ndarray of shape (n_samples, n_components)
            Same float dtype as X (float32 stays float32). For a dask array, a
            lazy dask array chunked by rows as X is.
        """
        check_is_fitted(self, "components_")
        L = self.components_
        X = points_of(self, X)

        def embed(X):
            return X @ L.T.astype(X.dtype, copy=False)

        return map_rows(self, embed, X, L.shape[0])

    def get_mahalanobis_matrix(self):
        """Return the learned metric M = LᵀL, of shape (n_features, n_features)."""
        check_is_fitted(self, "components_")
        return metric_from_components(self.components_)

    def get_metric(self):
        """Return the learned distance as a callable ``metric(u, v, squared=False)``.

        The callable takes two points, each a vector of n_features or a single
        row of shape (1, n_features) as scipy's ``cdist`` passes them, and
        refuses more rows with a ValueError. It works as
        ``KNeighborsClassifier(metric=learner.get_metric())``, but scikit-learn
        then calls it once per pair of points: ``transform`` followed by the
        Euclidean metric finds the same neighbours about 500 times faster (kNN on
        digits, ``benchmarks/callable_metric.py``).

        Returns
        -------
        metric : MahalanobisDistance
            A picklable callable computing ‖L(u − v)‖, or its square with
            ``squared=True``.
        """
        check_is_fitted(self, "components_")
        return MahalanobisDistance(self.components_.copy())

    def _evaluator(self, build, X, *arrays, by="tuples", n_shards=None, **options):
        """The learner's evaluator of X: in memory, or sharded on the cluster for a dask X.

        This is the one place where a learner's work is handed to the Dask
        layer. ``build`` is the evaluator class (or one of its classmethods);
        every method the solver calls on it declares how it combines across
        shards (:func:`mlearn._evaluator.across_shards`).

        Parameters
        ----------
        build : type or classmethod
        X : ndarray or dask array of shape (n_samples, n_features)
        *arrays : ndarray
            ``by='tuples'``: index tuple arrays into X; the evaluator is
            ``build(X, *arrays, **options)``, and on a dask X one is built per
            shard of the tuples on the rows they use.
            ``by='rows'``: arrays with one entry per row of X (labels); the
            evaluator is ``build(0, X, *arrays, **options)`` (0: the offset of
            the first row), and on a dask X one per row block
            ``build(offset, X_block, *blocks, **options)``.
        by : {'tuples', 'rows'}
        n_shards : int, optional
            Shards of the tuples on a dask X (default: one per worker thread).
        **options
            Passed to ``build``.
        """
        if is_dask_array(X):
            if by == "rows":
                return shard_rows(build, X, *arrays, **options)
            return shard_tuples(build, X, *arrays, n_shards=n_shards, **options)
        if by == "rows":
            return build(0, X, *arrays, **options)
        return build(X, *arrays, **options)

    def _validate_tuples(self, tuples, tuple_size, *, reset):
        """Return (X, indices) for tuples; set or check ``n_features_in_``.

        When fitting (``reset``), input that looks like points and class labels
        rather than tuples is refused with a pointer to the ``…Supervised`` twin.
        """
        preprocessor = check_preprocessor(getattr(self, "preprocessor", None))
        try:
            X, indices = check_tuples(tuples, tuple_size, preprocessor=preprocessor)
        except ValueError as exc:
            if reset and _flat_dimensions(tuples):
                raise ValueError(f"{exc} {_twin_hint(self)}") from None
            raise
        if reset:
            self.n_features_in_ = X.shape[1]
        elif X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{TUPLE_NAMES[tuple_size]} have {X.shape[1]} features, but "
                f"{type(self).__name__} is expecting {self.n_features_in_} features as input."
            )
        return X, indices

    def _tuple_distances(self, tuples, tuple_size, columns):
        """Learned distances between the given columns of each tuple."""
        check_is_fitted(self, "components_")
        X, indices = self._validate_tuples(tuples, tuple_size, reset=False)
        return [
            _paired_distances(X, indices[:, a], indices[:, b], self.components_) for a, b in columns
        ]

    def pair_distance(self, pairs):
        """Learned distance between the two points of each pair.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features), or (n_pairs, 2) indices
            Indices need the ``preprocessor`` parameter (weakly supervised learners).

        Returns
        -------
        distances : ndarray of shape (n_pairs,)
        """
        (distances,) = self._tuple_distances(pairs, 2, [(0, 1)])
        return distances

    def pair_score(self, pairs):
        """Similarity of each pair: the negated learned distance (higher = more similar)."""
        return -self.pair_distance(pairs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _paired_similarities(X, first, second, W):
    """xᵀ W x' for the rows (X[first], X[second]) of X (dense or CSR), in blocks."""
    out = np.empty(first.shape[0], dtype=X.dtype)
    block = rows_per_block(3 * X.shape[1] * X.dtype.itemsize, first.shape[0])
    for rows in gen_batches(first.shape[0], block):
        projected, other = X[first[rows]] @ W, X[second[rows]]
        if sp.issparse(other):
            out[rows] = np.asarray(other.multiply(projected).sum(axis=1)).ravel()
        else:
            out[rows] = np.einsum("ij,ij->i", projected, other)
    return out


class BilinearSimilarity:
    """The learned similarity s(u, v) = uᵀ W v as a picklable callable.

    With ``negated=True`` it returns −s(u, v), which orders neighbours as s does
    (most similar first) where scikit-learn expects a distance:
    ``KNeighborsClassifier(metric=learner.get_similarity(negated=True),
    algorithm='brute')``. ``algorithm='brute'`` is needed: −s is no metric (it is
    negative, asymmetric, and breaks the triangle inequality), so the trees would
    prune wrongly. It is called once per pair of points, from Python; the
    learner's ``pairwise_dissimilarity`` with ``metric='precomputed'`` gives the
    same neighbours far faster.

    Parameters
    ----------
    matrix : ndarray of shape (n_features, n_features)
        The bilinear matrix W.
    negated : bool, default=False

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.base import BilinearSimilarity
    >>> similarity = BilinearSimilarity(np.array([[1.0, 2.0], [0.0, 1.0]]))
    >>> similarity([1.0, 0.0], [0.0, 1.0]), similarity([0.0, 1.0], [1.0, 0.0])
    (2.0, 0.0)
    """

    def __init__(self, matrix, negated=False):
        self.matrix = np.asarray(matrix)
        self.negated = negated

    def __call__(self, u, v):
        """s(u, v), or −s(u, v) when ``negated``; u and v: vectors or single rows."""
        n_features = self.matrix.shape[0]
        u, v = (np.asarray(x, dtype=self.matrix.dtype).reshape(-1) for x in (u, v))
        if u.shape[0] != n_features or v.shape[0] != n_features:
            raise ValueError(
                f"The similarity takes one point of {n_features} features per argument, got "
                f"{u.shape[0]} and {v.shape[0]} values. For many points use the learner's "
                f"pairwise_similarity."
            )
        value = float(u @ self.matrix @ v)
        return -value if self.negated else value

    def __repr__(self):
        return f"BilinearSimilarity(n_features={self.matrix.shape[0]}, negated={self.negated})"


class BilinearMixin:
    """Everything that follows from a learned bilinear similarity s(x, x') = xᵀ W x'.

    W (``bilinear_matrix_``, n_features × n_features) need be neither symmetric nor
    PSD, so s is no distance and there is no ``components_`` and no ``transform``:
    no linear map of the points makes Euclidean distances rank as s does. Larger
    is more similar. Neighbours by s come from :meth:`pairwise_similarity`, or for
    scikit-learn's kNN from :meth:`pairwise_dissimilarity` with
    ``metric='precomputed'``. As a triplets learner, (a, p, n) holds where
    s(a, p) > s(a, n): ``decision_function`` is s(a, p) − s(a, n). Points may be
    dense or scipy.sparse (CSR), directly or as the ``preprocessor`` of index tuples.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from mlearn.base import BilinearMixin, TripletsMixin
    >>> class FixedBilinear(TripletsMixin, BilinearMixin, BaseEstimator):
    ...     def fit(self, triplets, y=None):
    ...         X, _ = self._validate_fit_tuples(triplets)
    ...         self.bilinear_matrix_ = np.array([[1.0, 0.0], [0.0, -1.0]])
    ...         return self
    >>> triplets = np.array([[[1.0, 1.0], [2.0, 0.0], [0.0, 2.0]]])
    >>> model = FixedBilinear().fit(triplets)
    >>> model.decision_function(triplets).tolist(), model.score(triplets)
    ([4.0], 1.0)
    >>> model.pairwise_similarity(np.eye(2)).tolist()
    [[1.0, 0.0], [0.0, -1.0]]
    >>> model.pairwise_dissimilarity(np.eye(2)).tolist()  # each row's max minus s
    [[0.0, 1.0], [0.0, 1.0]]
    """

    def get_bilinear_matrix(self):
        """Return W, of shape (n_features, n_features): s(x, x') = xᵀ W x'."""
        check_is_fitted(self, "bilinear_matrix_")
        return self.bilinear_matrix_.copy()

    def get_similarity(self, negated=False):
        """Return s as a picklable callable ``similarity(u, v)`` (see :class:`BilinearSimilarity`).

        Parameters
        ----------
        negated : bool, default=False
            Return −s(u, v) instead, for ``KNeighborsClassifier(metric=...,
            algorithm='brute')``.

        Returns
        -------
        similarity : BilinearSimilarity
        """
        check_is_fitted(self, "bilinear_matrix_")
        return BilinearSimilarity(self.bilinear_matrix_.copy(), negated=negated)

    def _check_points(self, X, name="X"):
        """X (dense or CSR; identifiers with a dense ``preprocessor``) checked against the fit."""
        check_is_fitted(self, "bilinear_matrix_")
        if not sp.issparse(getattr(self, "preprocessor", None)):
            X = points_of(self, X)
        X = check_array(X, accept_sparse="csr", dtype=[np.float64, np.float32], input_name=name)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{name} has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        return X

    def pairwise_similarity(self, X, Y=None):
        """s(x, y) = xᵀ W y for every x in X (rows) and y in Y (columns).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples_X, n_features)
        Y : array-like or sparse matrix of shape (n_samples_Y, n_features), default=None
            None: Y = X.

        Returns
        -------
        S : ndarray of shape (n_samples_X, n_samples_Y)
            In X's float dtype.
        """
        X = self._check_points(X)
        Y = X if Y is None else self._check_points(Y, "Y")
        projected = X @ self.bilinear_matrix_.astype(X.dtype, copy=False)
        return np.asarray((Y @ projected.T).T, dtype=X.dtype)

    def pairwise_dissimilarity(self, X, Y=None):
        """max_y' s(x, y') − s(x, y): each row of S flipped and shifted to start at 0.

        Within a row (a query x) it ranks Y as s does, most similar first, and it is
        non-negative, so scikit-learn's neighbours take it as a precomputed distance:
        ``KNeighborsClassifier(metric='precomputed').fit(D(X_train, X_train), y)``
        then ``.predict(D(X_test, X_train))``. It is neither symmetric nor a metric;
        only its order within each row is meaningful. Computed in blocks of rows of X.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples_X, n_features)
        Y : array-like or sparse matrix of shape (n_samples_Y, n_features), default=None
            None: Y = X.

        Returns
        -------
        D : ndarray of shape (n_samples_X, n_samples_Y)
        """
        X = self._check_points(X)
        Y = X if Y is None else self._check_points(Y, "Y")
        D = np.empty((X.shape[0], Y.shape[0]), dtype=X.dtype)
        for rows in gen_batches(X.shape[0], rows_per_block(Y.shape[0] * 16, X.shape[0])):
            S = self.pairwise_similarity(X[rows], Y)
            D[rows] = S.max(axis=1, keepdims=True) - S
        return D

    def pair_similarity(self, pairs):
        """s(x, x') for each pair (x, x'), in the order given.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features), or (n_pairs, 2) indices
            Indices need the ``preprocessor`` parameter (dense or sparse points).

        Returns
        -------
        similarities : ndarray of shape (n_pairs,)
        """
        (negated,) = self._tuple_distances(pairs, 2, [(0, 1)])
        return -negated

    def pair_score(self, pairs):
        """The similarity of each pair, :meth:`pair_similarity` (higher = more similar)."""
        return self.pair_similarity(pairs)

    def _tuple_distances(self, tuples, tuple_size, columns):
        """−s between the given columns of each tuple: the relative-tuple faces compare
        these as distances, so that a triplet holds where s(a, p) > s(a, n)."""
        check_is_fitted(self, "bilinear_matrix_")
        X, indices = self._validate_tuples(tuples, tuple_size, reset=False)
        W = self.bilinear_matrix_.astype(X.dtype, copy=False)
        return [-_paired_similarities(X, indices[:, a], indices[:, b], W) for a, b in columns]

    def _validate_tuples(self, tuples, tuple_size, *, reset):
        """(X, indices) as :meth:`MahalanobisMixin._validate_tuples`, and index tuples into
        a scipy.sparse ``preprocessor`` (kept sparse, CSR with sorted, summed entries)."""
        preprocessor = getattr(self, "preprocessor", None)
        if not sp.issparse(preprocessor):
            return MahalanobisMixin._validate_tuples(self, tuples, tuple_size, reset=reset)
        X = check_array(
            preprocessor, accept_sparse="csr", dtype=[np.float64, np.float32], copy=True
        )
        X.sum_duplicates()
        arr = np.asarray(tuples)
        if arr.ndim != 2 or arr.dtype.kind not in "iuf":
            raise ValueError(
                f"{TUPLE_NAMES[tuple_size]} given with a sparse preprocessor must be a 2-D "
                f"array of integer indices, got shape {arr.shape} of dtype {arr.dtype}."
            )
        _, indices = _index_tuples(arr, tuple_size, TUPLE_NAMES[tuple_size], X)
        if reset:
            self.n_features_in_ = X.shape[1]
        elif X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"The preprocessor has {X.shape[1]} features, but {type(self).__name__} is "
                f"expecting {self.n_features_in_} features as input."
            )
        return X, indices

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class SupervisedMixin:
    """Face of learners that fit on points X with class labels y.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from mlearn.base import MahalanobisMixin, SupervisedMixin
    >>> class WithinClassScale(SupervisedMixin, MahalanobisMixin, BaseEstimator):
    ...     '''Divides each feature by its within-class standard deviation (a sketch).'''
    ...
    ...     def fit(self, X, y):
    ...         X, y = self._validate_supervised(X, y)
    ...         residual = X - np.array([X[y == k].mean(axis=0) for k in y])
    ...         self.components_ = np.diag(1 / residual.std(axis=0))
    ...         return self
    >>> X, y = np.array([[0.0, 0.0], [0.0, 4.0], [2.0, 1.0], [2.0, 5.0]]), [0, 1, 0, 1]
    >>> model = WithinClassScale().fit(X, y)
    >>> model.classes_.tolist(), np.diag(model.components_).tolist()
    ([0, 1], [1.0, 2.0])
    """

    def _validate_supervised(self, X, y, *, min_per_class=1):
        """Validate (X, y); return X, y encoded as 0..n_classes−1; set ``classes_``.

        A dask X is returned as it is (checked for shape and dtype, nothing of it
        computed) for a learner whose fit keeps it on the cluster
        (``_fits_on_dask``); y is brought into memory. With a ``preprocessor``, a
        1-D X holds the samples' identifiers (:func:`points_of`).
        """
        X = points_of(self, X)
        if is_dask_array(X) and getattr(self, "_fits_on_dask", False):
            return X, self._validate_supervised_dask(X, y, min_per_class=min_per_class)
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], y_numeric=False)
        self.classes_, y_encoded = check_class_labels(y, X.shape[0], min_per_class=min_per_class)
        return X, y_encoded

    def _validate_and_draw_pairs(self, X, y, draw_pairs):
        """Validate (X, y) and draw index pairs from the labels: (X, pairs, pair_labels).

        ``draw_pairs(y_encoded)`` returns (pairs, pair_labels) and may read
        ``classes_``. A dask X stays on the cluster: only the rows the pairs use
        are fetched, the pairs re-indexed into them (in the same order), which is
        all a learner whose objective depends on the paired points needs.
        """
        X = points_of(self, X)
        if not is_dask_array(X):
            X, y = self._validate_supervised(X, y)
            return (X, *draw_pairs(y))
        pairs, labels = draw_pairs(self._validate_supervised_dask(X, y))
        X, pairs = _rows_unless_fitted_on_dask(self, X, pairs, "X")
        return X, pairs, labels

    def _validate_supervised_dask(self, X, y, *, min_per_class=1):
        """For a dask array X: check shape and labels, set ``n_features_in_`` and ``classes_``.

        Nothing of X is computed; y (one label per row) is brought into memory.
        Returns y encoded as 0..n_classes−1.
        """
        if X.ndim != 2:
            raise ValueError(f"Expected a 2-D dask array X, got {X.ndim} dimension(s).")
        if X.dtype.kind not in "biuf":
            raise ValueError(f"X must be numeric, got a dask array of dtype {X.dtype}.")
        y = labels_in_memory(y)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]} labels.")
        self.n_features_in_ = X.shape[1]
        self.classes_, y_encoded = check_class_labels(y, X.shape[0], min_per_class=min_per_class)
        return y_encoded

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags


class _TuplesMixin:
    """Shared by the pairs, triplets and quadruplets faces."""

    _tuple_size = None

    def _validate_fit_tuples(self, tuples):
        X, indices = self._validate_tuples(tuples, self._tuple_size, reset=True)
        return _rows_unless_fitted_on_dask(self, X, indices, "preprocessor")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags


class PairsMixin(_TuplesMixin):
    """Face of learners that fit on pairs labelled +1 (similar) or −1 (dissimilar).

    A pair is predicted similar when its learned distance is at most
    ``threshold_``. Fitting sets ``threshold_`` to the value that maximises
    accuracy on the training pairs, or the criterion that ``fit``'s
    ``calibration_params`` name (the keywords of :meth:`calibrate_threshold`);
    :meth:`calibrate_threshold` resets it on other pairs, :meth:`set_threshold`
    to a given value.

    A learner gets all of this by fitting as ``fit(pairs, y=None,
    calibration_params=None)``: ``_validate_fit_pairs(pairs, y,
    calibration_params)`` first (it refuses bad calibration parameters before
    any work is done), then ``components_``, then
    ``_fit_threshold(X, indices, y, calibration_params)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from mlearn.base import MahalanobisMixin, PairsMixin
    >>> X = np.array([[0.0], [0.1], [5.0], [5.2]])
    >>> class IdentityPairs(PairsMixin, MahalanobisMixin, BaseEstimator):
    ...     def __init__(self, preprocessor=None):
    ...         self.preprocessor = preprocessor
    ...
    ...     def fit(self, tuples, y=None, calibration_params=None):
    ...         X, indices, y = self._validate_fit_pairs(tuples, y, calibration_params)
    ...         self.components_ = np.eye(X.shape[1])
    ...         self._fit_threshold(X, indices, y, calibration_params)
    ...         return self
    >>> pairs, y = [[0, 1], [0, 2], [2, 3], [1, 3]], [1, -1, 1, -1]
    >>> learner = IdentityPairs(preprocessor=X).fit(pairs, y)
    >>> learner.predict(pairs).tolist(), learner.score(pairs, y)
    ([1, -1, 1, -1], 1.0)
    >>> learner.set_threshold(10.0).predict(pairs).tolist()
    [1, 1, 1, 1]
    """

    _tuple_size = 2

    def _validate_fit_pairs(self, pairs, y, calibration_params=None):
        """(X, indices, y) of the training pairs; bad ``calibration_params`` refused first."""
        _calibration_options(calibration_params)
        X, indices = self._validate_fit_tuples(pairs)
        return X, indices, check_pair_labels(y, indices.shape[0])

    def _fit_threshold(self, X, indices, y, calibration_params=None):
        """Set ``threshold_`` on the training pairs, as ``calibration_params`` asks.

        ``calibration_params`` is None (maximise accuracy) or a dict of the
        keywords of :meth:`calibrate_threshold` (``strategy``, ``min_rate``,
        ``beta``).
        """
        options = _calibration_options(calibration_params)
        distances = _paired_distances(X, indices[:, 0], indices[:, 1], self.components_)
        self.threshold_ = _best_threshold(distances, y, **options)

    def set_threshold(self, threshold):
        """Set ``threshold_``: pairs at a learned distance ≤ threshold are similar.

        Parameters
        ----------
        threshold : float
            A finite real number.

        Returns
        -------
        self
        """
        check_is_fitted(self)
        if isinstance(threshold, bool) or not isinstance(threshold, (numbers.Real, np.number)):
            raise ValueError(f"threshold must be a real number, got {threshold!r}.")
        if not np.isfinite(threshold):
            raise ValueError(f"threshold must be finite, got {threshold!r}.")
        self.threshold_ = float(threshold)
        return self

    def decision_function(self, pairs):
        """Confidence that each pair is similar: ``threshold_`` minus its distance.

        Returns
        -------
        scores : ndarray of shape (n_pairs,)
            Positive for pairs predicted similar.
        """
        check_is_fitted(self, "threshold_")
        return self.threshold_ - self.pair_distance(pairs)

    def predict(self, pairs):
        """Predict +1 (similar) where distance ≤ ``threshold_``, −1 otherwise."""
        return np.where(self.decision_function(pairs) >= 0, 1, -1)

    def score(self, pairs, y):
        """Area under the ROC curve of :meth:`decision_function` for labels y (±1)."""
        # The pairs are validated first, so that bad pairs are named as such.
        scores = self.decision_function(pairs)
        y = check_pair_labels(y, scores.shape[0])
        if np.unique(y).shape[0] < 2:
            raise ValueError("score needs both similar (+1) and dissimilar (-1) pairs.")
        return roc_auc_score(y, scores)

    def calibrate_threshold(self, pairs, y, strategy="accuracy", *, min_rate=None, beta=1.0):
        """Choose ``threshold_`` on labelled pairs (usually a validation set).

        Parameters
        ----------
        pairs : array-like
            Pairs as for :meth:`predict`.
        y : array-like of shape (n_pairs,)
            +1 for similar, −1 for dissimilar.
        strategy : {'accuracy', 'f_beta', 'max_tpr', 'max_tnr'}, default='accuracy'
            - 'accuracy': maximise accuracy;
            - 'f_beta': maximise the F-beta score of the similar class;
            - 'max_tpr': maximise the true positive rate subject to a true
              negative rate ≥ ``min_rate``;
            - 'max_tnr': maximise the true negative rate subject to a true
              positive rate ≥ ``min_rate``.
        min_rate : float in [0, 1], default=None
            Required by 'max_tpr' and 'max_tnr'.
        beta : float >= 0, default=1.0
            Weight of recall in the F-beta score (0: the precision alone).

        Returns
        -------
        self
        """
        check_is_fitted(self)  # any fitted learner: linear (components_) or deep (network_)
        options = _calibration_options({"strategy": strategy, "min_rate": min_rate, "beta": beta})
        distances = self.pair_distance(pairs)
        y = check_pair_labels(y, distances.shape[0])
        self.threshold_ = _best_threshold(distances, y, **options)
        return self


def _calibration_options(calibration_params):
    """``calibration_params`` (None or a dict) checked and completed with the defaults of
    :meth:`PairsMixin.calibrate_threshold`: {'strategy', 'min_rate', 'beta'}."""
    options = {"strategy": "accuracy", "min_rate": None, "beta": 1.0}
    if calibration_params is None:
        return options
    if not isinstance(calibration_params, dict):
        raise ValueError(
            f"calibration_params must be a dict of calibrate_threshold's keywords or None, "
            f"got {type(calibration_params).__name__}."
        )
    unknown = sorted(set(calibration_params) - set(options))
    if unknown:
        raise ValueError(
            f"calibration_params has unknown keys {unknown}; calibrate_threshold takes "
            f"'strategy', 'min_rate' and 'beta'."
        )
    options.update(calibration_params)
    strategy, min_rate, beta = options["strategy"], options["min_rate"], options["beta"]
    if strategy not in ("accuracy", "f_beta", "max_tpr", "max_tnr"):
        raise ValueError(
            f"strategy must be 'accuracy', 'f_beta', 'max_tpr' or 'max_tnr', got {strategy!r}."
        )
    if strategy in ("max_tpr", "max_tnr") and (
        not isinstance(min_rate, numbers.Real) or not 0 <= min_rate <= 1
    ):
        raise ValueError(f"strategy={strategy!r} needs min_rate in [0, 1], got {min_rate!r}.")
    # β = 0 is allowed, as in metric-learn and scikit-learn's fbeta_score: F₀ is the precision.
    if strategy == "f_beta" and not (isinstance(beta, numbers.Real) and beta >= 0):
        raise ValueError(f"beta must be >= 0, got {beta!r}.")
    return options


def _best_threshold(distances, y, strategy, *, beta, min_rate):
    """Distance threshold t (pairs with d ≤ t predicted similar) optimising ``strategy``.

    Candidate cuts lie between consecutive distinct sorted distances, so every
    distinct prediction is tried once; the chosen threshold is the midpoint of
    its gap, which keeps it robust to small perturbations of the distances.
    """
    order = np.argsort(distances, kind="stable")
    d = distances[order]
    positive = (y[order] == 1).astype(np.float64)
    n_pos, n = positive.sum(), d.shape[0]
    n_neg = n - n_pos
    # A cut after position k (k = 0..n) predicts the first k pairs similar; only cuts
    # between distinct distances are realisable.
    cuts = np.concatenate([[0], np.flatnonzero(np.diff(d) > 0) + 1, [n]])
    tp = np.concatenate([[0.0], np.cumsum(positive)])[cuts]
    fp = cuts - tp
    tn, fn = n_neg - fp, n_pos - tp
    tpr = tp / max(n_pos, 1)
    tnr = tn / max(n_neg, 1)
    if strategy == "accuracy":
        objective = tp + tn
    elif strategy == "f_beta":
        b2 = beta**2
        denom = (1 + b2) * tp + b2 * fn + fp
        objective = np.divide((1 + b2) * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    elif strategy == "max_tpr":
        objective = np.where(tnr >= min_rate, tpr, -np.inf)
    else:
        objective = np.where(tpr >= min_rate, tnr, -np.inf)
    if not np.any(np.isfinite(objective)):
        raise ValueError(f"No threshold reaches the requested min_rate={min_rate}.")
    best = cuts[int(np.argmax(objective))]
    span = max(d[-1] - d[0], 1.0)
    if best == 0:
        return float(d[0] - span)
    if best == n:
        return float(d[-1] + span)
    return float((d[best - 1] + d[best]) / 2)


class _RelativeTuplesMixin(_TuplesMixin):
    """Tuples that state that one pair of their points is closer than another."""

    # Columns of the pair stated closer, and of the pair stated farther.
    _closer_pair = None
    _farther_pair = None

    def decision_function(self, tuples):
        """Distance of the farther pair minus that of the closer: positive where it holds.

        For triplets (a, p, n) this is d(a, n) − d(a, p); for quadruplets
        (a, b, c, d) it is d(c, d) − d(a, b).
        """
        closer, farther = self._tuple_distances(
            tuples, self._tuple_size, [self._closer_pair, self._farther_pair]
        )
        return farther - closer

    def predict(self, tuples):
        """+1 where the tuple's stated order holds under the learned metric, else −1."""
        return np.where(self.decision_function(tuples) > 0, 1, -1)

    def score(self, tuples, y=None):
        """Accuracy of :meth:`predict`: against +1 (the order given) or against y."""
        pred = self.predict(tuples)
        if y is None:
            return float(np.mean(pred == 1))
        target = check_pair_labels(y, pred.shape[0], kind=TUPLE_NAMES[self._tuple_size])
        return float(np.mean(pred == target))


class TripletsMixin(_RelativeTuplesMixin):
    """Face of learners that fit on triplets (a, p, n): a is closer to p than to n.

    Examples
    --------
    A learner with a fixed diagonal metric, to show what the face adds: whether each triplet's
    order holds under the metric.

    >>> import numpy as np
    >>> from mlearn.base import MahalanobisMixin, TripletsMixin
    >>> from sklearn.base import BaseEstimator
    >>> triplets = np.array([[[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]]])  # (a, p, n)
    >>> class FixedDiagonal(TripletsMixin, MahalanobisMixin, BaseEstimator):
    ...     def __init__(self, weights=(1.0, 1.0)):
    ...         self.weights = weights
    ...     def fit(self, triplets, y=None):
    ...         self._validate_fit_tuples(triplets)
    ...         self.components_ = np.diag(self.weights)
    ...         return self
    >>> FixedDiagonal().fit(triplets).predict(triplets).tolist()
    [1]
    >>> FixedDiagonal(weights=(3.0, 1.0)).fit(triplets).score(triplets)
    0.0
    """

    _tuple_size = 3
    _closer_pair = (0, 1)
    _farther_pair = (0, 2)


class QuadrupletsMixin(_RelativeTuplesMixin):
    """Face of learners that fit on quadruplets (a, b, c, d): d(a, b) < d(c, d).

    Examples
    --------
    A learner that shrinks each feature by how far apart the closer pairs are, given the
    quadruplets as a 3-D array of points (no ``preprocessor``):

    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from mlearn.base import MahalanobisMixin, QuadrupletsMixin
    >>> class CloserPairScale(QuadrupletsMixin, MahalanobisMixin, BaseEstimator):
    ...     def fit(self, quadruplets, y=None):
    ...         X, idx = self._validate_fit_tuples(quadruplets)
    ...         spread = np.abs(X[idx[:, 0]] - X[idx[:, 1]]).mean(axis=0)
    ...         self.components_ = np.diag(1.0 / (spread + 1.0))
    ...         return self
    >>> quadruplets = np.array([[[0.0, 0.0], [0.0, 3.0], [0.0, 0.0], [1.0, 0.0]]])
    >>> learner = CloserPairScale().fit(quadruplets)
    >>> np.diag(learner.components_).tolist(), learner.predict(quadruplets).tolist()
    ([1.0, 0.25], [1])
    """

    _tuple_size = 4
    _closer_pair = (0, 1)
    _farther_pair = (2, 3)


def check_chunks(chunks, n_samples):
    """Validate chunk labels, one per sample: −1 for no chunk, any other integer ≥ 0 a chunk.

    Returns
    -------
    chunks : ndarray of shape (n_samples,), intp
        The chunks renumbered 0..n_chunks − 1 in increasing order of their labels,
        −1 kept for the points in no chunk.
    """
    chunks = np.asarray(chunks)
    if chunks.ndim == 2 and chunks.shape[1] == 1:
        chunks = chunks.ravel()
    if chunks.ndim != 1:
        raise ValueError(
            f"chunks must be a 1-D array of one label per sample, got shape {chunks.shape}."
        )
    if chunks.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} samples but chunks has {chunks.shape[0]} labels.")
    if chunks.dtype.kind not in "iuf" or (
        chunks.dtype.kind == "f" and not np.all(np.isfinite(chunks) & (chunks == np.round(chunks)))
    ):
        raise ValueError(
            f"Unknown label type for chunks: they must be integer labels (−1 for no chunk), "
            f"got dtype {chunks.dtype}."
        )
    if np.any(chunks < -1):
        raise ValueError(f"chunks must be −1 (no chunk) or ≥ 0, got {chunks.min()}.")
    in_chunk = chunks >= 0
    encoded = np.unique(chunks[in_chunk], return_inverse=True)[1]
    renumbered = np.full(n_samples, -1, dtype=np.intp)
    renumbered[in_chunk] = encoded
    if not np.any(np.bincount(encoded, minlength=1) >= 2):
        raise ValueError(
            "No chunk has two samples: chunks must group points known to share a class."
        )
    return renumbered


def chunks_of_indices(chunk_indices, n_samples):
    """Chunk labels per sample (−1: none) from an (n_chunks, chunk_size) array of indices."""
    chunk_indices = np.asarray(chunk_indices)
    chunks = np.full(n_samples, -1, dtype=np.intp)
    chunks[chunk_indices.ravel()] = np.repeat(
        np.arange(chunk_indices.shape[0]), chunk_indices.shape[1]
    )
    return chunks


class ChunksMixin:
    """Face of learners that fit on points X and chunks: groups of points known to share a class.

    ``fit(X, y)`` takes in y one chunk label per sample, −1 for a point in no
    chunk (metric-learn's convention, where the argument is called ``chunks``);
    :func:`mlearn.constraints.chunks_from_labels` draws chunks from class labels.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from mlearn.base import ChunksMixin, MahalanobisMixin
    >>> class ChunkSpread(ChunksMixin, MahalanobisMixin, BaseEstimator):
    ...     def fit(self, X, y):
    ...         X, chunks = self._validate_chunks(X, y)
    ...         inside = X[chunks >= 0]
    ...         self.components_ = np.diag(1 / inside.std(axis=0))
    ...         return self
    >>> X = np.array([[0.0, 0.0], [2.0, 1.0], [9.0, 9.0], [0.0, 5.0]])
    >>> np.diag(ChunkSpread().fit(X, [0, 0, -1, -1]).components_).tolist()
    [1.0, 2.0]
    """

    def _validate_chunks(self, X, chunks):
        """Validate (X, chunks); return X and the chunks renumbered 0..n_chunks − 1 (−1: none).

        A dask X is returned as it is (checked for shape and dtype) for a learner
        whose fit keeps it on the cluster (``_fits_on_dask``); the chunks are
        brought into memory.
        """
        X = points_of(self, X)
        if is_dask_array(X) and getattr(self, "_fits_on_dask", False):
            if X.ndim != 2 or X.dtype.kind not in "biuf":
                raise ValueError(f"Expected a 2-D numeric dask array X, got {X.ndim}-D {X.dtype}.")
            self.n_features_in_ = X.shape[1]
            return X, check_chunks(labels_in_memory(chunks), X.shape[0])
        X, chunks = validate_data(
            self, X, chunks, dtype=[np.float64, np.float32], ensure_min_samples=2, y_numeric=False
        )
        return X, check_chunks(chunks, X.shape[0])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
