"""The passes: mean hinge evaluated exactly, the best W kept, the stopping rules."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from mlearn.oasis._kernels import margin_slack
from mlearn.oasis._solver import mean_hinge, passive_aggressive, triplet_scores

SETTINGS = {"C": 1.0, "max_iter": 200, "tol": None, "verbose": 0, "name": "test"}


def _separable(seed=0, n=60, d=5):
    """Two classes on either side of feature 0, far from it, with noise elsewhere: W = c e₀e₀ᵀ
    separates every (same, same, other) triplet, the dot product does not."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(scale=0.5, size=(n, d))
    X[:, 0] = np.where(y == 0, 1.0, -1.0) * rng.uniform(0.2, 0.8, size=n)
    same = [(i, j) for i in range(n) for j in range(n) if i != j and y[i] == y[j]]
    pick = rng.choice(len(same), 200, replace=False)
    triplets = np.array(
        [(same[k][0], same[k][1], rng.choice(np.flatnonzero(y != y[same[k][0]]))) for k in pick],
        dtype=np.intp,
    )
    return X, triplets


def test_triplet_scores_match_a_loop_dense_and_sparse():
    X, triplets = _separable()
    W = np.random.default_rng(2).normal(size=(5, 5))
    loop = [X[a] @ W @ X[p] - X[a] @ W @ X[n] for a, p, n in triplets]
    np.testing.assert_allclose(triplet_scores(X, triplets, W), loop, rtol=1e-12)
    np.testing.assert_allclose(triplet_scores(sp.csr_matrix(X), triplets, W), loop, rtol=1e-12)


def test_hinge_reaches_zero_on_separable_triplets():
    X, triplets = _separable()
    assert mean_hinge(X, triplets, np.eye(5)) > 0.1
    W, objective, n_passes, n_updates = passive_aggressive(X, triplets, np.eye(5), SETTINGS, 0)
    assert objective == 0.0 and mean_hinge(X, triplets, W) == 0.0
    # Every margin met, up to the rounding the steps allow.
    assert np.all(triplet_scores(X, triplets, W) >= 1.0 - margin_slack(X.dtype))
    assert 1 <= n_passes < SETTINGS["max_iter"] and n_updates > 0


def test_best_iterate_is_returned_and_the_start_is_not_modified():
    X, triplets = _separable(seed=3)
    X += np.random.default_rng(0).normal(scale=1.0, size=X.shape)  # not separable now
    W0 = np.eye(5)
    settings = {**SETTINGS, "max_iter": 5}
    with pytest.warns(ConvergenceWarning, match="max_iter=5"):
        W, objective, n_passes, _ = passive_aggressive(X, triplets, W0, settings, 0)
    np.testing.assert_array_equal(W0, np.eye(5))
    assert n_passes == 5
    assert objective == pytest.approx(mean_hinge(X, triplets, W), rel=1e-12)
    assert objective < mean_hinge(X, triplets, W0)


def test_tol_stops_when_a_pass_improves_little():
    X, triplets = _separable(seed=3)
    X += np.random.default_rng(0).normal(scale=1.0, size=X.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        _, _, n_passes, _ = passive_aggressive(X, triplets, np.eye(5), {**SETTINGS, "tol": 0.5}, 0)
    assert n_passes < SETTINGS["max_iter"]


def test_float32_points_give_a_float32_w():
    X, triplets = _separable()
    W, objective, n_passes, _ = passive_aggressive(
        X.astype(np.float32), triplets, np.eye(5), SETTINGS, 0
    )
    assert W.dtype == np.float32
    assert objective == 0.0 and n_passes < SETTINGS["max_iter"]
