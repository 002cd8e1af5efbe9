"""Problems shared by the LMNN tests."""

import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier


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
