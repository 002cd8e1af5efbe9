"""The positive semidefinite (PSD) core shared by every learner.

A Mahalanobis metric is a matrix M ⪰ 0 and, equivalently, a linear map L with
M = LᵀL. Every learner in mlearn moves between the two forms and projects onto
the PSD cone through the functions of this module, so that the numerics of
those steps (symmetrisation, eigenvalue clipping, rank truncation, dtype) are
written and tested once.

Projection. For a square matrix A, the nearest PSD matrix in Frobenius norm is

    Π(A) = V max(Λ, 0) Vᵀ,   where  (A + Aᵀ)/2 = V Λ Vᵀ

(Higham 1988, "Computing a nearest symmetric positive semidefinite matrix").
With ``min_eigenvalue = ε > 0`` the eigenvalues are clipped to ε instead, the
nearest matrix with all eigenvalues ≥ ε. With ``shrink = t > 0`` the
eigenvalues are first shifted by −t: V max(Λ − t, ε) Vᵀ is the proximal
operator of t·tr(M) (the nuclear norm on the PSD cone) followed by the
projection, which is what nuclear-norm regularised learners need. The
projection onto the spectrahedron {N ⪰ 0, tr N = 1} projects the eigenvalues
onto the probability simplex instead.

Factorisation. ``components_from_metric`` returns L whose rows are
√λ_i v_iᵀ for the largest eigenvalues, so that LᵀL is the best rank-k PSD
approximation of M in Frobenius and spectral norm (Eckart–Young).
"""

import numpy as np
from scipy import linalg

from ._validation import check_n_components

__all__ = [
    "symmetrize",
    "sym_eigh",
    "project_psd",
    "project_spectrahedron",
    "components_from_metric",
    "metric_from_components",
    "whitening_components",
    "inverse_covariance_components",
    "check_psd",
    "is_psd",
]

# Relative tolerance below which an eigenvalue counts as zero: the docs promise that a
# learned M has smallest eigenvalue >= -1e-10 * its largest (docs/reliability.rst).
PSD_RTOL = 1e-10


