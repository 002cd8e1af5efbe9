"""Problems shared by the FARM tests."""

import numpy as np
from sklearn.preprocessing import StandardScaler

from mlearn.constraints import random_triplets

PENALTIES = ["fro", "l1", "nuclear"]


def small_problem(seed=0, n=16, d=3, n_triplets=40):
    """Random points and random-label triplets: they conflict, so the optima are finite."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.arange(n) % 2
    return X, random_triplets(y, n_triplets, random_state=seed)


def random_psd(d, rng):
    A = rng.normal(size=(d, d))
    return A @ A.T / d


def informative_and_noise(n=240, n_noise=20, seed=0):
    """Three classes, each shifted along its own one of 3 informative features, plus noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = np.column_stack(
        [2.5 * np.eye(3)[y] + rng.normal(size=(n, 3)), rng.normal(size=(n, n_noise))]
    )
    return StandardScaler().fit_transform(X), y


def margins_by_definition(X, triplets, M, w):
    """d²_ik − d²_ij computed from M̂ = diag(w) M diag(w) itself, triplet by triplet."""
    W = np.diag(w)
    Mhat = W @ M @ W

    def squared(a, b):
        diff = X[a] - X[b]
        return np.einsum("ti,ij,tj->t", diff, Mhat, diff)

    i, j, k = triplets.T
    return squared(i, k) - squared(i, j)
