"""RCA's map from the chunk statistics: whitening of the within-chunk covariance.

With Ĉ the within-chunk covariance and S_t the covariance of the chunked
points, RCA's metric is Ĉ⁻¹ (Bar-Hillel et al. 2005, Algorithm 1), factored as
the whitening map L = Ĉ^(−1/2). Two cases reduce the dimension first:

- Ĉ singular (fewer chunk degrees of freedom Σ_j (n_j − 1) than features, or
  features that never vary within a chunk): Ĉ⁻¹ does not exist, so the data are
  first projected by PCA onto the rank(Ĉ) leading principal directions of the
  chunked points, where Ĉ is (generically) invertible, with a warning;
- n_components = k below that dimension: the k directions of Fisher's
  criterion, the generalised eigenvectors of Ĉ a = μ S_t a with the smallest μ
  (least within-chunk variance relative to the total), as the paper's
  dimensionality-reduction step and metric-learn 0.7.0 do.

In the reduced space the map whitens Ĉ, so the metric is A(AᵀĈA)⁻¹Aᵀ for the
basis A of the kept directions, whatever the basis.
"""

import warnings

import numpy as np
from scipy import linalg

from ..psd import PSD_RTOL, sym_eigh, whitening_components

__all__ = ["rca_components"]


def _rank(C):
    w = linalg.eigvalsh(C)
    return int(np.sum(w > PSD_RTOL * w[-1])) if w[-1] > 0 else 0


def _principal_directions(total, rank):
    """The ``rank`` leading eigenvectors (columns) of the total covariance."""
    w, V = sym_eigh(total)
    rank = min(rank, int(np.sum(w > PSD_RTOL * w[-1])))
    return V[:, ::-1][:, :rank]


def _fisher_directions(within, total, k):
    """The k generalised eigenvectors of (Ĉ, S_t) with the smallest eigenvalues."""
    _, A = linalg.eigh(within, total, check_finite=False)
    return A[:, :k]


def rca_components(within, total, n_components):
    """L of shape (n_components, n_features) whitening the within-chunk covariance.

    Parameters
    ----------
    within : ndarray of shape (d, d)
        Ĉ, the within-chunk covariance (scatter about the chunk means / points).
    total : ndarray of shape (d, d)
        S_t, the covariance of the points in chunks.
    n_components : int

    Returns
    -------
    L : ndarray of shape (n_components, d), float64
        Rows beyond the dimension RCA can whiten are zero.
    """
    d = within.shape[0]
    rank = _rank(within)
    basis = np.eye(d)
    if rank < d:
        warnings.warn(
            f"The within-chunk covariance has rank {rank} < {d} features (too few chunks, "
            f"or features constant within every chunk), so it is not invertible: RCA first "
            f"reduces the data by PCA to its {rank} leading principal directions. Add chunks, "
            f"or remove linearly dependent features, to use them all.",
            UserWarning,
            stacklevel=3,
        )
        basis = _principal_directions(total, rank)
    C, T = basis.T @ within @ basis, basis.T @ total @ basis
    if n_components < basis.shape[1]:
        A = _fisher_directions((C + C.T) / 2, (T + T.T) / 2, n_components)
        C, basis = A.T @ C @ A, basis @ A
    rows = whitening_components((C + C.T) / 2) @ basis.T
    L = np.zeros((n_components, d))
    keep = min(n_components, rows.shape[0])
    L[:keep] = rows[:keep]
    return L
