import numpy as np

from mlearn.lmnn._targets import target_neighbors

from ._helpers import small_problem


def test_target_neighbors_are_the_nearest_same_class_points(small_tiles):
    X, y = small_problem(seed=11, n=83, d=4, n_classes=3)
    targets, valid = target_neighbors(X, y, 4)
    D = np.sum((X[:, None] - X[None]) ** 2, axis=2)
    D[(y[:, None] != y) | np.eye(X.shape[0], dtype=bool)] = np.inf
    np.testing.assert_array_equal(targets, np.argsort(D, axis=1)[:, :4])
    assert valid.all()


def test_a_duplicate_is_a_target_neighbour_and_a_point_is_not_its_own(small_tiles):
    X, y = small_problem(seed=17, n=40, d=3, n_classes=2)
    X = np.vstack([X, X[:6]])
    y = np.concatenate([y, y[:6]])
    targets, _ = target_neighbors(X, y, 2)
    np.testing.assert_array_equal(targets[:6, 0], np.arange(40, 46))
    np.testing.assert_array_equal(targets[40:, 0], np.arange(6))
    assert not np.any(targets == np.arange(X.shape[0])[:, None])
