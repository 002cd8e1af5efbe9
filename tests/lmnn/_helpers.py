"""Problems shared by the LMNN tests."""

import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from mlearn.lmnn._evaluator import RowBlockObjective
from mlearn.lmnn._passes import HeldOutAccuracy


def small_problem(seed=0, n=30, d=4, n_classes=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.arange(n) % n_classes
    return X, y


def all_impostor_pairs(y):
    anchors, impostors = np.nonzero(y[:, None] != y[None, :])
    return anchors, impostors


def noisy_problem():
    X, y = make_classification(
        n_samples=400,
        n_features=4,
        n_informative=4,
        n_redundant=0,
        n_classes=3,
        n_clusters_per_class=1,
        class_sep=1.5,
        random_state=0,
    )
    noise = np.random.default_rng(0).normal(scale=5.0, size=(X.shape[0], 10))
    return train_test_split(np.hstack([X, noise]), y, test_size=0.3, random_state=0, stratify=y)


def knn_accuracy(X_train, X_test, y_train, y_test):
    return KNeighborsClassifier(3).fit(X_train, y_train).score(X_test, y_test)


def two_blobs_per_class(n, seed):
    """Classes of two blobs each in 2 informative features, with 3 noise features."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    centres = 3.0 * rng.normal(size=(8, 2))
    informative = centres[2 * y + rng.integers(0, 2, n)] + rng.normal(size=(n, 2))
    return np.hstack([informative, 2.0 * rng.normal(size=(n, 3))]), y


def held_out_accuracy(X_fit, y_fit, X_held, y_held, n_neighbors):
    """The scorer of a fit in memory: its neighbours searched among one block of all X_fit."""
    block = RowBlockObjective.from_block(
        0, X_fit, y_fit, n_neighbors=3, dtype=X_fit.dtype, random_state=0
    )
    return HeldOutAccuracy(block, y_fit, X_held, y_held, n_neighbors)
