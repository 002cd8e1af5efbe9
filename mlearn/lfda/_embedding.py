"""LFDA's embedding: the generalised eigenproblem S_lb φ = λ S_lw φ, solved once.

The problem is posed on the span of the data (the range of the total scatter),
so that constant or collinear features, whose directions carry neither scatter,
get zero weight instead of making both matrices singular. Where S_lw is still
singular on that span (a class with fewer points than features, or duplicated
points), a ridge of 1e-8 of its largest eigenvalue makes it definite: the
directions that had no local within-class spread then get the largest λ.
"""

import numpy as np
from scipy import linalg

from ..psd import PSD_RTOL, sym_eigh

__all__ = ["lfda_components"]

# Relative size of the ridge that makes a singular S_lw definite (see the module docstring).
RIDGE = 1e-8


def _data_span(total):
    """Orthonormal basis (columns) of the range of the total scatter."""
    w, V = sym_eigh(total)
    keep = w > PSD_RTOL * w[-1] if w[-1] > 0 else np.zeros_like(w, dtype=bool)
    return V[:, keep][:, ::-1]


def _definite(within, total):
    """S_lw, with a ridge where it is singular relative to its largest eigenvalue."""
    mu = linalg.eigvalsh(within)
    if mu[0] > PSD_RTOL * mu[-1] > 0:
        return within
    scale = mu[-1] if mu[-1] > 0 else np.trace(total) / total.shape[0]
    return within + RIDGE * scale * np.eye(within.shape[0])


def _positive_largest_entry(L):
    """Each row's sign fixed so that its largest-magnitude entry is positive (determinism)."""
    if L.size == 0:
        return L
    signs = np.sign(L[np.arange(L.shape[0]), np.argmax(np.abs(L), axis=1)])
    return L * np.where(signs == 0, 1.0, signs)[:, None]


def generalized_eigenvectors(between, within, total):
    """λ (descending) and φ (columns, S_lw-orthonormal: φᵀ S_lw φ = I) of S_lb φ = λ S_lw φ.

    Returns
    -------
    eigenvalues : ndarray of shape (rank,)
    eigenvectors : ndarray of shape (n_features, rank)
        In the feature space; rank is the dimension of the data's span.
    """
    U = _data_span(total)
    if U.shape[1] == 0:
        return np.zeros(0), U
    Sb, Sw = U.T @ between @ U, U.T @ within @ U
    Sw = _definite((Sw + Sw.T) / 2, U.T @ total @ U)
    lam, phi = linalg.eigh((Sb + Sb.T) / 2, Sw, check_finite=False)
    return lam[::-1], U @ phi[:, ::-1]


def lfda_components(between, within, total, n_components, embedding_type):
    """L of shape (n_components, n_features) from LFDA's scatters (Sugiyama 2007, §3.3).

    The rows are the leading generalised eigenvectors φ_i of (S_lb, S_lw):
    'plain' as they are (φᵀ S_lw φ = I), 'weighted' scaled by √λ_i (λ_i < 0,
    which S_lb's negative within-class weights allow, is taken as 0) and
    'orthonormalized' replaced by an orthonormal basis of their span (QR).
    Rows beyond the rank of the data are zero.

    Returns
    -------
    L : ndarray of shape (n_components, n_features)
    eigenvalues : ndarray of shape (n_components,)
        λ of the kept directions, descending; 0 for the zero rows.
    """
    lam, phi = generalized_eigenvectors(between, within, total)
    keep = min(n_components, lam.shape[0])
    lam, phi = lam[:keep], phi[:, :keep]
    if embedding_type == "weighted":
        rows = np.sqrt(np.maximum(lam, 0))[:, None] * phi.T
    elif embedding_type == "orthonormalized":
        rows = np.linalg.qr(phi)[0].T
    else:
        rows = phi.T
    L = np.zeros((n_components, between.shape[0]))
    L[:keep] = _positive_largest_entry(rows)
    eigenvalues = np.zeros(n_components)
    eigenvalues[:keep] = lam
    return L, eigenvalues
