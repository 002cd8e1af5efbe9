import os
import subprocess
import sys
from pathlib import Path

import cvxpy as cp
import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from mlearn import FARM, FARMSupervised
from mlearn.constraints import knn_triplets, random_triplets
from mlearn.farm import (
    _TripletLoss,
    balance_scale,
    farm_objective,
    metric_penalty,
    prox_l1_psd,
    smoothed_hinge,
    update_metric,
    update_weights,
)
from mlearn.psd import is_psd

PENALTIES = ["fro", "l1", "nuclear"]


def _small_problem(seed=0, n=16, d=3, n_triplets=40):
    """Random points and random-label triplets: they conflict, so the optima are finite."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.arange(n) % 2
    return X, random_triplets(y, n_triplets, random_state=seed)


def _random_psd(d, rng):
    A = rng.normal(size=(d, d))
    return A @ A.T / d


def _informative_and_noise(n=240, n_noise=20, seed=0):
    """Three classes, each shifted along its own one of 3 informative features, plus noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = np.column_stack(
        [2.5 * np.eye(3)[y] + rng.normal(size=(n, 3)), rng.normal(size=(n, n_noise))]
    )
    return StandardScaler().fit_transform(X), y


def _margins_by_definition(X, triplets, M, w):
    W = np.diag(w)
    Mhat = W @ M @ W

    def squared(a, b):
        diff = X[a] - X[b]
        return np.einsum("ti,ij,tj->t", diff, Mhat, diff)

    i, j, k = triplets.T
    return squared(i, k) - squared(i, j)


def _cvxpy_hinge(z):
    # ℓ(z) = ½ huber(max(1 − z, 0)) with huber(u) = u² (u ≤ 1), 2u − 1 (u > 1).
    return 0.5 * cp.huber(cp.pos(1 - z), 1)


def test_smoothed_hinge_values_and_slope():
    z = np.array([-2.0, 0.0, 0.5, 1.0, 3.0])
    value, slope = smoothed_hinge(z)
    assert_allclose(value, [2.5, 0.5, 0.125, 0.0, 0.0])
    assert_allclose(slope, [-1.0, -1.0, -0.5, 0.0, 0.0])


def test_margins_match_the_definition_of_the_feature_aware_metric():
    X, triplets = _small_problem()
    rng = np.random.default_rng(1)
    M, w = _random_psd(3, rng), rng.uniform(0.5, 2, 3)
    loss = _TripletLoss(X, triplets)
    assert_allclose(loss.margins(M, w), _margins_by_definition(X, triplets, M, w), rtol=1e-12)


def test_loss_is_unchanged_by_translation_and_by_working_memory_blocks():
    X, triplets = _small_problem(n=40, d=4, n_triplets=100)
    rng = np.random.default_rng(9)
    M, w = _random_psd(4, rng), rng.uniform(0.5, 1.5, 4)
    value, G = _TripletLoss(X, triplets)(M, w)
    i, j, k = triplets.T
    slope = smoothed_hinge(_margins_by_definition(X, triplets, M, w))[1] / len(triplets)
    near, far = X[i] - X[j], X[i] - X[k]
    assert_allclose(G, (far.T * slope) @ far - (near.T * slope) @ near, atol=1e-12)
    with sklearn.config_context(working_memory=1e-4):  # blocks of a few pairs
        moved = _TripletLoss(X + 1e4, triplets)(M, w)
    assert moved[0] == pytest.approx(value, rel=1e-9)
    assert_allclose(moved[1], G, atol=1e-8)


@pytest.mark.parametrize("block", ["metric", "weights"])
def test_gradient_matches_finite_differences(block):
    X, triplets = _small_problem(n=20, d=4, n_triplets=60)
    rng = np.random.default_rng(2)
    M, w = _random_psd(4, rng), rng.uniform(0.5, 1.5, 4)
    loss = _TripletLoss(X, triplets)
    _, G = loss(M, w)
    h = 1e-6
    if block == "metric":
        E = rng.normal(size=(4, 4))
        E = E + E.T
        analytic = np.vdot(np.outer(w, w) * G, E)
        numeric = (loss(M + h * E, w)[0] - loss(M - h * E, w)[0]) / (2 * h)
    else:
        e = rng.normal(size=4)
        analytic = np.vdot(2 * (M * G) @ w, e)
        numeric = (loss(M, w + h * e)[0] - loss(M, w - h * e)[0]) / (2 * h)
    assert abs(numeric) > 1e-3
    assert analytic == pytest.approx(numeric, rel=1e-6)


