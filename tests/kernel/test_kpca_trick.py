"""KernelMetricLearner: the KPCA trick around linear learners."""

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.metrics import pairwise_distances
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from mlearn import Covariance, KernelMetricLearner
from mlearn.constraints import random_triplets, similar_dissimilar_pairs

from .._learners import InverseVariancePairs, InverseVarianceTriplets
from ._helpers import circles


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
    X, y = circles()
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
    X, y = circles()
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
    X, y = circles()
    triplets = random_triplets(y, 600, random_state=0)
    model = KernelMetricLearner(InverseVarianceTriplets(preprocessor=X), gamma=2.0).fit(
        triplets[:400]
    )
    assert model.score(triplets[400:]) > 0.9
    assert model.decision_function(triplets[400:]).shape == (200,)


def test_n_components_needs_a_learner_that_takes_it():
    X, _ = circles()
    with pytest.raises(ValueError, match="has no n_components parameter"):
        KernelMetricLearner(Covariance(), n_components=1).fit(X)


def test_feature_count_is_checked_for_points_and_tuples():
    X, y = circles()
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
    X, _ = circles()
    Z = KernelMetricLearner(Covariance(), gamma=2.0, n_kernel_components=10).fit_transform(
        X.astype(np.float32)
    )
    assert Z.dtype == np.float32
