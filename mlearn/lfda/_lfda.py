"""The LFDA estimator: local Fisher discriminant analysis from class labels."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from .._validation import check_n_components
from ..base import MahalanobisMixin, SupervisedMixin, points_in_memory, points_of
from ._embedding import lfda_components
from ._scatters import local_scatters


class LFDA(SupervisedMixin, MahalanobisMixin, BaseEstimator):
    """Local Fisher Discriminant Analysis (Sugiyama 2007).

    Fisher discriminant analysis in which each pair of points of one class is
    weighted by its affinity A_ij = exp(−‖x_i − x_j‖² / σ_iσ_j) (σ_i: distance
    to the k-th nearest neighbour in the class), so that a class made of
    several separate clusters need not be squeezed into one. The embedding
    maximises the local between-class scatter relative to the local
    within-class scatter,

        max_T  tr((Tᵀ S_lw T)⁻¹ Tᵀ S_lb T),

    solved in closed form by the generalised eigenproblem S_lb φ = λ S_lw φ
    (see :mod:`mlearn.lfda`).

    Parameters
    ----------
    n_components : int, default=None
        Rows of ``components_``: the leading eigenvectors kept. None keeps
        n_features (rows beyond the rank of the data are zero).
    k : int, default=7
        The neighbour whose distance sets each point's local scale σ_i (the
        point itself is the 0-th), capped at its class size − 1. 7 is the
        paper's choice; metric-learn 0.7.0 defaults to min(7, n_features − 1).
    embedding_type : {'weighted', 'orthonormalized', 'plain'}, default='weighted'
        Rows of ``components_``: the eigenvectors φ_i scaled by √λ_i
        ('weighted', λ_i < 0 taken as 0), an orthonormal basis of their span
        ('orthonormalized', which with n_components = n_features is the
        Euclidean metric) or the eigenvectors normalised by φᵀ S_lw φ = 1
        ('plain').
    preprocessor : array-like of shape (n_points, n_features) or callable, default=None
        If given, X holds one index into it (or identifier for the callable)
        per sample, and the points are the preprocessor's.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        The learned map L (M = LᵀL); X's float dtype.
    eigenvalues_ : ndarray of shape (n_components,)
        The generalised eigenvalues λ of the kept directions, descending (0
        for the rows beyond the data's rank).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string feature names.
    classes_ : ndarray of shape (n_classes,)
        The class labels seen during fit.

    See Also
    --------
    sklearn.discriminant_analysis.LinearDiscriminantAnalysis : Fisher's
        global version (every within-class pair weighted equally).

    References
    ----------
    M. Sugiyama, "Dimensionality reduction of multimodal labeled data by local
    Fisher discriminant analysis", Journal of Machine Learning Research 8,
    1027-1061, 2007.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from mlearn import LFDA
    >>> X, y = load_iris(return_X_y=True)
    >>> model = make_pipeline(LFDA(n_components=2), KNeighborsClassifier())
    >>> print(round(cross_val_score(model, X, y).mean(), 2))
    0.96
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "k": [Interval(numbers.Integral, 1, None, closed="left")],
        "embedding_type": [StrOptions({"weighted", "orthonormalized", "plain"})],
        "preprocessor": ["array-like", callable, None],
    }

    def __init__(self, n_components=None, *, k=7, embedding_type="weighted", preprocessor=None):
        self.n_components = n_components
        self.k = k
        self.embedding_type = embedding_type
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn the LFDA embedding from labelled points.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training points (or, with ``preprocessor``, one index per sample).
            Needs the points in memory: the affinities are per-class
            neighbourhoods.
        y : array-like of shape (n_samples,)
            Class labels; at least two classes.

        Returns
        -------
        self : LFDA
        """
        X = points_in_memory(points_of(self, X), "LFDA (per-class neighbourhoods)")
        X, y = self._validate_supervised(X, y)
        n_components = check_n_components(self.n_components, X.shape[1])
        # No BLAS-thread limit (blas_threads_for): setting one up, threadpoolctl scanning
        # the loaded libraries, took 19 ms per fit here, more than the whole fit on iris
        # (11 ms without it, benchmarks/results/lfda_rca.md).
        between, within, total = local_scatters(X.astype(np.float64), y, self.k)
        L, eigenvalues = lfda_components(between, within, total, n_components, self.embedding_type)
        self.components_ = L.astype(X.dtype, copy=False)
        self.eigenvalues_ = eigenvalues
        return self
