"""KernelLMNN: LMNN in the dual coefficients, through the representer theorem."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from mlearn import LMNN, KernelLMNN
from mlearn.kernel._representer import empirical_kernel_map
from mlearn.lmnn._active_set import ActivePairs
from mlearn.lmnn._loss import lmnn_loss_and_grad
from mlearn.lmnn._search import find_impostors
from mlearn.lmnn._targets import target_neighbors

from ._helpers import circles


def _rings_are_separated_in_one_dimension(Z, y):
    """Whether a single threshold on a 1-D embedding splits the two rings (≥ 95 %)."""
    z = Z.ravel()
    order = np.argsort(z)
    ys = y[order]
    # Best accuracy of a threshold rule, either orientation.
    below = np.concatenate([[0], np.cumsum(ys == 0)])
    above_ones = np.concatenate([[0], np.cumsum(ys[::-1] == 1)])[::-1]
    acc = (below + above_ones) / len(y)
    return max(acc.max(), (1 - acc).max()) >= 0.95


def test_kernel_lmnn_finds_a_one_dimensional_embedding_that_separates_the_rings():
    X, y = circles()
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = KernelLMNN(n_components=1, gamma=2.0, max_iter=100).fit(X_train, y_train)
        linear = LMNN(n_components=1, max_iter=100).fit(X_train, y_train)
    assert _rings_are_separated_in_one_dimension(model.transform(X_test), y_test)
    # No linear 1-D map can: the best threshold on any projection of centred rings is poor.
    assert not _rings_are_separated_in_one_dimension(linear.transform(X_test), y_test)


def test_kernel_lmnn_objective_in_dual_coefficients_equals_the_whitened_problem():
    # ε(A) evaluated on the kernel matrix (points = columns of K) equals ε(B) on the
    # features F, for A = B P: the change of variables changes nothing but conditioning.
    X, y = circles(120)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = KernelLMNN(n_components=2, gamma=2.0, max_iter=30).fit(X, y)
    K = rbf_kernel(X, gamma=2.0)
    P = empirical_kernel_map(K, 1e-5)
    F = K @ P.T
    targets, valid = target_neighbors(F, y, 3)
    A = model.dual_coef_
    B = A @ np.linalg.pinv(P)
    np.testing.assert_allclose(B @ P, A, atol=1e-8)
    Z = F @ B.T
    radii = np.full(len(y), np.inf)
    anchors, impostors, _ = find_impostors(Z, y, radii)
    pairs = ActivePairs(targets, valid, anchors, impostors)
    loss_kernel, grad_kernel = lmnn_loss_and_grad(A, K, pairs, 0.5)
    loss_features, grad_features = lmnn_loss_and_grad(B, F, pairs, 0.5)
    assert loss_kernel == pytest.approx(loss_features, rel=1e-8)
    # Chain rule of A = B P: ∂ε/∂B = ∂ε/∂A Pᵀ.
    np.testing.assert_allclose(grad_kernel @ P.T, grad_features, rtol=1e-6, atol=1e-8)


def test_kernel_lmnn_with_a_linear_kernel_matches_linear_lmnn_accuracy():
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    kernel = KernelLMNN(kernel="linear").fit(X_train, y_train)
    linear = LMNN().fit(X_train, y_train)

    def accuracy(model):
        knn = KNeighborsClassifier(3).fit(model.transform(X_train), y_train)
        return knn.score(model.transform(X_test), y_test)

    assert abs(accuracy(kernel) - accuracy(linear)) <= 0.03
    # Distances agree up to the span of the training data, which here is all of R^13: both
    # learners reach an optimum of the same objective, so their training objectives match.
    assert accuracy(kernel) >= 0.93
