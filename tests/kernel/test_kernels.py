"""The kernel parameters shared by the kernel learners: the median-heuristic γ."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_wine
from sklearn.metrics import pairwise_distances
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from mlearn.kernel import KernelITML, KernelLMNN, KernelMetricLearner
from mlearn.kernel._kernels import MEDIAN_HEURISTIC_POINTS, kernel_matrix, median_heuristic_gamma


def test_median_heuristic_gamma_matches_a_loop_over_pairs():
    X = np.random.default_rng(0).normal(size=(40, 3))
    squared = [np.sum((X[i] - X[j]) ** 2) for i in range(40) for j in range(i + 1, 40)]
    l1 = [np.sum(np.abs(X[i] - X[j])) for i in range(40) for j in range(i + 1, 40)]
    assert median_heuristic_gamma(X, "rbf") == pytest.approx(1 / np.median(squared), rel=1e-12)
    assert median_heuristic_gamma(X, "laplacian") == pytest.approx(1 / np.median(l1), rel=1e-12)


def test_median_heuristic_ignores_duplicate_points_and_subsamples_large_sets():
    X = np.repeat(np.arange(3.0)[:, None], 5, axis=0)
    # The distinct pairs are 1, 1 and 4 apart (squared): the median is 1.
    assert median_heuristic_gamma(X) == pytest.approx(1.0)
    assert median_heuristic_gamma(np.zeros((4, 2))) == 1.0
    big = np.random.default_rng(1).normal(size=(3 * MEDIAN_HEURISTIC_POINTS, 2))
    # 2 E‖x − x'‖² = 4 for standard normal points in 2-D; the median of a χ²₂ · 2 is 2 ln 4.
    assert median_heuristic_gamma(big) == pytest.approx(1 / (4 * np.log(2)), rel=0.05)


@pytest.mark.parametrize(
    "learner", [KernelLMNN(random_state=0), KernelITML(random_state=0)], ids=type
)
def test_default_gamma_makes_the_embedding_independent_of_units(learner):
    X, y = load_wine(return_X_y=True)
    X, y = X[::2], y[::2]
    fitted = clone(learner).fit(X, y)
    rescaled = clone(learner).fit(X * 1000.0, y)
    assert rescaled.gamma_ == pytest.approx(fitted.gamma_ * 1e-6, rel=1e-12)
    np.testing.assert_allclose(kernel_matrix(rescaled, X * 1000.0), kernel_matrix(fitted, X))
    # The same kernel, so the same learned geometry (up to the solvers' round-off).
    np.testing.assert_allclose(
        pairwise_distances(rescaled.transform(X * 1000.0)),
        pairwise_distances(fitted.transform(X)),
        rtol=1e-3,
        atol=1e-3,
    )


def test_default_gamma_makes_the_kernel_map_independent_of_units():
    X, y = load_wine(return_X_y=True)
    fitted = KernelMetricLearner().fit(X, y)
    rescaled = KernelMetricLearner().fit(X * 1000.0, y)
    assert rescaled.gamma_ == pytest.approx(fitted.gamma_ * 1e-6, rel=1e-12)
    np.testing.assert_allclose(
        pairwise_distances(rescaled.kernel_map_.transform(X * 1000.0)),
        pairwise_distances(fitted.kernel_map_.transform(X)),
        atol=1e-8,
    )


def test_given_gamma_is_used_as_given():
    X, y = load_wine(return_X_y=True)
    assert KernelLMNN(gamma=0.5, max_iter=5).fit(X[::3], y[::3]).gamma_ == 0.5
    assert KernelLMNN(kernel="poly", max_iter=5).fit(X[::3], y[::3]).gamma_ is None


def test_default_kernel_lmnn_beats_euclidean_knn_on_raw_wine():
    # Raw wine's features span four orders of magnitude: with γ = 1 / n_features the kernel
    # is ≈ 0 off the diagonal and KernelLMNN scored 0.43 (Euclidean 0.70).
    X, y = load_wine(return_X_y=True)
    euclidean = cross_val_score(KNeighborsClassifier(3), X, y, cv=3).mean()
    learned = cross_val_score(
        make_pipeline(KernelLMNN(random_state=0), KNeighborsClassifier(3)), X, y, cv=3
    ).mean()
    assert euclidean < 0.75
    assert learned > euclidean + 0.15
