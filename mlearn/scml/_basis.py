"""The rank-one bases of SCML: from triplet differences, from local LDA, or given.

Each basis is a unit row b_i of B (n_basis × n_features); the learned metric is
M = Σ_i w_i b_i b_iᵀ. The two constructions follow metric-learn's (whose
defaults they keep), with two repairs noted where they occur.
"""

from math import ceil

import numpy as np
from sklearn.cluster import KMeans
from sklearn.neighbors import NearestNeighbors

# Neighbourhood sizes of the two scales of local LDA (metric-learn's; Shi et al. 2014, §5,
# use local LDA at several scales).
LDA_SCALES_LOW_DIMENSION = (10, 20)
LDA_SCALES_HIGH_DIMENSION = (20, 50)
# Restarts of the k-means that places the local regions (metric-learn runs ten). The
# kNN accuracies of one, three and ten restarts differ by no more than the folds' noise
# on digits (benchmarks/results/scml_defaults.md); three cost a third of ten.
KMEANS_N_INIT = 3
# Eigenvalues below this fraction of the largest count as zero.
RANK_RTOL = 1e-10
# scikit-learn's LinearDiscriminantAnalysis(tol=1e-4): singular values of the
# standardised within-class residuals below it (absolute), and of the whitened class
# means below it relative to the largest, count as zero.
LDA_TOL = 1e-4


def check_basis(basis, n_features):
    """A given basis as a float64 (n_basis, n_features) array with unit rows, or ValueError."""
    B = np.array(basis, dtype=np.float64)
    if B.ndim != 2 or B.shape[1] != n_features or B.shape[0] == 0:
        raise ValueError(
            f"basis must have shape (n_basis, n_features) = (m, {n_features}) with m >= 1, "
            f"got shape {B.shape}."
        )
    if not np.all(np.isfinite(B)):
        raise ValueError("basis contains NaN or infinity.")
    return B


def default_triplet_diffs_n_basis(n_features):
    """metric-learn's default for 'triplet_diffs': 80 bases per feature."""
    return 80 * n_features


def triplet_diffs_basis(X, triplets, n_basis, rng):
    """Eigenvectors of Σ δ⁺δ⁺ᵀ − Σ δ⁻δ⁻ᵀ over random sets of n_features triplets.

    Each round draws n_features triplets without replacement, sums the outer
    products of their positive differences x_a − x_p minus those of their
    negative ones x_a − x_n, and adds that matrix's eigenvectors of nonzero
    eigenvalue, until n_basis are found. (metric-learn takes the rows of the
    eigenvector matrix instead of its columns, which are not eigenvectors.)
    """
    n_triplets, n_features = triplets.shape[0], X.shape[1]
    if n_features > n_triplets:
        raise ValueError(
            f"basis='triplet_diffs' needs at least n_features={n_features} triplets, got "
            f"{n_triplets}; give a basis array or reduce the dimension first."
        )
    X = np.asarray(X, dtype=np.float64)
    positive = X[triplets[:, 0]] - X[triplets[:, 1]]
    negative = X[triplets[:, 0]] - X[triplets[:, 2]]
    found, n_found, empty_rounds = [], 0, 0
    while n_found < n_basis:
        chosen = rng.choice(n_triplets, size=n_features, replace=False)
        P, N = positive[chosen], negative[chosen]
        eigenvalues, V = np.linalg.eigh(P.T @ P - N.T @ N)
        scale = np.abs(eigenvalues).max()
        keep = np.abs(eigenvalues) > RANK_RTOL * scale if scale > 0 else np.zeros(0, bool)
        empty_rounds = empty_rounds + 1 if not keep.any() else 0
        if empty_rounds > 100:
            raise ValueError("The triplets' differences are zero: no basis can be built.")
        found.append(V[:, keep].T)
        n_found += int(keep.sum())
    return np.vstack(found)[:n_basis]


def default_lda_n_basis(n_samples, n_features, n_classes):
    """metric-learn's default for 'lda': min(20 n_features, 2 n_samples (n_classes − 1) − 1)."""
    return min(20 * n_features, 2 * n_samples * _directions_per_region(n_features, n_classes) - 1)


def _directions_per_region(n_features, n_classes):
    return min(n_classes - 1, n_features)