def _as_float_square(A, name):
    A = np.asarray(A)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"{name} must be a square 2-D matrix, got shape {A.shape}.")
    if A.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {A.shape}).")
    if A.dtype not in (np.float32, np.float64):
        A = A.astype(np.float64)
    if not np.all(np.isfinite(A)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return A


def symmetrize(A):
    """Return the symmetric part (A + Aᵀ)/2 of a square matrix, in A's float dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.psd import symmetrize
    >>> symmetrize(np.array([[1.0, 2.0], [0.0, 1.0]]))
    array([[1., 1.],
           [1., 1.]])
    """
    A = _as_float_square(A, "A")
    return (A + A.T) / 2


def sym_eigh(A):
    """Eigendecomposition of the symmetric part of A, eigenvalues in ascending order.

    Parameters
    ----------
    A : array-like of shape (d, d)

    Returns
    -------
    eigenvalues : ndarray of shape (d,)
    eigenvectors : ndarray of shape (d, d)
        Columns are the unit eigenvectors; same float dtype as A.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.psd import sym_eigh
    >>> w, V = sym_eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> w
    array([1., 3.])
    """
    S = symmetrize(A)
    # The divide-and-conquer driver is the fastest LAPACK route for full spectra.
    w, V = linalg.eigh(S, driver="evd", check_finite=False)
    return w, V


def project_psd(A, *, min_eigenvalue=0.0, shrink=0.0):
    """Project a square matrix onto the PSD cone in Frobenius norm.

    Computes V max(Λ − shrink, min_eigenvalue) Vᵀ from the eigendecomposition
    V Λ Vᵀ of the symmetric part of A.

    Parameters
    ----------
    A : array-like of shape (d, d)
        Matrix to project; only its symmetric part matters.
    min_eigenvalue : float, default=0.0
        Floor for the eigenvalues; a positive value gives a strictly positive
        definite result.
    shrink : float, default=0.0
        Amount subtracted from every eigenvalue before clipping. With
        ``shrink=t`` the result is argmin_{M ⪰ 0} ½‖M − A‖²_F + t·tr(M), the
        proximal operator of the nuclear norm restricted to the PSD cone.

    Returns
    -------
    M : ndarray of shape (d, d)
        Symmetric PSD matrix of A's float dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.psd import project_psd
    >>> project_psd(np.array([[1.0, 0.0], [0.0, -2.0]]))
    array([[1., 0.],
           [0., 0.]])
    """
    if min_eigenvalue < 0:
        raise ValueError(f"min_eigenvalue must be >= 0, got {min_eigenvalue}.")
    if shrink < 0:
        raise ValueError(f"shrink must be >= 0, got {shrink}.")
    w, V = sym_eigh(A)
    w = np.maximum(w - shrink, min_eigenvalue).astype(V.dtype, copy=False)
    # (V * w) @ Vᵀ costs one GEMM; the symmetrisation removes rounding asymmetry.
    M = (V * w) @ V.T
    return (M + M.T) / 2


def project_spectrahedron(A):
    """Project a square matrix onto the spectrahedron {N ⪰ 0, tr N = 1} in Frobenius norm.

    With (A + Aᵀ)/2 = V Λ Vᵀ, the projection is V diag(μ) Vᵀ where μ is the
    Euclidean projection of the eigenvalues Λ onto the probability simplex
    (computed by sorting, Held, Wolfe & Crowder 1974).

    Parameters
    ----------
    A : array-like of shape (d, d)

    Returns
    -------
    N : ndarray of shape (d, d)
        Symmetric PSD matrix of trace 1, of A's float dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.psd import project_spectrahedron
    >>> project_spectrahedron(np.diag([2.0, 0.5, -1.0]))
    array([[1., 0., 0.],
           [0., 0., 0.],
           [0., 0., 0.]])
    """
    w, V = sym_eigh(A)
    desc = w[::-1]
    shift = (np.cumsum(desc) - 1) / np.arange(1, w.shape[0] + 1)
    # The largest k with desc[k] > shift[k] fixes the common shift of the kept eigenvalues.
    k = np.flatnonzero(desc > shift)[-1]
    w = np.maximum(w - shift[k], 0).astype(V.dtype, copy=False)
    N = (V * w) @ V.T
    return (N + N.T) / 2


def components_from_metric(M, n_components=None, *, rtol=PSD_RTOL, check=True):
    """Factor a PSD matrix M into L with LᵀL = M, rows ordered by eigenvalue.

    The rows of L are √λ_i v_iᵀ for the eigenpairs of M in decreasing order of
    λ_i. Eigenvalues below ``rtol`` times the largest count as zero, so by
    default L has as many rows as M's numerical rank (at least one). With
    ``n_components=k`` L has exactly k rows: the k largest eigenpairs, padded
    with zero rows if M's rank is below k. LᵀL is then the best rank-k PSD
    approximation of M (Eckart–Young).

    Parameters
    ----------
    M : array-like of shape (d, d)
        Symmetric positive semidefinite matrix.
    n_components : int or None, default=None
        Number of rows of L; None keeps the numerical rank.
    rtol : float, default=1e-10
        Relative threshold under which eigenvalues count as zero.
    check : bool, default=True
        Raise a ValueError if M is not PSD within ``rtol`` (see
        :func:`check_psd`); with False, negative eigenvalues are clipped.

    Returns
    -------
    L : ndarray of shape (n_components or rank, d)

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.psd import components_from_metric
    >>> L = components_from_metric(np.diag([4.0, 1.0, 0.0]))
    >>> L.round(6)
    array([[2., 0., 0.],
           [0., 1., 0.]])
    """
    M = _as_float_square(M, "M")
    d = M.shape[0]
    if n_components is not None:
        n_components = check_n_components(n_components, d)
    w, V = sym_eigh(M)
    if check:
        _raise_if_not_psd(w, rtol, "M")
    w, V = w[::-1], V[:, ::-1]
    rank = int(np.sum(w > _effective_rtol(rtol, w) * w[0])) if w[0] > 0 else 0
    k = max(rank, 1) if n_components is None else n_components
    keep = min(k, rank)
    L = np.zeros((k, d), dtype=V.dtype)
    L[:keep] = np.sqrt(w[:keep])[:, None] * V[:, :keep].T
    return L


def inverse_covariance_components(X):
    """L with LᵀL the inverse covariance of the points X (on the features that vary).

    The covariance is factored through the correlation matrix, each varying
    feature standardised first, so that features on very different scales keep
    their small eigenvalues; features whose spread is at rounding level of their
    magnitude are constant and get zero columns. X's float dtype is kept.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), n_samples >= 2

    Returns
    -------
    L : ndarray of shape (rank, n_features)
        At least one row: a zero row when no feature varies.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.psd import inverse_covariance_components
    >>> X = np.random.default_rng(0).normal(size=(500, 2)) * [1.0, 100.0]
    >>> L = inverse_covariance_components(X)
    >>> np.allclose(L.T @ L, np.linalg.inv(np.cov(X, rowvar=False)))
    True
    """
    centered = X - X.mean(axis=0)
    std = centered.std(axis=0, ddof=1)
    scale = np.maximum(np.abs(X).max(axis=0), np.finfo(X.dtype).tiny)
    varying = std > 100 * np.finfo(X.dtype).eps * scale
    L = np.zeros((1, X.shape[1]), dtype=X.dtype)
    if np.any(varying):
        standardized = centered[:, varying] / std[varying]
        correlation = standardized.T @ standardized / (X.shape[0] - 1)
        L_std = whitening_components(correlation)
        L = np.zeros((L_std.shape[0], X.shape[1]), dtype=X.dtype)
        L[:, varying] = L_std / std[varying]
    return L


def whitening_components(C, *, rtol=PSD_RTOL):
    """Factor the pseudo-inverse of a PSD matrix C: L with LᵀL = C⁺.

    With C = U diag(μ) Uᵀ, the rows of L are μ_i^(−1/2) u_iᵀ for the
    eigenvalues μ_i above ``rtol`` times the largest, in decreasing order of
    1/μ_i (the rows of the largest metric eigenvalues first, as in
    :func:`components_from_metric`). For a covariance C, x ↦ Lx whitens the
    data on the subspace it spans. Computing this from C directly, rather than
    factoring a computed inverse, keeps the small eigenvalues of C accurate.

    Parameters
    ----------
    C : array-like of shape (d, d)
        Symmetric PSD matrix, e.g. a covariance or correlation matrix.
    rtol : float, default=1e-10
        Eigenvalues of C below rtol·max(μ) are treated as zero (dropped).

    Returns
    -------
    L : ndarray of shape (rank, d)
        At least one row: a zero row when C is zero.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.psd import whitening_components
    >>> C = np.array([[4.0, 0.0], [0.0, 0.25]])
    >>> L = whitening_components(C)
    >>> np.allclose(L @ C @ L.T, np.eye(2))
    True
    """
    w, V = sym_eigh(C)
    _raise_if_not_psd(w, rtol, "C")
    keep = w > _effective_rtol(rtol, w) * w[-1] if w[-1] > 0 else np.zeros_like(w, dtype=bool)
    if not np.any(keep):
        return np.zeros((1, V.shape[0]), dtype=V.dtype)
    # Ascending μ gives descending 1/μ: the order of the metric's eigenvalues.
    return V[:, keep].T / np.sqrt(w[keep])[:, None]


def metric_from_components(L):
    """Return M = LᵀL for a components matrix L of shape (k, d).

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.psd import metric_from_components
    >>> metric_from_components(np.array([[1.0, 2.0]]))
    array([[1., 2.],
           [2., 4.]])
    """
    L = np.asarray(L)
    if L.ndim != 2:
        raise ValueError(f"components must be a 2-D matrix, got shape {L.shape}.")
    return L.T @ L


def _effective_rtol(rtol, w):
    """``rtol``, raised to the rounding level of an eigensolver in w's dtype.

    A d × d eigendecomposition is accurate to about d·ε relative to the largest
    eigenvalue; in float32 (ε ≈ 1.2e-7) that exceeds the default 1e-10, and
    round-off must neither fail a PSD check nor count as rank.
    """
    return max(rtol, 10 * w.shape[0] * np.finfo(w.dtype).eps)


def _raise_if_not_psd(w, rtol, name):
    rtol = _effective_rtol(rtol, w)
    if w[0] < -rtol * max(np.max(np.abs(w)), np.finfo(w.dtype).tiny):
        raise ValueError(
            f"{name} is not positive semidefinite: its smallest eigenvalue is {w[0]:.3g}, "
            f"below -{rtol:g} times its largest magnitude {np.max(np.abs(w)):.3g}."
        )


def is_psd(M, *, rtol=PSD_RTOL, sym_rtol=1e-6):
    """Return True if M is symmetric and PSD within relative tolerances.

    M is accepted if ‖M − Mᵀ‖_F ≤ sym_rtol·‖M‖_F and its smallest eigenvalue is
    ≥ −rtol times the largest eigenvalue magnitude.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.psd import is_psd
    >>> is_psd(np.diag([1.0, 0.0])), is_psd(np.diag([1.0, -1.0]))
    (True, False)
    """
    try:
        check_psd(M, rtol=rtol, sym_rtol=sym_rtol)
    except ValueError:
        return False
    return True


def check_psd(M, *, rtol=PSD_RTOL, sym_rtol=1e-6, name="M"):
    """Validate that M is symmetric positive semidefinite; return its symmetric part.

    Parameters
    ----------
    M : array-like of shape (d, d)
    rtol : float, default=1e-10
        The smallest eigenvalue must be ≥ −rtol·max|λ|.
    sym_rtol : float, default=1e-6
        ‖M − Mᵀ‖_F must be ≤ sym_rtol·‖M‖_F.
    name : str, default="M"
        Name used in error messages.

    Returns
    -------
    M : ndarray of shape (d, d)
        The symmetric part of M.

    Raises
    ------
    ValueError
        If M is not square, not finite, not symmetric or not PSD; the message
        says which and by how much.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.psd import check_psd
    >>> check_psd(np.array([[2.0, 1.0], [1.0, 2.0]]))
    array([[2., 1.],
           [1., 2.]])
    >>> check_psd(np.diag([1.0, -1.0]))
    Traceback (most recent call last):
        ...
    ValueError: M is not positive semidefinite: ...
    """
    M = _as_float_square(M, name)
    asym = linalg.norm(M - M.T)
    scale = linalg.norm(M)
    if asym > sym_rtol * scale:
        raise ValueError(
            f"{name} is not symmetric: ‖{name} − {name}ᵀ‖ = {asym:.3g} is more than "
            f"{sym_rtol:g} times ‖{name}‖ = {scale:.3g}."
        )
    S = (M + M.T) / 2
    w = linalg.eigvalsh(S, check_finite=False)
    _raise_if_not_psd(w, rtol, name)
    return S
