"""Small pair problems shared by the MMC tests."""

import numpy as np


def random_pairs(seed, n=14, d=4, n_pairs=30):
    """Points on unequal scales with random, balanced pair labels."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, size=d)
    pairs = np.array([rng.choice(n, 2, replace=False) for _ in range(n_pairs)])
    y = np.where(np.arange(n_pairs) % 2 == 0, 1, -1)
    return X, pairs, y


def differences(X, pairs, y, label):
    chosen = pairs[y == label]
    return X[chosen[:, 0]] - X[chosen[:, 1]]


def f_and_g(X, pairs, y, M):
    S, D = differences(X, pairs, y, 1), differences(X, pairs, y, -1)
    f = np.einsum("ij,jk,ik->", S, M, S)
    g = np.sum(np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", D, M, D), 0)))
    return f, g
