"""The representer machinery shared by the native kernel learners: the empirical kernel map
and the checks of RepresenterKernelLearner (exercised through KernelLMNN)."""

import numpy as np
import pytest
from sklearn.metrics import pairwise_distances
from sklearn.metrics.pairwise import rbf_kernel

from mlearn import KernelLMNN
from mlearn.kernel._representer import empirical_kernel_map

from ._helpers import circles


def test_kernel_lmnn_targets_are_the_nearest_neighbours_in_feature_space():
    X, y = circles(90)
    K = rbf_kernel(X, gamma=2.0)
    F = K @ empirical_kernel_map(K, 0.0).T
    diag = np.diag(K)
    feature_distances = diag[:, None] + diag[None, :] - 2 * K
    np.testing.assert_allclose(pairwise_distances(F) ** 2, feature_distances, atol=1e-6)


def test_kernel_lmnn_rejects_more_components_than_the_kernel_rank():
    X, y = circles(40)
    with pytest.raises(ValueError, match="exceeds the rank"):
        KernelLMNN(kernel="linear", n_components=3).fit(X, y)


def test_non_psd_kernel_is_rejected_with_a_clear_error():
    X, y = circles(60)
    with pytest.raises(ValueError, match="not positive semidefinite"):
        KernelLMNN(kernel="sigmoid", gamma=5.0, coef0=-3.0).fit(X, y)
