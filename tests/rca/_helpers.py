"""Brute-force references for RCA: the within-chunk covariance by loops over chunks."""

import numpy as np


def chunked_points(n=90, d=4, seed=0):
    """Three classes along feature 0, feature 3 a large noise; chunks of 3 within classes."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), n // 3)
    X = rng.normal(size=(n, d))
    X[:, 0] += 3.0 * y
    X[:, 3] *= 10.0
    chunks = np.arange(n) // 3
    chunks[::7] = -1  # some points in no chunk
    return X, y, chunks


def brute_force_within_covariance(X, chunks):
    """Ĉ = (1/p) Σ_j Σ_{i ∈ C_j} (x_i − m_j)(x_i − m_j)ᵀ, one chunk at a time."""
    d = X.shape[1]
    C, p = np.zeros((d, d)), 0
    for j in np.unique(chunks[chunks >= 0]):
        members = X[chunks == j]
        mean = members.mean(axis=0)
        for x in members:
            C += np.outer(x - mean, x - mean)
        p += len(members)
    return C / p
