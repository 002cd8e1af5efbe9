import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose
from scipy.optimize import minimize_scalar

from mlearn.scml._evaluator import TripletBasisTerms
from mlearn.scml._solver import DELTA, dual_averaging, metric_from_weights, scml_objective

from ._helpers import basis_margins_by_definition, triplet_problem, weights_metric


def _settings(**changes):
    settings = {
        "beta": 1e-5,
        "gamma": 5e-3,
        "max_iter": 600,
        "output_iter": 100,
        "batch_size": 10,
        "tol": None,
        "verbose": 0,
        "name": "SCML",
    }
    return {**settings, **changes}


def _one_step(Z, draws, w, gradient_sum, norm, t, gamma, beta):
    from mlearn.scml._kernels import dual_averaging_steps

    w, gradient_sum, norm = w.copy(), gradient_sum.copy(), norm.copy()
    dual_averaging_steps(Z, draws[None], w, gradient_sum, norm, t, gamma, beta, DELTA)
    return w, gradient_sum, norm


@pytest.mark.parametrize("all_inactive", [False, True])
def test_weight_update_is_the_soft_threshold_of_the_averaged_gradient(all_inactive):
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(30, 8))
    gradient_sum, norm = rng.normal(size=8), rng.uniform(0, 2, 8)
    draws, t, gamma, beta = rng.integers(0, 30, 6), 4, 0.3, 0.05
    # The weights of the previous step's state, as the kernel keeps them.
    w = np.maximum(-gradient_sum - beta * t, 0) / (gamma * (DELTA + norm))
    if all_inactive:  # every slack 1 + z_rᵀ w negative: a step on the support only
        Z[:, w > 0] = -10.0
    new_w, new_sum, new_norm = _one_step(Z, draws, w, gradient_sum, norm, t, gamma, beta)
    active = 1.0 + Z[draws] @ w > 0
    assert not np.any(active) if all_inactive else np.any(active)
    g = Z[draws][active].sum(axis=0) / len(draws)
    expected_sum, expected_norm = gradient_sum + g, np.sqrt(norm**2 + g**2)
    assert_allclose(new_sum, expected_sum, rtol=1e-12)
    assert_allclose(new_norm, expected_norm, rtol=1e-12)
    mean = expected_sum / (t + 1)
    # Each w_b minimises ḡ_b w + β w + γ (δ + G_b) w² / (2 (t + 1)) over w ≥ 0.
    for b in range(8):
        curvature = gamma * (DELTA + expected_norm[b]) / (t + 1)
        best = minimize_scalar(
            lambda v, b=b, c=curvature: (mean[b] + beta) * v + 0.5 * c * v * v,
            bounds=(0.0, 1e3),
            method="bounded",
            options={"xatol": 1e-12},
        ).x
        assert new_w[b] == pytest.approx(best, rel=1e-6, abs=1e-9)
    closed_form = (t + 1) / (gamma * (DELTA + expected_norm)) * np.maximum(-mean - beta, 0)
    assert_allclose(new_w, closed_form, rtol=1e-12)
    assert np.any(new_w == 0) and np.any(new_w > 0)


def test_dual_averaging_reaches_zero_hinge_on_separable_triplets():
    # Feature 0 decides every triplet: along it the anchor (at 1) is 1 from p and 2 from
    # n, so w_0 ≥ 1/3 alone gives every margin 1; the other features are small noise.
    rng = np.random.default_rng(1)
    X = rng.normal(scale=0.1, size=(60, 3))
    X[:, 0] = np.repeat([0.0, 1.0, 3.0], 20)
    a, p, n = rng.integers(0, 20, 200), rng.integers(20, 40, 200), rng.integers(40, 60, 200)
    triplets = np.column_stack([p, a, n])
    B = np.eye(3)
    terms = TripletBasisTerms(X, triplets, B)
    w, objective, n_iter, converged = dual_averaging(terms, B, _settings(gamma=1.0), 0)
    hinge, n_active = terms.hinge_sum(metric_from_weights(B, w))
    assert hinge == 0.0 and n_active == 0
    assert objective == pytest.approx(1e-5 * w.sum(), rel=1e-12)
    assert w[0] >= 1 / 3
    assert (n_iter, converged) == (600, True)


