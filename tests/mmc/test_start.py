"""MMC's starting metric (mlearn/mmc/_start.py): the shared init names, as metrics."""

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

from mlearn.mmc._start import starting_metric


def _start(init, X, y=None, n_components=None):
    return starting_metric(
        init,
        X.shape[1],
        points=lambda: X,
        y=y,
        n_components=n_components,
        inverse_covariance=lambda: np.linalg.inv(np.cov(X, rowvar=False)),
        seed=0,
    )


def _points(n=30, d=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) @ rng.normal(size=(d, d))


def test_auto_is_the_pca_start_below_the_points_and_features():
    X = _points()
    L = PCA(n_components=2, random_state=0).fit(X).components_
    np.testing.assert_allclose(_start("auto", X, n_components=2), L.T @ L, atol=1e-12)
    np.testing.assert_allclose(_start("pca", X, n_components=2), L.T @ L, atol=1e-12)


@pytest.mark.parametrize("n_points, n_components", [(3, 3), (4, 4), (30, None)])
def test_auto_is_the_full_identity_when_points_do_not_exceed_components(n_points, n_components):
    # metric-learn's rule: the identity when n_samples <= n_components (or n_components =
    # n_features); MMC truncates after the solve, so the start is the full identity.
    X = _points(n=n_points)
    np.testing.assert_array_equal(_start("auto", X, n_components=n_components), np.eye(5))


def test_auto_with_labels_is_the_lda_start_up_to_n_classes_minus_one():
    X = _points(n=40)
    y = np.arange(40) % 3
    L = LinearDiscriminantAnalysis().fit(X, y).scalings_.T[:2]
    np.testing.assert_allclose(_start("auto", X, y, n_components=2), L.T @ L, rtol=1e-10)
    # One row past the discriminant axes: 'auto' falls to 'pca'.
    P = PCA(n_components=3, random_state=0).fit(X).components_
    np.testing.assert_allclose(_start("auto", X, y, n_components=3), P.T @ P, atol=1e-12)


def test_auto_measures_features_in_different_units_standardised():
    X = _points(n=50) * np.array([1.0, 1.0, 1.0, 1.0, 1e4])
    np.testing.assert_allclose(_start("auto", X), np.diag(1 / X.std(axis=0) ** 2), rtol=1e-12)


def test_metric_names_keep_their_meaning():
    X = _points()
    np.testing.assert_array_equal(_start("identity", X, n_components=2), np.eye(5))
    np.testing.assert_allclose(_start("covariance", X), np.linalg.inv(np.cov(X, rowvar=False)))


def test_an_array_with_fewer_rows_than_features_is_a_linear_map():
    X = _points()
    L = np.arange(10.0).reshape(2, 5)
    np.testing.assert_array_equal(_start(L, X), L.T @ L)
    np.testing.assert_array_equal(_start(L, X, n_components=2), L.T @ L)
    M = np.diag([1.0, 2.0, 3.0, 4.0, 5.0])
    np.testing.assert_array_equal(_start(M, X, n_components=2), M)


@pytest.mark.parametrize(
    "init, n_components, message",
    [
        (np.ones((2, 4)), None, r"\(5, 5\) metric or an \(n_components, 5\)"),
        (np.ones((6, 5)), None, r"got shape \(6, 5\)"),
        (np.ones(5), None, r"got shape \(5,\)"),
        (np.ones((2, 5)), 3, "n_components=3"),
        (-np.eye(5), None, "not positive semidefinite"),
    ],
)
def test_arrays_of_other_shapes_or_not_psd_are_refused(init, n_components, message):
    with pytest.raises(ValueError, match=message):
        _start(init, _points(), n_components=n_components)


def test_the_points_are_read_only_by_the_data_driven_starts():
    def no_points():
        raise AssertionError("read")

    for init in ("identity", "random", np.eye(5)):
        starting_metric(
            init, 5, points=no_points, y=None, n_components=2, inverse_covariance=None, seed=0
        )
