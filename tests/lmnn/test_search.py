import numpy as np
import pytest
from sklearn import config_context

from mlearn import LMNN
from mlearn.lmnn._active_set import ActivePairs
from mlearn.lmnn._loss import lmnn_loss_and_grad
from mlearn.lmnn._search import find_impostors
from mlearn.lmnn._targets import target_neighbors

from ._helpers import all_impostor_pairs, small_problem


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_blockwise_search_finds_exactly_the_pairs_inside_the_radii(small_tiles, dtype):
    X, y = small_problem(seed=4, n=60, d=3, n_classes=4)
    X = X.astype(dtype)
    radii = np.random.default_rng(5).uniform(0.5, 4.0, size=X.shape[0])
    D = np.sum((X[:, None] - X[None]) ** 2, axis=2)
    inside = np.nonzero((D < radii[:, None]) & (y[:, None] != y))
    expected = set(zip(inside[0].tolist(), inside[1].tolist(), strict=True))
    # A tiny working memory forces blocks of a few rows.
    with config_context(working_memory=0.001):
        anchors, impostors, n_found = find_impostors(X, y, radii)
    found = list(zip(anchors.tolist(), impostors.tolist(), strict=True))
    assert len(found) == len(set(found))
    assert set(found) == expected


def test_capped_search_returns_a_seeded_sample_of_the_pairs_found():
    X, y = small_problem(seed=4, n=60, d=3, n_classes=4)
    radii = np.full(X.shape[0], 3.0)
    all_a, all_b, n_all = find_impostors(X, y, radii)
    with config_context(working_memory=0.001):
        a, b, n_found = find_impostors(X, y, radii, max_pairs=50, random_state=0)
        again = find_impostors(X, y, radii, max_pairs=50, random_state=0)
    assert n_found == n_all == all_a.shape[0] > 200
    assert a.shape[0] == 50
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    assert len(pairs) == 50
    assert pairs <= set(zip(all_a.tolist(), all_b.tolist(), strict=True))
    np.testing.assert_array_equal(again[0], a)


def test_search_loss_equals_loss_over_all_pairs():
    X, y = small_problem(seed=6, n=45)
    model = LMNN(n_neighbors=2, max_iter=30).fit(X, y)
    L = model.components_
    targets, valid = target_neighbors(X, y, 2)
    full = ActivePairs(targets, valid, *all_impostor_pairs(y))
    loss_full, grad_full = lmnn_loss_and_grad(L, X, full, 0.5)
    Z = X @ L.T
    d_target = np.where(valid, np.sum((Z[:, None] - Z[targets]) ** 2, axis=2), -np.inf)
    searched = ActivePairs(targets, valid, *find_impostors(Z, y, d_target.max(1) + 1)[:2])
    loss_searched, grad_searched = lmnn_loss_and_grad(L, X, searched, 0.5)
    assert loss_searched == pytest.approx(loss_full, rel=1e-12)
    np.testing.assert_allclose(grad_searched, grad_full, atol=1e-9)
