"""KernelITML: ITML on the kernel matrix, through the representer theorem."""

import numpy as np
from sklearn.datasets import load_wine
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from mlearn import ITMLSupervised, KernelITML
from mlearn.constraints import similar_dissimilar_pairs
from mlearn.itml._solver import _itml_solve
from mlearn.kernel._representer import empirical_kernel_map

from ._helpers import circles


def test_kernel_itml_equals_bregman_projections_on_the_kernel_matrix():
    # Davis et al.'s Algorithm 2 (projections on K with e_i − e_j) and linear ITML on the
    # features F with prior I produce the same learned kernel, K' = F M Fᵀ.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(25, 3))
    y = np.repeat([0, 1], [12, 13])
    K = rbf_kernel(X, gamma=0.5)
    P = empirical_kernel_map(K, 0.0)
    F = K @ P.T
    assert F.shape[1] == 25  # full rank: the two forms are the same problem exactly
    pairs, signs = similar_dissimilar_pairs(y, 60, random_state=0)
    common = dict(bounds=(0.3, 1.2), gamma=1.0, max_iter=200, tol=1e-9, shrink=False)
    K_learned, *_ = _itml_solve(np.eye(25), pairs, signs, K, **common)
    M, *_ = _itml_solve(F, pairs, signs, np.eye(25), **common)
    np.testing.assert_allclose(F @ M @ F.T, K_learned, rtol=1e-6, atol=1e-8)


def test_kernel_itml_embedding_reproduces_the_learned_kernel_distances():
    X, y = circles(80)
    model = KernelITML(gamma=2.0, rank_rtol=0.0, random_state=0, n_constraints=100).fit(X, y)
    K = rbf_kernel(X, gamma=2.0)
    P = empirical_kernel_map(K, 0.0)
    F = K @ P.T
    # Training points embed as A k_i = L f_i: the learned feature-space distances.
    Z = model.transform(X)
    B = model.dual_coef_ @ np.linalg.pinv(P)
    np.testing.assert_allclose(Z, F @ B.T, rtol=1e-6, atol=1e-8)


def test_kernel_itml_separates_the_rings_and_matches_linear_itml_with_a_linear_kernel():
    X, y = circles()
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    model = KernelITML(gamma=2.0, random_state=0).fit(X_train, y_train)
    knn = KNeighborsClassifier(3).fit(model.transform(X_train), y_train)
    assert knn.score(model.transform(X_test), y_test) >= 0.95

    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    kernel = KernelITML(kernel="linear", random_state=0).fit(X_train, y_train)
    linear = ITMLSupervised(random_state=0).fit(X_train, y_train)
    scores = [
        KNeighborsClassifier(3)
        .fit(m.transform(X_train), y_train)
        .score(m.transform(X_test), y_test)
        for m in (kernel, linear)
    ]
    assert abs(scores[0] - scores[1]) <= 0.03, scores
