"""The RCA estimators: from chunks (RCA) and from class labels (RCASupervised)."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval

from .._validation import check_n_components, float_dtype
from ..base import ChunksMixin, MahalanobisMixin, SupervisedMixin, chunks_of_indices, points_of
from ..constraints import chunks_from_labels
from ._statistics import ChunkStatistics
from ._whitening import rca_components


class _BaseRCA(MahalanobisMixin, BaseEstimator):
    """The parameters and the fit that RCA and RCASupervised share."""

    _parameter_constraints: dict = {
        "n_components": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "preprocessor": ["array-like", callable, None],
    }

    # The chunk statistics are sums over rows: a dask X stays on the cluster.
    _fits_on_dask = True

    def _fit_chunks(self, X, chunks):
        """Learn L from (X, chunks renumbered 0..n_chunks − 1, −1: none); set ``components_``."""
        n_components = check_n_components(self.n_components, X.shape[1])
        # No BLAS-thread limit, as for LFDA: its set-up costs more than these d × d sums.
        statistics = self._evaluator(ChunkStatistics, X, chunks, by="rows")
        counts, sums = statistics.chunk_sums(int(chunks.max()) + 1)
        n_points = counts.sum()
        means = sums / np.maximum(counts, 1)[:, None]
        total, within = statistics.centred_scatters(sums.sum(axis=0) / n_points, means)
        if not np.any(within):
            raise ValueError(
                "The points of every chunk are identical: there is no within-chunk "
                "variance to learn from."
            )
        # Ĉ divides by the points in chunks (Bar-Hillel et al. 2005, eq. 1); the
        # scale of S_t only enters through its eigenvectors.
        L = rca_components(within / n_points, total / max(n_points - 1, 1), n_components)
        self.components_ = L.astype(float_dtype(X), copy=False)
        self.n_chunks_ = int(np.sum(counts > 0))


class RCA(ChunksMixin, _BaseRCA):
    """Relevant Components Analysis from chunks: points known to share a class.

    Learns the metric M = Ĉ⁻¹, with Ĉ the within-chunk covariance

        Ĉ = (1/p) Σ_j Σ_{i ∈ chunk j} (x_i − m_j)(x_i − m_j)ᵀ,

    (m_j the mean of chunk j, p the number of points in chunks), so that
    ``transform`` whitens the variability within chunks: directions in which
    points of one class vary get small weight. When Ĉ is singular, the data
    are first reduced by PCA to rank(Ĉ) dimensions (with a warning); when
    ``n_components`` is smaller, Fisher's criterion picks the directions (see
    :mod:`mlearn.rca`).

    Parameters
    ----------
    n_components : int, default=None
        Rows of ``components_``. Below the dimension RCA whitens (n_features,
        or rank(Ĉ) when Ĉ is singular), the directions of least within-chunk
        variance relative to the total variance are kept; rows beyond it are
        zero. None keeps n_features rows.
    preprocessor : array-like of shape (n_points, n_features) or callable, default=None
        If given, X holds one index into it (or identifier for the callable)
        per sample, and the points are the preprocessor's.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        The learned map L (M = LᵀL); X's float dtype.
    n_chunks_ : int
        Number of chunks seen during fit.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string feature names.

    See Also
    --------
    RCASupervised : the same learner, its chunks drawn from class labels.

    References
    ----------
    N. Shental, T. Hertz, D. Weinshall and M. Pavel, "Adjustment learning and
    relevant component analysis", ECCV 2002. A. Bar-Hillel, T. Hertz, N.
    Shental and D. Weinshall, "Learning a Mahalanobis metric from equivalence
    constraints", Journal of Machine Learning Research 6, 937-965, 2005.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn import RCA
    >>> X = np.array([[-0.05, 3.0], [0.05, -3.0], [0.1, -3.55], [-0.1, 3.55],
    ...               [-0.95, -0.05], [0.95, 0.05], [0.4, 0.05], [-0.4, -0.05]])
    >>> chunks = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    >>> Z = RCA().fit(X, chunks).transform(X)
    >>> residual = Z - np.array([Z[chunks == c].mean(axis=0) for c in chunks])
    >>> np.allclose(residual.T @ residual / len(Z), np.eye(2))  # whitened within chunks
    True
    """

    def __init__(self, n_components=None, *, preprocessor=None):
        self.n_components = n_components
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn the metric from points and their chunks.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            Training points (or, with ``preprocessor``, one index per sample).
            A dask array stays on the cluster: the chunk statistics are summed
            over its row blocks.
        y : array-like of shape (n_samples,), int
            The chunks: ``y[i] = j`` puts point i in chunk j, −1 in none
            (metric-learn's ``chunks`` argument; named ``y`` as scikit-learn
            requires of a second argument to ``fit``).

        Returns
        -------
        self : RCA
        """
        X, chunks = self._validate_chunks(X, y)
        self._fit_chunks(X, chunks)
        return self


