"""The starting point of every iterative learner: initial L (components) or initial M.

One meaning per name, whichever learner takes it:

- ``'identity'``: L = I (the first n_components rows of it), M = I;
- ``'random'``: L with independent standard normal entries drawn from
  ``random_state``; as a metric, M = LᵀL / n_features with L square (so that
  E[M] = I);
- ``'covariance'``: M = the inverse covariance of the training points (as
  :class:`mlearn.Covariance` learns it); as components, its factor truncated to
  n_components rows;
- ``'pca'``: the leading principal axes of the points;
- ``'lda'``: the leading discriminant axes (scikit-learn's
  ``LinearDiscriminantAnalysis.scalings_``, which have unit within-class
  variance); when n_components exceeds their number r = min(n_features,
  n_classes − 1), the remaining n_components − r rows are the leading
  principal axes of the points after the discriminant span is projected out
  (orthogonal to it and to each other), all scaled by one factor so that their
  mean within-class variance is that of the discriminant rows, 1;
- ``'auto'``: 'lda' when n_components ≤ min(n_features, n_classes − 1), else
  'pca' when n_components < min(n_features, n_samples), else 'identity'
  (metric-learn's rule) — taken on the standardised features when their
  spreads are in different units (the largest standard deviation more than
  ``DISPARATE_SCALE_RATIO`` times the median one), the start then being
  L₀ = A · diag(1/σ) for the start A of the standardised points. From the
  identity, the feature with the largest units decides every distance and the
  gradient of the others is too small to recover them in the iterations a fit
  takes (LMNN's kNN 0.29 from the identity, 0.97 from diag(1/σ) on
  :func:`mlearn.datasets.make_badly_scaled`; ``benchmarks/init_scaling.py``);
- an array: used as given, after its shape, finiteness (and for a metric, PSD)
  are checked.

A learner lists the names it accepts in its ``_parameter_constraints``; the
meaning of each comes from here.
"""

import numpy as np
import scipy.linalg
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.utils import check_random_state

from ._validation import check_n_components
from .psd import (
    PSD_RTOL,
    check_psd,
    components_from_metric,
    inverse_covariance_components,
    metric_from_components,
)

#: Feature spreads farther apart than this (largest standard deviation over the median
#: one) mean features in different units, for which 'auto' standardises first. Raw
#: wine (388), breast_cancer (7.8e3) and the badly scaled generator (371) are above it;
#: digits (1.5), iris (2.2), MNIST (2.1), Fashion-MNIST after PCA to 100 (14) below
#: (``benchmarks/init_scaling.py``).
DISPARATE_SCALE_RATIO = 100.0


def disparate_feature_scales(std):
    """The per-feature divisors of an 'auto' start, or None when the features share units.

    Parameters
    ----------
    std : ndarray of shape (n_features,)
        The features' standard deviations.

    Returns
    -------
    scales : ndarray of shape (n_features,) or None
        ``std`` with constant features (spread ≤ 1e-12 of the largest) set to 1,
        when the largest spread exceeds ``DISPARATE_SCALE_RATIO`` times the
        median of the non-constant ones; None otherwise.
    """
    std = np.asarray(std, dtype=np.float64)
    varying = std > 1e-12 * std.max(initial=0.0)
    if not varying.any() or std.max() <= DISPARATE_SCALE_RATIO * np.median(std[varying]):
        return None
    return np.where(varying, std, 1.0)


def tuple_point_scales(X, tuples):
    """:func:`disparate_feature_scales` of the points that ``tuples`` index into X.

    Each index counts once; the points are not compared by value (a tuple learner's
    'auto' prior only compares σ against a 100× threshold, and the comparison would
    double the fit time of a small LSML or SDML).
    """
    rows = np.unique(tuples)
    return disparate_feature_scales(np.asarray(X[rows].std(axis=0), dtype=np.float64))


def resolve_components_init(init, n_components, n_features, n_classes=None, n_samples=None):
    """The name that ``init`` stands for ('auto' resolved), or the checked array (a copy).

    Parameters
    ----------
    init : str or array-like of shape (n_components, n_features)
    n_components : int or None
        None means n_features.
    n_features : int
    n_classes : int or None
        Needed by 'auto' (which picks 'lda' only with labels).
    n_samples : int or None
        'auto' picks 'pca' only for n_components < n_samples (None: no bound).
    """
    k = check_n_components(n_components, n_features)
    if not isinstance(init, str):
        L = np.array(init, dtype=np.float64)
        if L.ndim != 2 or L.shape[1] != n_features:
            raise ValueError(f"init must have shape (n_components, {n_features}), got {L.shape}.")
        if n_components is not None and L.shape[0] != n_components:
            raise ValueError(f"init has {L.shape[0]} rows but n_components={n_components}.")
        if not np.all(np.isfinite(L)):
            raise ValueError("init contains NaN or infinity.")
        return L
    if init != "auto":
        return init
    if n_classes is not None and k <= min(n_features, n_classes - 1):
        return "lda"
    n_samples = n_features if n_samples is None else n_samples
    return "pca" if k < min(n_features, n_samples) else "identity"


