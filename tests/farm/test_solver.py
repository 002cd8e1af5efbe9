import cvxpy as cp
import numpy as np
import pytest
from numpy.testing import assert_allclose

from mlearn.constraints import knn_triplets
from mlearn.farm._evaluator import _TripletLoss
from mlearn.farm._solver import (
    MeanTripletLoss,
    balance_scale,
    farm_objective,
    metric_penalty,
    prox_l1_psd,
    update_metric,
    update_weights,
)
from mlearn.psd import is_psd

from ._helpers import PENALTIES, informative_and_noise, random_psd, small_problem


def _cvxpy_hinge(z):
    # ℓ(z) = ½ huber(max(1 − z, 0)) with huber(u) = u² (u ≤ 1), 2u − 1 (u > 1).
    return 0.5 * cp.huber(cp.pos(1 - z), 1)


def test_mean_loss_is_the_evaluators_sums_over_its_triplet_count():
    X, triplets = small_problem(n=20, d=4, n_triplets=60)
    rng = np.random.default_rng(11)
    M, w = random_psd(4, rng), rng.uniform(0.5, 1.5, 4)
    evaluator = _TripletLoss(X, triplets)
    total, G = evaluator.sums(M, w)
    value, mean_G = MeanTripletLoss(evaluator, 60)(M, w)
    assert value == total / 60 and np.array_equal(mean_G, G / 60)
    assert value == evaluator(M, w)[0]


@pytest.mark.parametrize("penalty", PENALTIES)
def test_each_block_update_does_not_increase_the_objective(penalty):
    X, triplets = small_problem(n=30, d=5, n_triplets=120)
    loss = _TripletLoss(X, triplets)
    args = (penalty, 0.05, 0.05)
    M, w, _ = balance_scale(np.eye(5), np.ones(5), *args)
    values = [farm_objective(loss, M, w, *args)]
    for _ in range(6):
        M = update_metric(loss, M, w, penalty, 0.05).x
        values.append(farm_objective(loss, M, w, *args))
        w = update_weights(loss, M, w, 0.05).x
        values.append(farm_objective(loss, M, w, *args))
        M, w, _ = balance_scale(M, w, *args)
        values.append(farm_objective(loss, M, w, *args))
    steps = np.diff(values)
    assert np.all(steps <= 1e-12 * abs(values[0])), steps
    assert values[-1] < 0.9 * values[0]


@pytest.mark.parametrize("penalty", PENALTIES)
def test_metric_block_matches_cvxpy_optimum(penalty):
    X, triplets = small_problem()
    rng = np.random.default_rng(3)
    w, alpha = rng.uniform(0.5, 1.5, 3), 0.05
    loss = _TripletLoss(X, triplets)
    result = update_metric(loss, np.eye(3), w, penalty, alpha, max_iter=5000, tol=1e-13)

    # margin_t = ⟨A_t, M⟩ with A_t = W (δ_ik δ_ikᵀ − δ_ij δ_ijᵀ) W.
    i, j, k = triplets.T
    far, near = (X[i] - X[k]) * w, (X[i] - X[j]) * w
    A = np.einsum("ta,tb->tab", far, far) - np.einsum("ta,tb->tab", near, near)
    M = cp.Variable((3, 3), PSD=True)
    margins = A.reshape(len(A), -1) @ cp.vec(M, order="C")
    omega = {"fro": cp.sum_squares(M), "l1": cp.sum(cp.abs(M)), "nuclear": cp.trace(M)}[penalty]
    problem = cp.Problem(cp.Minimize(cp.sum(_cvxpy_hinge(margins)) / len(A) + alpha * omega))
    problem.solve(solver=cp.CLARABEL)

    ours = loss(result.x, w)[0] + alpha * metric_penalty(result.x, penalty)
    assert ours == pytest.approx(problem.value, rel=1e-6)
    assert_allclose(result.x, M.value, atol=1e-4)
    assert is_psd(result.x)


