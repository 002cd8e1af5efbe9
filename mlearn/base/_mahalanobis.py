"""Everything that follows from a learned linear map L: :class:`MahalanobisMixin`."""

from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._dask import shard_rows, shard_tuples
from .._validation import TUPLE_NAMES, check_preprocessor, check_tuples, is_dask_array
from ..psd import metric_from_components
from ._distance import MahalanobisDistance
from ._points import _flat_dimensions, _paired_distances, _twin_hint, map_rows, points_of


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