class RCASupervised(SupervisedMixin, _BaseRCA):
    """Relevant Components Analysis with chunks drawn from class labels.

    Draws ``n_chunks`` disjoint chunks of ``chunk_size`` points, each from a
    single class (:func:`mlearn.constraints.chunks_from_labels`), and learns
    from them with the very fit of :class:`RCA`: the metric M = Ĉ⁻¹, with

        Ĉ = (1/p) Σ_j Σ_{i ∈ chunk j} (x_i − m_j)(x_i − m_j)ᵀ.

    Parameters
    ----------
    n_components : int, default=None
        Rows of ``components_``. Below the dimension RCA whitens (n_features,
        or rank(Ĉ) when Ĉ is singular), the directions of least within-chunk
        variance relative to the total variance are kept; rows beyond it are
        zero. None keeps n_features rows.
    n_chunks : int, default=100
        Number of chunks to draw (fewer, with a warning, when the classes hold
        fewer disjoint chunks). Ĉ has rank at most n_chunks·(chunk_size − 1).
    chunk_size : int, default=2
        Points per chunk (at least 2).
    random_state : int, RandomState instance or None, default=None
        Seeds the draw of the chunks.
    preprocessor : array-like of shape (n_points, n_features) or callable, default=None
        If given, X holds one index into it (or identifier for the callable)
        per sample, and the points are the preprocessor's.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        The learned map L (M = LᵀL); X's float dtype.
    n_chunks_ : int
        Number of chunks seen during fit.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string feature names.
    classes_ : ndarray of shape (n_classes,)
        The class labels seen during fit.

    See Also
    --------
    RCA : the same learner from given chunks.

    References
    ----------
    N. Shental, T. Hertz, D. Weinshall and M. Pavel, "Adjustment learning and
    relevant component analysis", ECCV 2002. A. Bar-Hillel, T. Hertz, N.
    Shental and D. Weinshall, "Learning a Mahalanobis metric from equivalence
    constraints", Journal of Machine Learning Research 6, 937-965, 2005.

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from mlearn import RCASupervised
    >>> X, y = load_wine(return_X_y=True)
    >>> rca = RCASupervised(n_chunks=50, random_state=0)
    >>> model = make_pipeline(rca, KNeighborsClassifier())
    >>> print(round(cross_val_score(model, X, y).mean(), 2))
    0.98
    """

    _parameter_constraints: dict = {
        **_BaseRCA._parameter_constraints,
        "n_chunks": [Interval(numbers.Integral, 1, None, closed="left")],
        "chunk_size": [Interval(numbers.Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self, n_components=None, *, n_chunks=100, chunk_size=2, random_state=None, preprocessor=None
    ):
        self.n_components = n_components
        self.n_chunks = n_chunks
        self.chunk_size = chunk_size
        self.random_state = random_state
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Draw chunks from the labels and learn the metric from them.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            Training points (or, with ``preprocessor``, one index per sample).
            A dask array stays on the cluster.
        y : array-like of shape (n_samples,)
            Class labels; at least two classes.

        Returns
        -------
        self : RCASupervised
        """
        X, y = self._validate_supervised(points_of(self, X), y)
        drawn = chunks_from_labels(
            y, self.n_chunks, self.chunk_size, random_state=self.random_state
        )
        self._fit_chunks(X, chunks_of_indices(drawn, X.shape[0]))
        return self
