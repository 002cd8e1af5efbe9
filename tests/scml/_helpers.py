"""Problems and references shared by the SCML tests (not a test module)."""

import numpy as np

from mlearn.constraints import random_triplets

__all__ = ["basis_margins_by_definition", "triplet_problem", "weights_metric"]


def triplet_problem(seed=0, n=40, d=4, n_triplets=120, n_basis=12):
    """Three classes apart along feature 0; triplets from the labels; random unit bases."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, d))
    X[:, 0] += 2.0 * y
    B = rng.normal(size=(n_basis, d))
    B /= np.linalg.norm(B, axis=1, keepdims=True)
    return X, random_triplets(y, n_triplets, random_state=seed), B


def basis_margins_by_definition(X, triplets, B):
    """z_t = (B(a − p))² − (B(a − n))², written out."""
    a, p, n = triplets.T
    return ((X[a] - X[p]) @ B.T) ** 2 - ((X[a] - X[n]) @ B.T) ** 2


def weights_metric(B, w):
    """M = Σ_i w_i b_i b_iᵀ, written out."""
    return sum(wi * np.outer(b, b) for wi, b in zip(w, B, strict=True))
