"""Fixtures of the mlearn.deep tests: digits and a pairs problem on them (no torch needed)."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from mlearn.constraints import similar_dissimilar_pairs


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    rng = np.random.default_rng(0)
    order = rng.permutation(X.shape[0])
    train, test = order[:1200], order[1200:]
    return X[train], y[train], X[test], y[test]


@pytest.fixture(scope="module")
def pairs_problem(digits):
    X, y, _, _ = digits
    X, y = X[:600], y[:600]
    pairs, labels = similar_dissimilar_pairs(y, 600, random_state=0)
    return X, pairs, labels