def test_objective_is_the_mean_hinge_plus_the_l1_term():
    X, triplets, B = triplet_problem(seed=4)
    w = np.random.default_rng(4).uniform(0, 0.2, len(B)) * (np.arange(len(B)) % 3 == 0)
    slack = 1.0 + basis_margins_by_definition(X, triplets, B) @ w
    objective, _ = scml_objective(TripletBasisTerms(X, triplets, B), B, w, beta=0.01)
    assert objective == pytest.approx(np.maximum(slack, 0).mean() + 0.01 * w.sum(), rel=1e-12)
    assert_allclose(metric_from_weights(B, w), weights_metric(B, w), atol=1e-14)


def test_steps_do_not_depend_on_how_the_draws_are_blocked():
    X, triplets, B = triplet_problem(seed=5)
    terms = TripletBasisTerms(X, triplets, B)
    whole = dual_averaging(terms, B, _settings(), 7)
    with sklearn.config_context(working_memory=1e-4):  # a few steps per block
        blocked = dual_averaging(terms, B, _settings(), 7)
    assert_allclose(blocked[0], whole[0], rtol=1e-12)
    assert blocked[1:] == whole[1:]


class _ShardedLike:
    """The evaluator's declared face only, as a sharded evaluator shows it."""

    def __init__(self, terms):
        self.terms, self.n_triplets = terms, terms.n_triplets

    def subset(self, rows):
        return _ShardedLike(self.terms.subset(rows))

    def basis_margins(self):
        return self.terms.basis_margins()

    def hinge_sum(self, M):
        return self.terms.hinge_sum(M)


def test_margins_handed_out_give_the_steps_formed_on_the_points():
    X, triplets, B = triplet_problem(seed=8)
    terms = TripletBasisTerms(X, triplets, B)
    on_points = dual_averaging(terms, B, _settings(), 2)
    handed_out = dual_averaging(_ShardedLike(terms), B, _settings(), 2)
    assert_allclose(handed_out[0], on_points[0], rtol=1e-12)
    assert handed_out[1] == pytest.approx(on_points[1], rel=1e-12)


def test_draws_are_metric_learns_randint_stream():
    # metric-learn draws RandomState(seed).randint(0, n_triplets, (max_iter, batch_size))
    # once; replaying that stream by hand gives the same weights.
    from mlearn.scml._kernels import dual_averaging_steps

    X, triplets, B = triplet_problem(seed=6)
    terms = TripletBasisTerms(X, triplets, B)
    s = _settings(max_iter=100, output_iter=100)
    w, *_ = dual_averaging(terms, B, s, 3)
    draws = np.random.RandomState(3).randint(0, len(triplets), size=(100, 10))
    Z = basis_margins_by_definition(X, triplets, B)
    replay, gradient_sum, norm = np.zeros(len(B)), np.zeros(len(B)), np.zeros(len(B))
    dual_averaging_steps(Z, draws, replay, gradient_sum, norm, 0, s["gamma"], s["beta"], DELTA)
    assert_allclose(w, replay, rtol=1e-12)


def test_tol_stops_when_the_best_objective_stalls_and_max_iter_warns():
    X, triplets, B = triplet_problem(seed=7)
    terms = TripletBasisTerms(X, triplets, B)
    _, _, n_iter, converged = dual_averaging(terms, B, _settings(tol=0.5, max_iter=5000), 0)
    assert converged and n_iter < 5000
    # One evaluation only: nothing to compare it with, so max_iter is reached.
    with pytest.warns(sklearn.exceptions.ConvergenceWarning, match="max_iter=100"):
        _, _, n_iter, converged = dual_averaging(terms, B, _settings(tol=0.0, max_iter=100), 0)
    assert n_iter == 100 and not converged
