"""Distances and neighbours under several metrics, in blocks of query rows.

The distance from a query x to a point x_j is measured with the metric of x_j's
cluster, d(x, x_j)² = ‖L_g(j)(x − x_j)‖², as the paper measures the distance to
a target neighbour or an impostor; so a query needs no cluster of its own. A
block of queries gets its distances to the points of each cluster from one GEMM
in that cluster's embedding, ‖z‖² + ‖z_j‖² − 2 z·z_j, and no more than
``working_memory`` of distances is held at a time (:func:`mlearn._blocks.rows_per_block`).
"""

from numbers import Integral

import numpy as np
from sklearn.utils import gen_batches
from sklearn.utils.validation import check_is_fitted, validate_data

from .._blocks import rows_per_block
from ..base import points_of


class EmbeddedPoints:
    """Points Y split by cluster, each part embedded with its cluster's map.

    Parameters
    ----------
    Y : ndarray of shape (n_points, n_features)
    clusters : ndarray of shape (n_points,), int
    Ls : ndarray of shape (n_metrics, n_components, n_features)
    """

    def __init__(self, Y, clusters, Ls):
        self.n_points, self.Ls = Y.shape[0], Ls
        self.members = [np.flatnonzero(clusters == c) for c in range(Ls.shape[0])]
        self.embedded = [Y[m] @ L.T for m, L in zip(self.members, Ls, strict=True)]
        self.norms = [np.einsum("ij,ij->i", Z, Z) for Z in self.embedded]

    def distances(self, Q):
        """Squared distances from the rows of Q to every point: (n_queries, n_points)."""
        D = np.empty((Q.shape[0], self.n_points), dtype=Q.dtype)
        for L, m, Z, sq in zip(self.Ls, self.members, self.embedded, self.norms, strict=True):
            Zq = Q @ L.T
            D[:, m] = np.einsum("ij,ij->i", Zq, Zq)[:, None] + sq[None, :] - 2 * Zq @ Z.T
        return np.maximum(D, 0, out=D)

    def distance_blocks(self, Q):
        """(rows, squared distances) for blocks of query rows within ``working_memory``."""
        step = rows_per_block(3 * Q.itemsize * max(self.n_points, 1), Q.shape[0])
        for rows in gen_batches(Q.shape[0], step):
            yield rows, self.distances(Q[rows])


def nearest(points, Q, n_neighbors, *, exclude_self=False):
    """The ``n_neighbors`` nearest points of each query, nearest first: (distances, indices).

    With ``exclude_self``, Q are the points themselves and row i skips point i.
    Distances are square roots of the squared distances.
    """
    n_queries = Q.shape[0]
    dist = np.empty((n_queries, n_neighbors), dtype=Q.dtype)
    ind = np.empty((n_queries, n_neighbors), dtype=np.intp)
    for rows, D in points.distance_blocks(Q):
        if exclude_self:
            D[np.arange(D.shape[0]), np.arange(n_queries)[rows]] = np.inf
        part = np.argpartition(D, n_neighbors - 1, axis=1)[:, :n_neighbors]
        d_part = np.take_along_axis(D, part, axis=1)
        order = np.argsort(d_part, axis=1, kind="stable")
        ind[rows] = np.take_along_axis(part, order, axis=1)
        dist[rows] = np.sqrt(np.take_along_axis(d_part, order, axis=1))
    return dist, ind


def vote(neighbor_labels, n_classes):
    """The most frequent label of each row (the smallest among ties), as kNN votes."""
    counts = np.zeros((neighbor_labels.shape[0], n_classes), dtype=np.intp)
    np.add.at(counts, (np.arange(neighbor_labels.shape[0])[:, None], neighbor_labels), 1)
    return counts.argmax(axis=1)


