"""Pictures of a learned metric: the embedding, the matrix M and its spectrum.

matplotlib is optional (``pip install "mlearn-metric[plot]"``); it is imported when a function is
called, so ``import mlearn.plotting`` always works.

- `plot_embedding`: the data mapped by a learner, ``X Lᵀ``, as a 2-D scatter coloured by class;
  with ``before_after=True`` the input space and the learned space side by side. Spaces of more
  than two dimensions are shown on their two leading principal components.
- `plot_metric`: a heatmap of the Mahalanobis matrix M = LᵀL, on a colour scale symmetric about
  zero so that positive and negative couplings read alike.
- `plot_spectrum`: the eigenvalues λ₁ ≥ … ≥ λ_d ≥ 0 of M with the effective rank
  exp(H(p)), p_i = λ_i / Σ_j λ_j (Roy & Vetterli 2007), which is d for M ∝ I and 1 for a
  rank-one M. A learner that concentrates the metric on a few directions shows a small one.

Every function takes ``ax=`` to draw into existing axes and returns the Axes it drew on.
"""

import numpy as np
from sklearn.decomposition import PCA
from sklearn.utils.validation import check_is_fitted

from .psd import sym_eigh


def _pyplot():
    """Import matplotlib.pyplot, or raise an ImportError naming the ``plot`` extra."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            'mlearn.plotting needs matplotlib: pip install "mlearn-metric[plot]" (or matplotlib)'
        ) from error
    return plt


def _metric_matrix(estimator_or_M):
    """Return M of a fitted Mahalanobis learner, or the given square matrix as float64."""
    if hasattr(estimator_or_M, "get_mahalanobis_matrix"):
        check_is_fitted(estimator_or_M)
        M = estimator_or_M.get_mahalanobis_matrix()
    else:
        M = np.asarray(estimator_or_M, dtype=np.float64)
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] == 0:
        raise ValueError(f"M must be a non-empty square matrix, got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        raise ValueError("M contains NaN or infinity")
    return M


def effective_rank(M):
    """Return the effective rank exp(H(p)) of a PSD matrix, p the normalised eigenvalues.

    Parameters
    ----------
    M : array-like of shape (d, d)
        Symmetric positive semi-definite; negative rounding-level eigenvalues count as zero.

    Returns
    -------
    float
        Between 1 (rank one) and d (M ∝ I); 0 for M = 0.

    References
    ----------
    O. Roy and M. Vetterli, "The effective rank: a measure of effective dimensionality",
    European Signal Processing Conference, 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.plotting import effective_rank
    >>> round(effective_rank(np.eye(4)), 6), round(effective_rank(np.diag([1.0, 0, 0])), 6)
    (4.0, 1.0)
    """
    eigenvalues = np.clip(sym_eigh(_metric_matrix(M))[0], 0.0, None)
    total = eigenvalues.sum()
    if total == 0:
        return 0.0
    p = eigenvalues[eigenvalues > 0] / total
    return float(np.exp(-np.sum(p * np.log(p))))


def _planar(Z):
    """Return 2-D coordinates of Z and the axis labels: Z itself, padded, or its top 2 PCs."""
    if Z.shape[1] > 2:
        return PCA(n_components=2).fit_transform(Z), ("PC 1", "PC 2")
    if Z.shape[1] == 2:
        return Z, ("dimension 1", "dimension 2")
    return np.column_stack([Z[:, 0], np.zeros(len(Z))]), ("dimension 1", "")


def _scatter(ax, Z, y, title, cmap):
    """Scatter 2-D coordinates of Z on ax, one collection per class, with a legend."""
    coordinates, (xlabel, ylabel) = _planar(Z)
    classes = np.unique(y)
    colours = _pyplot().get_cmap(cmap, max(len(classes), 2))
    for index, label in enumerate(classes):
        mask = y == label
        ax.scatter(*coordinates[mask].T, s=12, color=colours(index), label=str(label))
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(title="class", fontsize="small", markerscale=1.5)
    return ax


def _embedding(estimator_or_embedding, X):
    """Return the embedding of X to draw and its default title."""
    if estimator_or_embedding is None:
        return X, "input space"
    if hasattr(estimator_or_embedding, "transform"):
        check_is_fitted(estimator_or_embedding)
        return np.asarray(estimator_or_embedding.transform(X)), type(
            estimator_or_embedding
        ).__name__
    Z = np.asarray(estimator_or_embedding)
    if Z.ndim != 2 or len(Z) != len(X):
        raise ValueError(f"the embedding must be 2-D with one row per sample of X, got {Z.shape}")
    return Z, "embedding"


def plot_embedding(
    estimator_or_embedding, X, y, *, before_after=False, ax=None, title=None, cmap="tab10"
):
    """Scatter the learned embedding of X, coloured by class; optionally before and after.

    Parameters
    ----------
    estimator_or_embedding : fitted transformer, array-like or None
        A transformer's ``transform`` maps X to the learned space (for a Mahalanobis
        learner, X Lᵀ); an array of shape (n_samples, n_components) is an embedding of X
        computed elsewhere (a deep model's output, say); None plots X itself.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Class labels; one colour, one legend entry and one scatter collection per class.
    before_after : bool, default=False
        Draw two panels: X as given ("before") and the embedding ("after").
    ax : Axes, or a pair of Axes when ``before_after``, optional
        Where to draw; a new figure is made when None.
    title : str, optional
        Title of the (after) panel; by default the estimator's class name, "embedding" for
        an array, "input space" for None.
    cmap : str, default="tab10"
        Colormap for the classes.

    Returns
    -------
    Axes, or ndarray of two Axes when ``before_after``
        Embeddings of more than two dimensions are drawn on their two leading principal
        components (axes labelled "PC 1", "PC 2").

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from mlearn import Covariance
    >>> from mlearn.plotting import plot_embedding
    >>> X, y = load_iris(return_X_y=True)
    >>> before, after = plot_embedding(Covariance().fit(X), X, y, before_after=True)
    >>> after.get_title(), len(after.collections)
    ('after: Covariance', 3)
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(f"X must be 2-D with one row per label, got {X.shape} and {y.shape}")
    Z, default_title = _embedding(estimator_or_embedding, X)
    title = default_title if title is None else title
    plt = _pyplot()
    if not before_after:
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 4.5), layout="constrained")
        return _scatter(ax, Z, y, title, cmap)
    if ax is None:
        _, ax = plt.subplots(1, 2, figsize=(10, 4.5), layout="constrained")
    ax = np.asarray(ax, dtype=object).ravel()
    if ax.shape != (2,):
        raise ValueError("with before_after=True, ax must be a pair of Axes")
    _scatter(ax[0], X, y, "before: input space", cmap)
    _scatter(ax[1], Z, y, f"after: {title}", cmap)
    return ax


