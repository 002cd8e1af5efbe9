"""Covariance: the whitening baseline, M = Σ⁻¹.

The Mahalanobis distance in its original sense (Mahalanobis 1936) uses the
inverse covariance of the data, d²(x, x') = (x − x')ᵀ Σ⁻¹ (x − x'). It needs no
labels and is the baseline every learned metric should beat: it removes
scale differences and linear correlations between features but knows nothing
of which points belong together.
"""

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils.validation import validate_data

from .base import MahalanobisMixin, points_of
from .psd import inverse_covariance_components


class Covariance(MahalanobisMixin, BaseEstimator):
    """Whitening metric: the inverse covariance of the training data.

    Learns M = Σ⁻¹ with Σ the sample covariance of X, so that ``transform``
    whitens the data (unit covariance in the embedded space).

    The covariance is factored as Σ = D R D with D the diagonal of standard
    deviations and R the correlation matrix, and M = D⁻¹ R⁺ D⁻¹ is formed from
    the pseudo-inverse R⁺. Working on R keeps the computation accurate when
    features have wildly different scales (say 1e-8 next to 1e8). When Σ is
    singular (constant features, collinear features, fewer samples than
    features) M is the Moore–Penrose-type inverse on the subspace the data
    spans: constant features get weight zero, directions of zero variance
    within the correlation matrix (relative eigenvalue below 1e-10 of the
    largest) are dropped: ``components_`` keeps n_features rows, one per
    remaining direction and zero rows after them, so that its shape does not
    depend on the data. No infinity or NaN is ever produced.

    Covariance has no ``n_components``:
    the best low-rank approximation of Σ⁻¹ keeps the directions of *smallest*
    variance, which is rarely what is wanted; for whitening restricted to the
    leading directions use ``sklearn.decomposition.PCA(whiten=True)``.

    Parameters
    ----------
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        What X stands for when it is given as an (n_samples,) array of
        identifiers: an array preprocessor is indexed by integer identifiers;
        a callable maps an array of identifiers of any kind (file names, keys)
        to their rows of features, each distinct identifier once. None: X
        holds the points.

    Attributes
    ----------
    components_ : ndarray of shape (n_features, n_features)
        The whitening map L with LᵀL = M: one row per direction of Σ's
        range, then zero rows (all zero if every feature is constant).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string feature names.

    See Also
    --------
    sklearn.decomposition.PCA : with ``whiten=True``, the same map restricted
        to the leading principal directions.

    References
    ----------
    P. C. Mahalanobis, "On the generalised distance in statistics",
    Proceedings of the National Institute of Sciences of India, 1936.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn import Covariance
    >>> X = np.random.default_rng(0).normal(size=(200, 3)) * [1.0, 10.0, 100.0]
    >>> Z = Covariance().fit_transform(X)
    >>> np.allclose(np.cov(Z, rowvar=False), np.eye(3))
    True
    """

    _parameter_constraints: dict = {"preprocessor": ["array-like", callable, None]}

    def __init__(self, preprocessor=None):
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the inverse covariance of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples,)
            Training data; at least 2 samples. A 1-D X holds identifiers into
            ``preprocessor``.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : Covariance
        """
        X = points_of(self, X)
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        L = inverse_covariance_components(X)
        # Zero rows past the rank, so that the shape does not depend on the data.
        self.components_ = np.zeros((X.shape[1], X.shape[1]), dtype=L.dtype)
        self.components_[: L.shape[0]] = L
        return self
