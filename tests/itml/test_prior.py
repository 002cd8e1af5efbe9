"""The prior metric and the bounds: default percentiles, and what is rejected."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from mlearn import ITML
from mlearn.constraints import similar_dissimilar_pairs
from mlearn.itml._prior import prior_metric

from ._helpers import small_problem


def test_default_bounds_are_percentiles_of_squared_prior_distances():
    X, pairs, signs = small_problem(6, n=40, n_pairs=20)
    M0 = np.diag([1.0, 4.0, 9.0])
    itml = ITML(prior=M0, preprocessor=X).fit(pairs, signs)
    points = X[np.unique(pairs)] * [1.0, 2.0, 3.0]
    squared = np.sum((points[:, None] - points[None]) ** 2, axis=2)[np.triu_indices(len(points), 1)]
    assert len(points) < 40  # only the points of the pairs count
    np.testing.assert_allclose(itml.bounds_, np.percentile(squared, [5, 95]))
    # Pairs given as points repeat each point once per pair: the same bounds.
    as_points = ITML(prior=M0).fit(X[pairs], signs)
    np.testing.assert_allclose(as_points.bounds_, itml.bounds_)


def test_default_bounds_from_a_sample_when_there_are_many_points(monkeypatch):
    monkeypatch.setattr("mlearn.itml._prior._BOUND_PAIRS", 2000)
    rng = np.random.default_rng(10)
    X = rng.normal(size=(300, 4))
    pairs, signs = similar_dissimilar_pairs(rng.integers(0, 3, 300), 400, random_state=0)
    sampled = ITML(max_iter=1, random_state=0, preprocessor=X)
    with pytest.warns(ConvergenceWarning):
        sampled.fit(pairs, signs)
    points = X[np.unique(pairs)]
    squared = np.sum((points[:, None] - points[None]) ** 2, axis=2)[np.triu_indices(len(points), 1)]
    exact = np.percentile(squared, [5, 95])
    np.testing.assert_allclose(sampled.bounds_, exact, rtol=0.1)
    assert not np.allclose(sampled.bounds_, exact, rtol=1e-9, atol=0)


def test_sampled_bounds_work_in_small_blocks_whatever_working_memory_allows():
    """The 10⁶ sampled pairs' differences are formed a block at a time: at digits' size the
    temporaries stay a few MiB (they were 1.5 GB, which a fresh process paid 2 s for), and
    the distances are those of the whole sample."""
    import tracemalloc

    from sklearn import config_context

    from mlearn.itml._prior import _sampled_squared_distances

    Z = np.random.default_rng(4).normal(size=(1797, 64))
    with config_context(working_memory=4096):
        tracemalloc.start()
        squared = _sampled_squared_distances(Z, 1_000_000, 0)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    # The result (8 MB) and the pair indices (2 × 8 MB), plus blocks: far below 1.5 GB.
    assert peak < 64 * 2**20
    rng = np.random.RandomState(0)
    first, second = rng.randint(1797, size=1_000_000), rng.randint(1796, size=1_000_000)
    second += second >= first
    np.testing.assert_allclose(squared, np.sum((Z[first] - Z[second]) ** 2, axis=1), rtol=1e-12)


def test_random_prior_is_a_gram_matrix_of_standard_normal_rows_over_d():
    X = np.random.default_rng(0).normal(size=(10, 4))
    M0 = prior_metric("random", X, np.random.RandomState(3))
    L = np.random.RandomState(3).normal(size=(4, 4))
    np.testing.assert_allclose(M0, L.T @ L / 4, rtol=1e-12)
    assert np.linalg.eigvalsh(M0)[0] > 0


def test_covariance_prior_is_the_inverse_covariance_of_the_points():
    X = np.random.default_rng(1).normal(size=(50, 3)) * [1.0, 10.0, 0.1]
    M0 = prior_metric("covariance", X, np.random.RandomState(0))
    np.testing.assert_allclose(M0, np.linalg.inv(np.cov(X, rowvar=False)), rtol=1e-8)


@pytest.mark.parametrize(
    ("prior", "message"),
    [
        (np.diag([1.0, 1.0, 0.0]), "strictly positive definite"),
        (np.diag([1.0, -1.0, 1.0]), "not positive semidefinite"),
        (np.eye(2), r"\(3, 3\) matrix"),
        ("covariance", "rank 2 < 3"),
    ],
)
def test_prior_that_is_not_strictly_positive_definite_is_rejected(prior, message):
    X, pairs, signs = small_problem(7)
    X[:, 2] = X[:, 0] + X[:, 1]  # collinear: singular covariance
    with pytest.raises(ValueError, match=message):
        ITML(prior=prior, preprocessor=X).fit(pairs, signs)


@pytest.mark.parametrize(
    "bounds", [(2.0, 1.0), (0.0, 1.0), (1.0, np.inf), (1.0, 2.0, 3.0), ["a", "b"]]
)
def test_invalid_bounds_are_rejected(bounds):
    X, pairs, signs = small_problem(8)
    with pytest.raises(ValueError, match="bounds must be two finite numbers"):
        ITML(bounds=bounds, preprocessor=X).fit(pairs, signs)
