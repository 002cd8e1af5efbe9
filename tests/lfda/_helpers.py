"""Brute-force references for LFDA: affinities and scatters by loops over pairs."""

import numpy as np


def multimodal_classes(n=60, seed=0):
    """Two classes in 3-D with equal means: class 0 is two clusters at ±4 on feature 0,
    class 1 one cluster between them; features 1 and 2 are noise.

    No class mean differs from the other, so Fisher's global discriminant has
    nothing to go on; locally, feature 0 separates the classes.
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    side = np.where((np.arange(n) // 2) % 2 == 0, -1.0, 1.0)
    X = rng.normal(size=(n, 3)) * [0.5, 1.0, 2.0]
    X[:, 0] += np.where(y == 0, 4.0 * side, 0.0)
    return X, y


def brute_force_scatters(X, y, k):
    """(S_lb, S_lw) of Sugiyama 2007 eqs. 13-14, by a double loop over all pairs."""
    n, d = X.shape
    sigma = np.zeros(n)
    for i in range(n):
        same = np.flatnonzero(y == y[i])
        dist = np.sort([np.linalg.norm(X[i] - X[j]) for j in same])
        sigma[i] = dist[min(k, len(same) - 1)]
    between, within = np.zeros((d, d)), np.zeros((d, d))
    for i in range(n):
        for j in range(n):
            diff = np.outer(X[i] - X[j], X[i] - X[j])
            if y[i] == y[j]:
                n_c = np.sum(y == y[i])
                scale = sigma[i] * sigma[j]
                a = np.exp(-np.sum((X[i] - X[j]) ** 2) / scale) if scale > 0 else 0.0
                within += 0.5 * a / n_c * diff
                between += 0.5 * a * (1 / n - 1 / n_c) * diff
            else:
                between += 0.5 / n * diff
    return between, within
