"""Everything that follows from a learned bilinear similarity W: :class:`BilinearMixin`."""

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array, gen_batches
from sklearn.utils.validation import check_is_fitted

from .._blocks import rows_per_block
from .._validation import TUPLE_NAMES, _index_tuples
from ._mahalanobis import MahalanobisMixin
from ._points import points_of


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
