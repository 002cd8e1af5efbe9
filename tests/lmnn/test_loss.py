import numpy as np
import pytest

from mlearn.lmnn._active_set import ActivePairs
from mlearn.lmnn._loss import lmnn_loss_and_grad
from mlearn.lmnn._targets import target_neighbors

from ._helpers import all_impostor_pairs, small_problem


def _naive_loss_and_grad(L, X, y, targets, valid, mu, hinge):
    """Loop over every (i, j, l) triplet and sum outer products."""
    loss, G = 0.0, np.zeros((X.shape[1], X.shape[1]))
    dist = lambda a, b: float(np.sum((L @ (X[a] - X[b])) ** 2))  # noqa: E731
    outer = lambda a, b: np.outer(X[a] - X[b], X[a] - X[b])  # noqa: E731
    for i in range(X.shape[0]):
        for m in range(targets.shape[1]):
            if not valid[i, m]:
                continue
            j = targets[i, m]
            loss += (1 - mu) * dist(i, j)
            G += (1 - mu) * outer(i, j)
            for l_ in np.flatnonzero(y != y[i]):
                t = 1 + dist(i, j) - dist(i, l_)
                if t > 0:
                    loss += mu * (t if hinge == "hinge" else t * t)
                    slope = 1.0 if hinge == "hinge" else 2 * t
                    G += mu * slope * (outer(i, j) - outer(i, l_))
    return loss, 2 * L @ G


@pytest.mark.parametrize("hinge", ["hinge", "squared_hinge"])
def test_loss_and_gradient_match_naive_triplet_loop(hinge):
    X, y = small_problem()
    L = np.random.default_rng(1).normal(size=(3, 4)) * 0.7
    targets, valid = target_neighbors(X, y, 2)
    pairs = ActivePairs(targets, valid, *all_impostor_pairs(y))
    loss, grad = lmnn_loss_and_grad(L, X, pairs, 0.3, hinge)
    ref_loss, ref_grad = _naive_loss_and_grad(L, X, y, targets, valid, 0.3, hinge)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("hinge", ["hinge", "squared_hinge"])
def test_gradient_matches_finite_differences(hinge):
    X, y = small_problem(seed=2)
    rng = np.random.default_rng(3)
    L = rng.normal(size=(4, 4)) * 0.5
    targets, valid = target_neighbors(X, y, 3)
    pairs = ActivePairs(targets, valid, *all_impostor_pairs(y))
    _, grad = lmnn_loss_and_grad(L, X, pairs, 0.5, hinge)
    eps = 1e-6
    for _ in range(5):
        V = rng.normal(size=L.shape)
        plus, _ = lmnn_loss_and_grad(L + eps * V, X, pairs, 0.5, hinge)
        minus, _ = lmnn_loss_and_grad(L - eps * V, X, pairs, 0.5, hinge)
        numeric = (plus - minus) / (2 * eps)
        assert abs(numeric - np.vdot(grad, V)) < 1e-6 * abs(numeric)