@pytest.mark.parametrize("penalty", PENALTIES)
def test_each_block_update_does_not_increase_the_objective(penalty):
    X, triplets = _small_problem(n=30, d=5, n_triplets=120)
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
    X, triplets = _small_problem()
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
    X, triplets = _small_problem(seed=4, n=20, d=3, n_triplets=60)
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
    X, triplets = _small_problem(seed=5, n=30, d=4, n_triplets=120)
    rng = np.random.default_rng(5)
    M, alpha = _random_psd(4, rng), 0.05
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
    X, triplets = _small_problem(d=4)
    rng = np.random.default_rng(7)
    M, w = _random_psd(4, rng), rng.uniform(0.5, 1.5, 4)
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
    M, w = _random_psd(3, rng), rng.uniform(0.5, 1.5, 3)

    def penalties(scale):
        return 0.02 * metric_penalty(M / scale**2, penalty) + 0.3 * np.sum(w * scale)

    M_new, w_new, c = balance_scale(M, w, penalty, 0.02, 0.3)
    assert_allclose(w_new[:, None] * M_new * w_new, w[:, None] * M * w, rtol=1e-12)
    assert penalties(c) < min(penalties(1.01 * c), penalties(c / 1.01), penalties(1.0))


def test_l1_on_weights_zeroes_exactly_the_noise_features():
    # With only 240 points noise features fit some kNN triplets by chance; twice the
    # default weight penalty removes all 20 of them.
    X, y = _informative_and_noise()
    farm = FARMSupervised(alpha_weights=0.02).fit(X, y)
    assert np.all(farm.feature_weights_[:3] > 0.1 * farm.feature_weights_.max())
    assert np.all(farm.feature_weights_[3:] == 0.0)
    assert np.all(farm.components_[:, 3:] == 0.0)
    assert is_psd(farm.get_mahalanobis_matrix())


def test_nuclear_penalty_gives_low_rank_and_l1_a_sparse_relation_matrix():
    # The M-block alone, all weights 1, the same strength: only Ω differs.
    X, y = _informative_and_noise(n=150, n_noise=7)
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


def test_knn_after_transform_beats_euclidean_on_noisy_features():
    X, y = _informative_and_noise(n=300, n_noise=30)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, random_state=0)
    euclidean = KNeighborsClassifier(3).fit(X_tr, y_tr).score(X_te, y_te)
    oracle = KNeighborsClassifier(3).fit(X_tr[:, :3], y_tr).score(X_te[:, :3], y_te)
    farm = FARMSupervised().fit(X_tr, y_tr)
    learned = (
        KNeighborsClassifier(3).fit(farm.transform(X_tr), y_tr).score(farm.transform(X_te), y_te)
    )
    assert learned >= max(euclidean + 0.1, oracle - 0.05), (learned, euclidean, oracle)


def test_supervised_twin_runs_the_same_solver_on_knn_triplets():
    X, y = _informative_and_noise(n=90, n_noise=4)
    supervised = FARMSupervised(penalty="nuclear").fit(X, y)
    triplets = FARM(penalty="nuclear", preprocessor=X).fit(knn_triplets(X, y))
    assert_allclose(supervised.components_, triplets.components_, rtol=1e-12, atol=1e-14)
    assert supervised.n_iter_ == triplets.n_iter_


def test_max_iter_warns_and_keeps_the_last_iterate():
    X, y = _informative_and_noise(n=90, n_noise=4)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        farm = FARMSupervised(max_iter=2).fit(X, y)
    assert farm.n_iter_ == 2
    longer = FARMSupervised().fit(X, y)
    assert longer.objective_ <= farm.objective_


def test_verbose_prints_one_row_per_iteration(capsys):
    X, y = _informative_and_noise(n=90, n_noise=4)
    farm = FARMSupervised(verbose=1).fit(X, y)
    rows = [line for line in capsys.readouterr().out.splitlines() if "[FARMSupervised]" in line]
    assert len(rows) == farm.n_iter_ + 1


def test_init_options_and_bad_init_shape():
    X, y = _informative_and_noise(n=90, n_noise=2)
    for init in ["covariance", "random", np.eye(5)]:
        farm = FARMSupervised(init=init, random_state=0).fit(X, y)
        assert is_psd(farm.get_mahalanobis_matrix())
    with pytest.raises(ValueError, match="init must have shape"):
        FARMSupervised(init=np.eye(3)).fit(X, y)
    with pytest.raises(ValueError, match="n_components"):
        FARMSupervised(n_components=6).fit(X, y)


def test_too_strong_weight_penalty_warns_and_gives_the_zero_metric():
    X, y = _informative_and_noise(n=90, n_noise=2)
    with pytest.warns(UserWarning, match="every feature weight is zero"):
        farm = FARMSupervised(alpha_weights=10.0).fit(X, y)
    assert np.all(farm.feature_weights_ == 0) and np.all(farm.components_ == 0)


def test_feature_benchmark_reports_farm_next_to_the_euclidean_baseline():
    root = Path(__file__).resolve().parents[1]
    # The script must import this checkout's mlearn, not an installed one.
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }
    completed = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "farm_features.py"), "--datasets", "iris"]
        + ["--penalty", "nuclear"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows = [line.split("|")[1:-1] for line in completed.stdout.splitlines()[2:]]
    methods = {cells[2].strip(): cells for cells in rows}
    assert {"euclidean", "FARMSupervised(nuclear)"} <= methods.keys()
    farm = methods["FARMSupervised(nuclear)"]
    assert float(farm[4]) >= float(methods["euclidean"][4]) - 0.05
    assert 1 <= int(farm[5]) <= 4
