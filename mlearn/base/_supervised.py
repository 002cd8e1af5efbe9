"""Learners that take points X and class labels y: :class:`SupervisedMixin`."""

import numpy as np
from sklearn.utils.validation import validate_data

from .._dask import labels_in_memory
from .._validation import check_class_labels, is_dask_array
from ._points import _rows_unless_fitted_on_dask, points_of


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