def lda_basis(X, y, n_basis, random_state):
    """Discriminant directions of local regions, at two scales.

    k-means places ceil(n_basis / (2 (n_classes − 1))) region centres; around
    each, the k nearest points of every class (k = 10 and 20 below 50 features,
    20 and 50 above) form a neighbourhood whose LDA directions, normalised, are
    bases: first every region's at the small scale, then at the large one.
    (Where a neighbourhood's LDA has fewer directions than n_classes − 1 they
    are all kept, where metric-learn stops filling the scale.)

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Labels encoded 0..n_classes − 1.
    n_basis : int
    random_state : None, int or RandomState
        Seeds the k-means.
    """
    X = np.asarray(X, dtype=np.float64)
    n_samples, n_features = X.shape
    n_classes = int(y.max()) + 1
    per_region = _directions_per_region(n_features, n_classes)
    if n_basis >= 2 * n_samples * per_region:
        raise ValueError(
            f"Not enough samples for {n_basis} LDA bases: n_basis must be smaller than "
            f"{2 * n_samples * per_region}."
        )
    n_regions = ceil(n_basis / (2 * per_region))
    centres = (
        KMeans(n_regions, n_init=KMEANS_N_INIT, random_state=random_state).fit(X).cluster_centers_
    )
    scales = LDA_SCALES_HIGH_DIMENSION if n_features > 50 else LDA_SCALES_LOW_DIMENSION
    counts = np.bincount(y, minlength=n_classes)
    neighbours = []  # per class: (n_regions, k_max) indices into X
    for c in range(n_classes):
        members = np.flatnonzero(y == c)
        k = min(counts[c], scales[-1])
        search = NearestNeighbors(n_neighbors=k).fit(X[members])
        neighbours.append(members[search.kneighbors(centres, return_distance=False)])
    directions = []
    for scale in scales:
        rows = np.hstack([near[:, : min(counts[c], scale)] for c, near in enumerate(neighbours)])
        directions.extend(_local_lda_directions(X[rows], y[rows[0]]))
    return np.vstack(directions)[:n_basis]


def _local_lda_directions(P, labels):
    """Unit LDA directions of each neighbourhood P[r] (all with the same ``labels``).

    The directions are those of scikit-learn's SVD solver for
    ``LinearDiscriminantAnalysis``: whiten the within-class residuals (on their
    range), then take the principal axes of the whitened class means.
    """
    n_regions, m, _ = P.shape
    n_classes = int(labels.max()) + 1
    onehot = np.eye(n_classes)[labels]  # (m, n_classes)
    counts = onehot.sum(axis=0)
    # Centred on each neighbourhood's mean first, so that the cross-products below lose
    # no precision to an offset of the data.
    P = P - P.mean(axis=1, keepdims=True)
    means = np.matmul(onehot.T / counts[:, None], P)  # (n_regions, n_classes, d)
    # Within-class scatter Σ (x − μ_y)(x − μ_y)ᵀ = PᵀP − Σ_c n_c μ_c μ_cᵀ: batched d × d
    # products, several times faster than forming the residuals and their SVD.
    within = np.matmul(P.transpose(0, 2, 1), P)
    within -= np.matmul(means.transpose(0, 2, 1) * counts, means)
    variance = np.maximum(np.diagonal(within, axis1=1, axis2=2), 0.0) / m
    std = np.sqrt(variance)
    std[std == 0] = 1.0
    # The right singular pairs of the standardised residuals / sqrt(m − c), as
    # scikit-learn's SVD solver takes them, from the eigenpairs of their Gram matrix.
    scale = std[:, :, None] * std[:, None, :] * (m - n_classes)
    eigenvalues, V = np.linalg.eigh(within / scale)
    S = np.sqrt(np.maximum(eigenvalues[:, ::-1], 0.0))
    Vt = V[:, :, ::-1].transpose(0, 2, 1)
    priors = counts / m
    overall = np.einsum("c,rcd->rd", priors, means)
    found = []
    for r in range(n_regions):
        rank = int(np.sum(S[r] > LDA_TOL))
        if rank == 0:
            continue
        whiten = (Vt[r, :rank] / std[r]).T / S[r, :rank]  # (d, rank)
        between = (np.sqrt(m * priors)[:, None] * (means[r] - overall[r])) @ whiten
        _, Sb, Vbt = np.linalg.svd(between, full_matrices=False)
        keep = Sb > LDA_TOL * Sb[0] if Sb[0] > 0 else np.zeros(0, bool)
        D = (whiten @ Vbt[keep].T).T
        found.append(D / np.linalg.norm(D, axis=1, keepdims=True))
    return found