def test_weight_block_matches_cvxpy_optimum_in_squared_weights():
    # With M diagonal and no L1 term the margins are linear in v = w ∘ w, so the
    # w-problem is convex in v and cvxpy gives its optimum.
    X, triplets = small_problem(seed=4, n=20, d=3, n_triplets=60)
    m = np.array([1.0, 0.5, 2.0])
    loss = _TripletLoss(X, triplets)
    result = update_weights(loss, np.diag(m), np.ones(3), 0.0, max_iter=5000, tol=1e-13)

    i, j, k = triplets.T
    B = ((X[i] - X[k]) ** 2 - (X[i] - X[j]) ** 2) * m
    v = cp.Variable(3, nonneg=True)
    problem = cp.Problem(cp.Minimize(cp.sum(_cvxpy_hinge(B @ v)) / len(B)))
    problem.solve(solver=cp.CLARABEL)

    assert result.fun == pytest.approx(problem.value, rel=1e-6)
    assert_allclose(result.x**2, v.value, atol=1e-3)


def test_weight_block_meets_the_optimality_conditions_with_l1():
    X, triplets = small_problem(seed=5, n=30, d=4, n_triplets=120)
    rng = np.random.default_rng(5)
    M, alpha = random_psd(4, rng), 0.05
    loss = _TripletLoss(X, triplets)
    w = update_weights(loss, M, np.ones(4), alpha, max_iter=5000, tol=1e-13).x
    _, G = loss(M, w)
    grad = 2 * (M * G) @ w + alpha
    assert np.all(w >= 0)
    assert_allclose(grad[w > 0], 0.0, atol=1e-6)
    assert np.all(grad[w == 0] >= -1e-6)


def test_prox_l1_psd_matches_cvxpy():
    rng = np.random.default_rng(6)
    V = rng.normal(size=(4, 4))
    V = V + V.T
    ours = prox_l1_psd(V, 0.3)
    M = cp.Variable((4, 4), PSD=True)
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(M - V) + 0.3 * cp.sum(cp.abs(M))))
    # Default tolerances leave CLARABEL's answer 1e-9 outside the PSD cone and 1e-5 off.
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    assert_allclose(ours, M.value, atol=1e-5)
    objective = 0.5 * np.sum((ours - V) ** 2) + 0.3 * np.sum(np.abs(ours))
    assert objective <= problem.value + 1e-9


def test_weight_signs_are_absorbed_by_the_metric_but_not_by_the_weights_alone():
    X, triplets = small_problem(d=4)
    rng = np.random.default_rng(7)
    M, w = random_psd(4, rng), rng.uniform(0.5, 1.5, 4)
    loss = _TripletLoss(X, triplets)
    S = np.diag([1.0, -1.0, 1.0, -1.0])
    for penalty in PENALTIES:
        args = (penalty, 0.1, 0.1)
        reference = farm_objective(loss, M, w, *args)
        assert farm_objective(loss, S @ M @ S, S @ w, *args) == pytest.approx(reference, rel=1e-12)
    assert_allclose(loss.margins(S @ M @ S, S @ w), loss.margins(M, w), rtol=1e-12)
    assert not np.allclose(loss.margins(M, S @ w), loss.margins(M, w))


@pytest.mark.parametrize("penalty", PENALTIES)
def test_balance_scale_keeps_the_metric_and_minimises_the_penalties(penalty):
    rng = np.random.default_rng(8)
    M, w = random_psd(3, rng), rng.uniform(0.5, 1.5, 3)

    def penalties(scale):
        return 0.02 * metric_penalty(M / scale**2, penalty) + 0.3 * np.sum(w * scale)

    M_new, w_new, c = balance_scale(M, w, penalty, 0.02, 0.3)
    assert_allclose(w_new[:, None] * M_new * w_new, w[:, None] * M * w, rtol=1e-12)
    assert penalties(c) < min(penalties(1.01 * c), penalties(c / 1.01), penalties(1.0))


def test_nuclear_penalty_gives_low_rank_and_l1_a_sparse_relation_matrix():
    # The M-block alone, all weights 1, the same strength: only Ω differs.
    X, y = informative_and_noise(n=150, n_noise=7)
    loss = _TripletLoss(X, knn_triplets(X, y))
    M = {
        p: update_metric(loss, 0.1 * np.eye(10), np.ones(10), p, 0.3, max_iter=300, tol=1e-10).x
        for p in PENALTIES
    }

    def rank(A):
        return np.linalg.matrix_rank(A, tol=1e-8 * np.abs(A).max())

    def near_zero(A):
        return np.mean(np.abs(A) <= 1e-6 * np.abs(A).max())

    assert rank(M["fro"]) == 10 and near_zero(M["fro"]) == 0.0
    assert rank(M["nuclear"]) <= 3
    assert near_zero(M["l1"]) >= 0.9