def initial_components(init, X, y=None, *, n_components=None, random_state=None):
    """The initial L (n_components × n_features, float64 unless an array in X's dtype).

    Parameters
    ----------
    init : str or ndarray
        See the module docstring; 'lda' needs ``y``.
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,), optional
        Class labels encoded 0..n_classes − 1.
    """
    n_classes = None if y is None else int(np.max(y)) + 1
    scales = disparate_feature_scales(X.std(axis=0)) if is_auto(init) and X.shape[0] else None
    if scales is not None:
        L = initial_components(
            init,
            X / scales.astype(X.dtype),
            y,
            n_components=n_components,
            random_state=random_state,
        )
        return (L / scales).astype(L.dtype, copy=False)
    init = resolve_components_init(init, n_components, X.shape[1], n_classes, X.shape[0])
    if isinstance(init, np.ndarray):
        return init.astype(X.dtype, copy=False)
    k = check_n_components(n_components, X.shape[1])
    if init == "identity":
        return np.eye(k, X.shape[1], dtype=X.dtype)
    if init == "random":
        return check_random_state(random_state).standard_normal((k, X.shape[1]))
    if init == "covariance":
        M = metric_from_components(inverse_covariance_components(X))
        return components_from_metric(M, k, check=False)
    if init == "pca":
        return PCA(n_components=k, random_state=random_state).fit(X).components_
    n_classes = np.unique(y).shape[0]
    lda = LinearDiscriminantAnalysis().fit(X, y)
    discriminant = lda.scalings_.T[: min(k, X.shape[1], n_classes - 1)]
    if discriminant.shape[0] == k:
        return discriminant
    X = np.asarray(X, dtype=np.float64)
    total = np.cov(X, rowvar=False, bias=True).reshape(X.shape[1], X.shape[1])
    centred = X - lda.means_[np.searchsorted(lda.classes_, y)]
    within = centred.T @ centred / X.shape[0]
    return padded_discriminant_axes(discriminant, k, total, within)


def is_auto(value):
    """Whether an ``init`` or ``prior`` parameter is the string 'auto' (arrays are not)."""
    return isinstance(value, str) and value == "auto"


def padded_discriminant_axes(discriminant, n_components, total, within):
    """The r discriminant rows followed by n_components − r residual principal axes.

    The residual axes are the leading eigenvectors of the total covariance
    ``total`` restricted to the orthogonal complement of the discriminant rows'
    span; one common factor gives them a mean within-class variance (under
    ``within``) of 1, the within-class variance of every discriminant row, so
    that neither group dominates the starting distances by its scale alone.
    One factor, not one per axis: an axis of almost no within-class variance
    (a constant pixel) is not blown up.
    """
    n_features = total.shape[0]
    basis, _ = np.linalg.qr(discriminant.T)
    complement = np.eye(n_features) - basis @ basis.T
    _, vectors = scipy.linalg.eigh(complement @ total @ complement)
    # Vectors of the discriminant span have eigenvalue 0 as well; those of the
    # complement are projected back onto it (exact up to rounding), then
    # re-orthonormalised, so that no discriminant direction is repeated.
    vectors = complement @ vectors[:, ::-1]
    kept = np.linalg.norm(vectors, axis=0) > 0.5
    residual, _ = np.linalg.qr(vectors[:, kept][:, : n_components - discriminant.shape[0]])
    spread = np.einsum("ij,ik,kj->j", residual, within, residual).mean()
    scale = 1.0 / np.sqrt(spread) if spread > 0 else 1.0
    return np.vstack([discriminant, scale * residual.T])


