"""ITML's starting point: the prior metric M₀ ≻ 0 and the default bounds (u, l) from it.

The LogDet divergence D_ld(M, M₀) needs an invertible prior, so on top of the
shared meanings of ``'identity'``, ``'random'`` and an array
(:mod:`mlearn._init`), the prior must be strictly positive definite, and
``'covariance'`` needs a full-rank covariance of the points in the pairs.

The default bounds are the 5th and 95th percentiles of the *squared* prior
distances between the points of the training pairs, as in the authors' code
(see :mod:`mlearn.itml` for why squared, and why over the points rather than
the constraint pairs).
"""

import numpy as np
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.utils import check_random_state, gen_batches

from .._blocks import rows_per_block
from .._init import disparate_feature_scales, initial_metric
from ..psd import PSD_RTOL, inverse_covariance_components, metric_from_components

# Point pairs whose distances set the default bounds: all of them up to this many,
# else a random sample of this size.
_BOUND_PAIRS = 1_000_000
# Sampled pairs per block of their differences (8 MiB per temporary at 64 features). Blocks
# as large as working_memory allows (all 10⁶ pairs of digits at once, 1.5 GB of temporaries)
# made the first fit of a fresh process pay for those pages: the bounds took 2.4 s there
# (0.33 s in later fits), 0.2 s in these blocks either way.
_PAIRS_PER_BLOCK = 2**14


def prior_metric(prior, X, random_state):
    """The prior M₀ ≻ 0 from the ``prior`` parameter; ValueError unless strictly PD.

    Parameters
    ----------
    prior : {'auto', 'identity', 'covariance', 'random'} or array-like of shape (d, d)
    X : ndarray of shape (n_points, d), float64
        The points of the training pairs ('covariance' and 'auto' are theirs).
    random_state : RandomState instance
        Draws the 'random' prior.
    """
    d = X.shape[1]
    if isinstance(prior, str) and prior == "auto":
        # Features in different units: the prior measures them standardised, as the
        # 'auto' start of the other learners does (:mod:`mlearn._init`); else the identity.
        scales = disparate_feature_scales(X.std(axis=0))
        return np.eye(d) if scales is None else np.diag(1.0 / scales**2)
    if isinstance(prior, str) and prior == "covariance":
        # Its rank is checked on the factor L (as :class:`mlearn.Covariance` finds it),
        # not on the eigenvalues of LᵀL, which spread with the features' scales.
        inverse_covariance = _full_rank_inverse_covariance(X)
        return initial_metric(prior, d, inverse_covariance=inverse_covariance, name="prior")
    if not isinstance(prior, str):
        M0 = np.asarray(prior, dtype=np.float64)
        if M0.shape != (d, d):
            raise ValueError(f"prior must be a ({d}, {d}) matrix for {d} features, got {M0.shape}.")
    M0 = initial_metric(prior, d, random_state=random_state, name="prior")
    w = np.linalg.eigvalsh(M0)
    if not w[0] > PSD_RTOL * w[-1]:
        raise ValueError(
            f"prior must be strictly positive definite: its smallest eigenvalue is {w[0]:.3g} "
            f"(largest {w[-1]:.3g}); ITML's LogDet divergence needs an invertible prior."
        )
    return M0


def _full_rank_inverse_covariance(X):
    """A callable giving the inverse covariance of X; ValueError unless it is full rank."""
    d = X.shape[1]
    if X.shape[0] < 2:
        raise ValueError("prior='covariance' needs at least 2 distinct points.")
    L = inverse_covariance_components(X)
    if L.shape[0] < d:
        raise ValueError(
            f"prior='covariance' needs a strictly positive definite covariance, but the "
            f"covariance of the training points has rank {L.shape[0]} < {d} features "
            f"(constant or collinear features); use prior='identity' or pass a matrix."
        )
    return lambda: metric_from_components(L)


def default_bounds(points, prior, random_state):
    """5th and 95th percentiles of the squared prior distances between the points.

    Over all pairs of points (a seeded random sample of ``_BOUND_PAIRS`` of them
    when there are more), computed in blocks bounded by ``working_memory``.
    """
    # prior = C Cᵀ, so d²_{M₀}(x, x') = ‖(x − x') C‖².
    Z = points @ np.linalg.cholesky(prior)
    n = Z.shape[0]
    if n * (n - 1) // 2 <= _BOUND_PAIRS:
        squared = _all_squared_distances(Z)
    else:
        squared = _sampled_squared_distances(Z, _BOUND_PAIRS, random_state)
    u, l = np.percentile(squared, (5, 95))
    return np.array([max(u, np.finfo(np.float64).tiny), max(l, u)])


def _all_squared_distances(Z):
    """Squared distances of all pairs of rows of Z (i < j), in blocks of rows (one GEMM each)."""
    n = Z.shape[0]
    parts = []
    for block in gen_batches(n, rows_per_block(n * Z.itemsize, n)):
        D = euclidean_distances(Z[block], Z, squared=True)
        parts.append(D[np.arange(n)[None, :] > np.arange(n)[block, None]])
    return np.concatenate(parts)


def _sampled_squared_distances(Z, n_pairs, random_state):
    """Squared distances of ``n_pairs`` pairs of distinct rows of Z drawn uniformly."""
    n = Z.shape[0]
    rng = check_random_state(random_state)
    first = rng.randint(n, size=n_pairs)
    second = rng.randint(n - 1, size=n_pairs)
    second += second >= first  # a uniform other point
    squared = np.empty(n_pairs)
    rows = min(_PAIRS_PER_BLOCK, rows_per_block(Z.itemsize * Z.shape[1], n_pairs))
    for block in gen_batches(n_pairs, rows):
        diff = Z[first[block]] - Z[second[block]]
        squared[block] = np.einsum("ij,ij->i", diff, diff)
    return squared


def check_bounds(bounds):
    """The ``bounds`` parameter as a float array (u, l); ValueError unless 0 < u <= l."""
    try:
        values = np.asarray(bounds, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        values = np.empty(0)
    if values.shape != (2,) or not np.all(np.isfinite(values)) or not 0 < values[0] <= values[1]:
        raise ValueError(
            f"bounds must be two finite numbers (u, l) with 0 < u <= l, got {bounds!r}."
        )
    return values
