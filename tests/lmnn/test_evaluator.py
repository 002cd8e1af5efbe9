import numpy as np
import pytest

from mlearn._evaluator import declared_combination, declared_methods
from mlearn.lmnn._active_set import search_active_set
from mlearn.lmnn._evaluator import RowBlockObjective
from mlearn.lmnn._loss import lmnn_loss_and_grad
from mlearn.lmnn._targets import target_neighbors

from ._helpers import small_problem


def test_every_method_the_solver_calls_declares_how_blocks_combine():
    assert declared_methods(RowBlockObjective) == [
        "active_set_size",
        "centred_scatters",
        "class_sums",
        "loss_and_grad",
        "nearest_rows",
        "search_active_set",
        "select_targets",
        "target_changes",
        "target_distance_sum",
    ]
    for name in ["search_active_set", "select_targets"]:
        assert declared_combination(RowBlockObjective, name) == ("update", ())
    names = ["active_set_size", "class_sums", "loss_and_grad", "target_changes"]
    for name in names + ["target_distance_sum"]:
        assert declared_combination(RowBlockObjective, name) == ("sum", ())
    assert declared_combination(RowBlockObjective, "nearest_rows") == ("nearest", ())


def test_one_block_of_all_rows_evaluates_the_in_memory_objective():
    X, y = small_problem(seed=3, n=60, d=4)
    L = np.random.default_rng(4).normal(size=(3, 4))
    block = RowBlockObjective.from_block(
        0, X, y, n_neighbors=3, dtype=np.float64, random_state=np.random.RandomState(0)
    )
    targets, valid = target_neighbors(X, y, 3)
    np.testing.assert_array_equal(block.targets, targets)
    block.search_active_set(L, 500, X.shape[0])
    pairs = search_active_set(X, y, L, targets, valid, 500, np.random.RandomState(0))
    assert block.active_set_size() == (pairs.n_impostor_pairs, int(pairs.sampled))
    loss, grad = block.loss_and_grad(L, 0.5, "hinge")
    expected_loss, expected_grad = lmnn_loss_and_grad(L, X, pairs, 0.5, "hinge")
    assert loss == expected_loss
    np.testing.assert_array_equal(grad, expected_grad)
    counts, sums = block.class_sums(3)
    np.testing.assert_array_equal(counts, np.bincount(y))
    np.testing.assert_allclose(sums, [X[y == c].sum(axis=0) for c in range(3)], rtol=1e-12)
    total, count = block.target_distance_sum(L)
    Z = X @ L.T
    assert count == valid.sum() == X.shape[0] * 3
    assert total == pytest.approx(np.sum((Z[:, None] - Z[targets]) ** 2), rel=1e-12)


def test_blocks_after_the_first_sample_with_streams_of_their_own():
    X, y = small_problem(seed=5, n=30)
    rng = np.random.RandomState(0)
    blocks = [
        RowBlockObjective.from_block(
            offset, X, y, n_neighbors=2, dtype=np.float64, random_state=rng
        )
        for offset in (0, 30, 60)
    ]
    # The first block draws from random_state itself (one block is the in-memory fit);
    # building the others reads its state without drawing from it.
    assert blocks[0].rng is rng
    np.testing.assert_array_equal(rng.get_state()[1], np.random.RandomState(0).get_state()[1])
    draws = [block.rng.randint(2**31, size=4) for block in blocks]
    assert len({tuple(d) for d in draws}) == 3


def test_selected_targets_are_the_nearest_same_class_points_under_L():
    X, y = small_problem(seed=5, n=70, d=4)
    L = np.random.default_rng(6).normal(size=(2, 4))
    block = RowBlockObjective.from_block(0, X, y, n_neighbors=3, dtype=np.float64, random_state=0)
    before = block.targets.copy()
    block.select_targets(L)
    Z = X @ L.T
    D = np.sum((Z[:, None] - Z[None]) ** 2, axis=2)
    D[(y[:, None] != y) | np.eye(X.shape[0], dtype=bool)] = np.inf
    np.testing.assert_array_equal(block.targets, np.argsort(D, axis=1)[:, :3])
    changed = np.sort(block.targets, axis=1) != np.sort(before, axis=1)
    assert block.target_changes() == (np.count_nonzero(changed), 3 * X.shape[0])
    assert 0 < np.count_nonzero(changed)