def plot_metric(estimator_or_M, *, ax=None, feature_names=None, cmap="RdBu_r", colorbar=True):
    """Draw the Mahalanobis matrix M as a heatmap, on a colour scale symmetric about zero.

    Parameters
    ----------
    estimator_or_M : fitted Mahalanobis learner or array-like of shape (d, d)
        A learner's ``get_mahalanobis_matrix()`` is drawn; a matrix is drawn as given.
    ax : Axes, optional
    feature_names : list of str, optional
        Tick labels; by default the learner's ``feature_names_in_`` when it has them, else
        indices.
    cmap : str, default="RdBu_r"
    colorbar : bool, default=True
        Add a colorbar labelled "M_ij".

    Returns
    -------
    Axes

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.plotting import plot_metric
    >>> ax = plot_metric(np.array([[2.0, -1.0], [-1.0, 2.0]]))
    >>> ax.get_title(), ax.images[0].get_clim()
    ('Mahalanobis matrix M', (-2.0, 2.0))
    """
    M = _metric_matrix(estimator_or_M)
    if feature_names is None:
        feature_names = getattr(estimator_or_M, "feature_names_in_", None)
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5), layout="constrained")
    limit = float(np.abs(M).max()) or 1.0
    image = ax.imshow(M, cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest")
    if feature_names is not None and len(feature_names) == len(M):
        ticks = np.arange(len(M))
        ax.set_xticks(ticks, [str(n) for n in feature_names], rotation=90)
        ax.set_yticks(ticks, [str(n) for n in feature_names])
    ax.set(title="Mahalanobis matrix M", xlabel="feature j", ylabel="feature i")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="M_ij")
    return ax


def plot_spectrum(estimator_or_M, *, ax=None, log=True):
    """Plot the eigenvalues of M in decreasing order and mark its effective rank.

    Parameters
    ----------
    estimator_or_M : fitted Mahalanobis learner or array-like of shape (d, d)
    ax : Axes, optional
    log : bool, default=True
        Logarithmic y axis (eigenvalues at rounding level of zero are left out of it).

    Returns
    -------
    Axes
        One bar per eigenvalue; a dashed vertical line at the effective rank, named in the
        legend.

    See Also
    --------
    effective_rank : the number marked.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.plotting import plot_spectrum
    >>> ax = plot_spectrum(np.diag([4.0, 1.0, 0.0]))
    >>> len(ax.patches), ax.get_legend().get_texts()[0].get_text()
    (3, 'effective rank 1.65')
    """
    M = _metric_matrix(estimator_or_M)
    eigenvalues = np.clip(sym_eigh(M)[0][::-1], 0.0, None)
    rank = effective_rank(M)
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
    positions = np.arange(1, len(eigenvalues) + 1)
    ax.bar(positions, eigenvalues, color="tab:blue")
    ax.axvline(rank, color="tab:red", linestyle="--", label=f"effective rank {rank:.2f}")
    positive = eigenvalues[eigenvalues > eigenvalues.max() * 1e-12]
    if log and positive.size:
        ax.set_yscale("log")
        ax.set_ylim(bottom=positive.min() / 2)
    ax.set(title="spectrum of M", xlabel="eigenvalue index", ylabel="eigenvalue")
    ax.legend()
    return ax
