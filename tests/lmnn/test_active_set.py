import numpy as np
import pytest

from mlearn.lmnn import _active_set
from mlearn.lmnn._active_set import ActivePairs, search_active_pairs
from mlearn.lmnn._loss import lmnn_loss_and_grad
from mlearn.lmnn._search import find_impostors
from mlearn.lmnn._targets import target_neighbors

from ._helpers import small_problem


@pytest.mark.parametrize("pilot", [True, False], ids=["pilot-and-sample", "exact-then-subsample"])
def test_sampled_push_term_and_gradient_are_unbiased(pilot, monkeypatch):
    # With the pilot, the search estimates the number of pairs inside the radii
    # and samples candidates at the rate max_pairs / estimate; without it, it
    # enumerates all pairs and keeps a uniform sample of max_pairs. Both must
    # average to the objective and gradient over every pair inside the radii.
    if pilot:
        monkeypatch.setattr(_active_set, "_EXACT_SEARCH_FACTOR", 1)
    max_pairs = 600
    X, y = small_problem(seed=14, n=90, d=3, n_classes=3)
    L = np.random.default_rng(15).normal(size=(3, 3)) * 0.5
    targets, valid = target_neighbors(X, y, 2)
    Z = X @ L.T
    radii = np.full(X.shape[0], 2.5)
    exact = ActivePairs(targets, valid, *find_impostors(Z, y, radii)[:2])
    assert exact.anchors.shape[0] > 600
    loss, grad = lmnn_loss_and_grad(L, X, exact, 0.5)
    rng = np.random.RandomState(0)
    V = np.random.default_rng(16).normal(size=L.shape)
    draws = []
    for _ in range(300):
        pairs = search_active_pairs(Z, y, radii, targets, valid, max_pairs, rng)
        assert pairs.sampled
        sample_loss, sample_grad = lmnn_loss_and_grad(L, X, pairs, 0.5)
        draws.append((sample_loss, np.vdot(sample_grad, V)))
    draws = np.array(draws)
    mean, error = draws.mean(axis=0), draws.std(axis=0) / np.sqrt(draws.shape[0])
    assert np.all(error > 0)
    assert abs(mean[0] - loss) < 4 * error[0]
    assert abs(mean[1] - np.vdot(grad, V)) < 4 * error[1]