class NeighborsOverClustersMixin:
    """The kNN face of a model with one map per cluster of its training points.

    The model sets ``components_`` (n_metrics × n_components × n_features),
    ``fit_X_``, ``fit_y_`` (encoded labels), ``labels_`` (the cluster of each
    training point), ``cluster_centers_``, ``classes_``, ``clustering`` and
    ``n_neighbors``.
    """

    def _checked_points(self, X):
        check_is_fitted(self, "components_")
        X = points_of(self, X)
        return validate_data(self, X, dtype=[np.float64, np.float32], reset=False)

    def _embedded_training_points(self):
        Ls = self.components_.astype(self.fit_X_.dtype, copy=False)
        return EmbeddedPoints(self.fit_X_, self.labels_, Ls)

    def assign_clusters(self, X):
        """The cluster (metric) a new point would belong to.

        The nearest of ``cluster_centers_`` (Euclidean, input space) with
        ``clustering='kmeans'``; the predicted class with ``clustering='classes'``.
        Only needed for distances *to* new points (``pairwise_distances`` with
        ``Y``): distances from a query are measured with the metrics of the
        points it is compared with.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)

        Returns
        -------
        clusters : ndarray of shape (n_queries,), int
        """
        X = self._checked_points(X)
        if self.clustering == "classes":
            return np.searchsorted(self.classes_, self.predict(X))
        centers = self.cluster_centers_.astype(X.dtype, copy=False)
        distances = (X**2).sum(axis=1)[:, None] - 2 * X @ centers.T + (centers**2).sum(axis=1)
        return distances.argmin(axis=1)

    def pairwise_distances(self, X, Y=None):
        """Distances d(x, y) = ‖L_g(y)(x − y)‖ from each row of X to each row of Y.

        Each distance is measured with the metric of its second point's
        cluster, so d(x, y) ≠ d(y, x) when x and y lie in different clusters.
        ``KNeighborsClassifier(metric='precomputed')`` fitted on
        ``pairwise_distances(X_train)`` and queried with
        ``pairwise_distances(X_test)`` makes this model's kNN predictions.
        Computed in blocks of rows of X within scikit-learn's ``working_memory``.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)
        Y : array-like of shape (n_points, n_features), default=None
            None: the training points (with their clusters ``labels_``);
            otherwise each row's cluster is given by :meth:`assign_clusters`.

        Returns
        -------
        distances : ndarray of shape (n_queries, n_points)
        """
        X = self._checked_points(X)
        if Y is None:
            points = self._embedded_training_points()
        else:
            Y = self._checked_points(Y)
            Ls = self.components_.astype(Y.dtype, copy=False)
            points = EmbeddedPoints(Y, self.assign_clusters(Y), Ls)
        X = X.astype(np.result_type(X, points.embedded[0]), copy=False)
        out = np.empty((X.shape[0], points.n_points), dtype=X.dtype)
        for rows, D in points.distance_blocks(X):
            out[rows] = np.sqrt(D)
        return out

    def kneighbors(self, X=None, n_neighbors=None, return_distance=True):
        """The nearest training points of each query, each measured with its own metric.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features), default=None
            None: the training points, each point not its own neighbour.
        n_neighbors : int, default=None
            None means ``n_neighbors``.
        return_distance : bool, default=True

        Returns
        -------
        distances : ndarray of shape (n_queries, n_neighbors)
            d(x, x_j) = ‖L_g(j)(x − x_j)‖, nearest first; only if ``return_distance``.
        indices : ndarray of shape (n_queries, n_neighbors)
            Indices of the neighbours into the training points.
        """
        check_is_fitted(self, "components_")
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        exclude_self = X is None
        Q = self.fit_X_ if exclude_self else self._checked_points(X)
        available = self.fit_X_.shape[0] - int(exclude_self)
        if not isinstance(k, Integral) or not 1 <= k <= available:
            raise ValueError(
                f"n_neighbors must be an integer in [1, {available}] (the training points"
                f"{' other than the query' if exclude_self else ''}); got {k!r}."
            )
        dist, ind = nearest(self._embedded_training_points(), Q, k, exclude_self=exclude_self)
        return (dist, ind) if return_distance else ind

    def predict(self, X):
        """The majority class among each query's ``n_neighbors`` nearest training points.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)

        Returns
        -------
        y : ndarray of shape (n_queries,)
            Ties go to the class that comes first in ``classes_``.
        """
        check_is_fitted(self, "components_")
        indices = self.kneighbors(X, min(self.n_neighbors, self.fit_X_.shape[0]), False)
        return self.classes_[vote(self.fit_y_[indices], self.classes_.shape[0])]

    def score(self, X, y, sample_weight=None):
        """The kNN accuracy: the fraction of X whose :meth:`predict` is its label.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)
        y : array-like of shape (n_queries,)
            True labels.
        sample_weight : array-like of shape (n_queries,), default=None
            Weights of the queries in the mean.

        Returns
        -------
        score : float
            The (weighted) mean of ``predict(X) == y``.
        """
        return float(np.average(self.predict(X) == np.asarray(y), weights=sample_weight))