def components_from_scatters(init, n_components, counts, class_sums, total_scatter_of):
    """'pca' or 'lda' initial L from class counts and sums, without the points.

    For a fit whose points live elsewhere (row blocks on a cluster): the caller
    sums ``counts`` (n_classes,) and ``class_sums`` (n_classes × d) over the
    blocks, and ``total_scatter_of(mean, class_means)`` returns the scatter
    about the grand mean and about the class means, both d × d, also summed.

    PCA's axes are the leading eigenvectors of the covariance; LDA's are the
    generalised eigenvectors of the between-class scatter against the
    within-class covariance (scatter / n, which gives them unit within-class
    variance, as scikit-learn's ``scalings_`` have), with a relative
    ridge that keeps a singular within-class scatter solvable, padded beyond
    min(n_features, n_classes − 1) rows as the in-memory 'lda' start
    (:func:`padded_discriminant_axes`).
    """
    n_samples, n_features = counts.sum(), class_sums.shape[1]
    mean = class_sums.sum(axis=0) / n_samples
    class_means = class_sums / np.maximum(counts, 1)[:, None]
    total, within = total_scatter_of(mean, class_means)
    if init == "pca":
        _, vectors = scipy.linalg.eigh(total / max(n_samples - 1, 1))
        return vectors[:, ::-1][:, :n_components].T
    between = (counts[:, None] * (class_means - mean)).T @ (class_means - mean)
    n_classes = int(np.count_nonzero(counts))
    covariance = within / n_samples
    ridged = covariance + 1e-10 * np.trace(covariance) / n_features * np.eye(n_features)
    _, vectors = scipy.linalg.eigh(between, ridged)
    n_discriminant = min(n_components, n_features, n_classes - 1)
    discriminant = vectors[:, ::-1][:, :n_discriminant].T
    if n_discriminant == n_components:
        return discriminant
    total_covariance = total / n_samples
    return padded_discriminant_axes(discriminant, n_components, total_covariance, covariance)


def initial_metric(init, n_features, *, inverse_covariance=None, random_state=None, name="init"):
    """The initial M (n_features × n_features, float64, PSD).

    Parameters
    ----------
    init : {'identity', 'covariance', 'random'} or array-like of shape (d, d)
    n_features : int
    inverse_covariance : callable, optional
        Returns the inverse covariance of the training points; called only for
        'covariance' (so that a learner that starts elsewhere never computes it).
    random_state : int, RandomState instance or None
    name : str
        The parameter's name in error messages ('init', 'prior').
    """
    if isinstance(init, str):
        if init == "identity":
            return np.eye(n_features)
        if init == "covariance":
            return np.asarray(inverse_covariance(), dtype=np.float64)
        if init == "random":
            L = check_random_state(random_state).normal(size=(n_features, n_features))
            return L.T @ L / n_features
        raise ValueError(f"{name}={init!r} is not a starting metric.")
    M0 = np.asarray(init, dtype=np.float64)
    if M0.shape != (n_features, n_features):
        raise ValueError(
            f"{name} must have shape ({n_features}, {n_features}) (n_features squared), "
            f"got {M0.shape}."
        )
    return check_psd(M0, name=name)


def strictly_definite_prior(prior, n_features, *, inverse_covariance=None, random_state=None):
    """A prior metric M₀ ≻ 0 of :func:`initial_metric`; ValueError unless strictly definite.

    For the learners whose objective holds a LogDet term (log det M, or
    tr(M M₀⁻¹)), which needs an invertible prior. 'covariance' is refused when
    the covariance of the training points is singular (constant or collinear
    features), and so is any matrix whose smallest eigenvalue is at most
    ``PSD_RTOL`` times its largest.

    Parameters
    ----------
    prior : {'identity', 'covariance', 'random'} or array-like of shape (d, d)
    n_features : int
    inverse_covariance : callable, optional
        As for :func:`initial_metric`.
    random_state : int, RandomState instance or None

    Returns
    -------
    M0 : ndarray of shape (n_features, n_features), float64
    """
    M0 = initial_metric(
        prior,
        n_features,
        inverse_covariance=inverse_covariance,
        random_state=random_state,
        name="prior",
    )
    w = np.linalg.eigvalsh(M0)
    if not w[0] > PSD_RTOL * w[-1]:
        advice = (
            " (the covariance of the training points is singular: constant or collinear "
            "features; use prior='identity' or pass a matrix)"
            if isinstance(prior, str) and prior == "covariance"
            else ""
        )
        raise ValueError(
            f"prior must be strictly positive definite: its smallest eigenvalue is {w[0]:.3g} "
            f"(largest {w[-1]:.3g}){advice}."
        )
    return M0


def initial_bilinear(init, n_features):
    """The initial W of a bilinear similarity xᵀ W x' (float64), neither symmetric nor PSD
    required.

    Parameters
    ----------
    init : {'identity'} or array-like of shape (n_features, n_features)
        'identity': W = I, the dot product (Chechik et al. 2010 start there); an
        array is used as given, after its shape and finiteness are checked.
    n_features : int
    """
    if isinstance(init, str):
        if init == "identity":
            return np.eye(n_features)
        raise ValueError(f"init={init!r} is not a starting bilinear matrix.")
    W0 = np.asarray(init, dtype=np.float64)
    if W0.shape != (n_features, n_features):
        raise ValueError(
            f"init must have shape ({n_features}, {n_features}) (n_features squared), "
            f"got {W0.shape}."
        )
    if not np.all(np.isfinite(W0)):
        raise ValueError("init must be finite: it holds NaN or infinity.")
    return W0
