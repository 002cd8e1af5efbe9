"""Kernelised learners: the KPCA trick around linear learners."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_wine, make_circles
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import pairwise_distances
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from mlearn import LMNN, Covariance, ITMLSupervised, KernelITML, KernelLMNN, KernelMetricLearner
from mlearn.constraints import random_triplets, similar_dissimilar_pairs
from mlearn.itml._solver import _itml_solve
from mlearn.kernel._representer import empirical_kernel_map
from mlearn.lmnn._active_set import ActivePairs
from mlearn.lmnn._loss import lmnn_loss_and_grad
from mlearn.lmnn._search import find_impostors
from mlearn.lmnn._targets import target_neighbors

from ._learners import InverseVariancePairs, InverseVarianceTriplets


def _circles(n=300, seed=0):
    return make_circles(n, factor=0.4, noise=0.06, random_state=seed)


def test_linear_kernel_reproduces_the_linear_learner_distances():
    # Linear-kernel PCA is PCA: an isometry onto the span of the centred data, and the
    # whitening metric is invariant under it, so the two learners give equal distances.
    X, _ = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    kernelised = KernelMetricLearner(Covariance(), kernel="linear").fit(X)
    linear = Covariance().fit(X)
    np.testing.assert_allclose(
        pairwise_distances(kernelised.transform(X[:40])),
        pairwise_distances(linear.transform(X[:40])),
        rtol=1e-6,
        atol=1e-8,
    )


def test_distances_of_new_points_agree_up_to_the_span_of_the_training_data():
    # Train on points spanning a 3-D subspace of R^5: the kernel learner sees only that
    # span, so new points agree with the linear learner after projection onto it.
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.normal(size=(5, 3)))[0]
    X = rng.normal(size=(80, 3)) @ basis.T
    kernelised = KernelMetricLearner(Covariance(), kernel="linear").fit(X)
    linear = Covariance().fit(X)
    new = rng.normal(size=(10, 5))
    projected = X.mean(0) + (new - X.mean(0)) @ basis @ basis.T
    np.testing.assert_allclose(
        pairwise_distances(kernelised.transform(new)),
        pairwise_distances(linear.transform(projected)),
        rtol=1e-6,
        atol=1e-8,
    )


@pytest.mark.parametrize("approximation", ["kpca", "nystroem"])
def test_rbf_kernel_makes_concentric_circles_linearly_separable(approximation):
    X, y = _circles()
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    model = KernelMetricLearner(
        Covariance(),
        gamma=2.0,
        n_kernel_components=20,
        approximation=approximation,
        random_state=0,
    ).fit(X_train)
    knn = KNeighborsClassifier(3).fit(model.transform(X_train), y_train)
    assert knn.score(model.transform(X_test), y_test) >= 0.95


def test_pairs_learner_is_kernelised_with_index_and_point_tuples():
    X, y = _circles()
    pairs, labels = similar_dissimilar_pairs(y, 400, random_state=0)
    by_index = KernelMetricLearner(
        InverseVariancePairs(preprocessor=X), gamma=2.0, n_kernel_components=10
    ).fit(pairs, labels)
    by_points = KernelMetricLearner(InverseVariancePairs(), gamma=2.0, n_kernel_components=10).fit(
        X[pairs], labels
    )
    # The same kernel map and learner: the same distances, whichever way tuples come.
    np.testing.assert_allclose(
        by_index.pair_distance(pairs[:50]), by_points.pair_distance(X[pairs[:50]]), rtol=1e-6
    )
    assert by_index.score(pairs, labels) > 0.95
    # Linear on the raw circles, the same learner cannot tell the rings apart.
    linear = InverseVariancePairs(preprocessor=X).fit(pairs, labels)
    assert linear.score(pairs, labels) < by_index.score(pairs, labels) - 0.2
    by_index.calibrate_threshold(pairs, labels, strategy="max_tpr", min_rate=0.9)
    assert np.mean(by_index.predict(pairs)[labels == -1] == -1) >= 0.9


def test_triplets_learner_predicts_held_out_triplets():
    X, y = _circles()
    triplets = random_triplets(y, 600, random_state=0)
    model = KernelMetricLearner(InverseVarianceTriplets(preprocessor=X), gamma=2.0).fit(
        triplets[:400]
    )
    assert model.score(triplets[400:]) > 0.9
    assert model.decision_function(triplets[400:]).shape == (200,)


def test_n_components_needs_a_learner_that_takes_it():
    X, _ = _circles()
    with pytest.raises(ValueError, match="has no n_components parameter"):
        KernelMetricLearner(Covariance(), n_components=1).fit(X)


def test_feature_count_is_checked_for_points_and_tuples():
    X, y = _circles()
    model = KernelMetricLearner(Covariance(), gamma=2.0).fit(X)
    with pytest.raises(ValueError, match="features"):
        model.transform(np.ones((3, 3)))
    pairs, labels = similar_dissimilar_pairs(y, 50, random_state=0)
    pairs_model = KernelMetricLearner(InverseVariancePairs(), gamma=2.0).fit(X[pairs], labels)
    with pytest.raises(ValueError, match="expecting 2 features"):
        pairs_model.pair_distance(np.ones((4, 2, 3)))


def test_nystroem_memory_grows_with_landmarks_not_samples():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 4))
    model = KernelMetricLearner(
        Covariance(), approximation="nystroem", n_kernel_components=50, random_state=0
    ).fit(X)
    assert model.kernel_map_.components_.shape == (50, 4)
    assert model.transform(X[:7]).shape == (7, 50)


def test_float32_is_preserved():
    X, _ = _circles()
    Z = KernelMetricLearner(Covariance(), gamma=2.0, n_kernel_components=10).fit_transform(
        X.astype(np.float32)
    )
    assert Z.dtype == np.float32


# --- native kernel learners -----------------------------------------------------------


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
    X, y = _circles()
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
    X, y = _circles(120)
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


def test_kernel_lmnn_targets_are_the_nearest_neighbours_in_feature_space():
    X, y = _circles(90)
    K = rbf_kernel(X, gamma=2.0)
    F = K @ empirical_kernel_map(K, 0.0).T
    diag = np.diag(K)
    feature_distances = diag[:, None] + diag[None, :] - 2 * K
    np.testing.assert_allclose(pairwise_distances(F) ** 2, feature_distances, atol=1e-6)


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


def test_kernel_lmnn_rejects_more_components_than_the_kernel_rank():
    X, y = _circles(40)
    with pytest.raises(ValueError, match="exceeds the rank"):
        KernelLMNN(kernel="linear", n_components=3).fit(X, y)


def test_non_psd_kernel_is_rejected_with_a_clear_error():
    X, y = _circles(60)
    with pytest.raises(ValueError, match="not positive semidefinite"):
        KernelLMNN(kernel="sigmoid", gamma=5.0, coef0=-3.0).fit(X, y)


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
    X, y = _circles(80)
    model = KernelITML(gamma=2.0, rank_rtol=0.0, random_state=0, n_constraints=100).fit(X, y)
    K = rbf_kernel(X, gamma=2.0)
    P = empirical_kernel_map(K, 0.0)
    F = K @ P.T
    # Training points embed as A k_i = L f_i: the learned feature-space distances.
    Z = model.transform(X)
    B = model.dual_coef_ @ np.linalg.pinv(P)
    np.testing.assert_allclose(Z, F @ B.T, rtol=1e-6, atol=1e-8)


def test_kernel_itml_separates_the_rings_and_matches_linear_itml_with_a_linear_kernel():
    X, y = _circles()
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
