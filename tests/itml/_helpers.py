"""Small ITML problems shared by the tests of mlearn.itml."""

import numpy as np

from mlearn.constraints import similar_dissimilar_pairs


def small_problem(seed, n=15, d=3, n_pairs=12):
    """Random points in d dimensions and n_pairs balanced pairs from two random classes."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, 2, size=n)
    pairs, signs = similar_dissimilar_pairs(y, n_pairs, random_state=seed)
    return X, pairs, signs


def noisy_classes(seed=0, n=300, n_noise=20):
    """Three classes separated in three features, hidden among n_noise wide noise features."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    centres = np.array([[0.0, 0.0, 0.0], [3.0, 0.0, 0.0], [0.0, 3.0, 3.0]])
    informative = centres[y] + rng.normal(scale=0.8, size=(n, 3))
    noise = rng.normal(scale=4.0, size=(n, n_noise))
    return np.hstack([informative, noise]), y
