import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose

from mlearn._evaluator import declared_attribute, declared_combination
from mlearn.farm._evaluator import _TripletLoss, smoothed_hinge

from ._helpers import margins_by_definition, random_psd, small_problem


def test_smoothed_hinge_values_and_slope():
    z = np.array([-2.0, 0.0, 0.5, 1.0, 3.0])
    value, slope = smoothed_hinge(z)
    assert_allclose(value, [2.5, 0.5, 0.125, 0.0, 0.0])
    assert_allclose(slope, [-1.0, -1.0, -0.5, 0.0, 0.0])


def test_margins_match_the_definition_of_the_feature_aware_metric():
    X, triplets = small_problem()
    rng = np.random.default_rng(1)
    M, w = random_psd(3, rng), rng.uniform(0.5, 2, 3)
    loss = _TripletLoss(X, triplets)
    assert_allclose(loss.margins(M, w), margins_by_definition(X, triplets, M, w), rtol=1e-12)


def test_loss_is_unchanged_by_translation_and_by_working_memory_blocks():
    X, triplets = small_problem(n=40, d=4, n_triplets=100)
    rng = np.random.default_rng(9)
    M, w = random_psd(4, rng), rng.uniform(0.5, 1.5, 4)
    value, G = _TripletLoss(X, triplets)(M, w)
    i, j, k = triplets.T
    slope = smoothed_hinge(margins_by_definition(X, triplets, M, w))[1] / len(triplets)
    near, far = X[i] - X[j], X[i] - X[k]
    assert_allclose(G, (far.T * slope) @ far - (near.T * slope) @ near, atol=1e-12)
    with sklearn.config_context(working_memory=1e-4):  # blocks of a few pairs
        moved = _TripletLoss(X + 1e4, triplets)(M, w)
    assert moved[0] == pytest.approx(value, rel=1e-9)
    assert_allclose(moved[1], G, atol=1e-8)


@pytest.mark.parametrize("block", ["metric", "weights"])
def test_gradient_matches_finite_differences(block):
    X, triplets = small_problem(n=20, d=4, n_triplets=60)
    rng = np.random.default_rng(2)
    M, w = random_psd(4, rng), rng.uniform(0.5, 1.5, 4)
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


def test_sums_over_triplets_add_up_over_any_split_of_the_triplets():
    # What a sharded fit relies on: 'sum' methods add over shards, 'concatenate'
    # methods follow the triplets' order, and n_triplets adds up.
    X, triplets = small_problem(n=30, d=4, n_triplets=90)
    rng = np.random.default_rng(10)
    M, w = random_psd(4, rng), rng.uniform(0.5, 1.5, 4)
    whole = _TripletLoss(X, triplets)
    parts = [_TripletLoss(X, part) for part in np.array_split(triplets, 3)]
    assert declared_combination(_TripletLoss, "sums") == ("sum", ())
    assert declared_combination(_TripletLoss, "margins") == ("concatenate", ())
    assert declared_attribute(_TripletLoss, "n_triplets") == "sum"
    total, G = whole.sums(M, w)
    assert sum(p.sums(M, w)[0] for p in parts) == pytest.approx(total, rel=1e-12)
    assert_allclose(sum(p.sums(M, w)[1] for p in parts), G, rtol=1e-10, atol=1e-12)
    assert_allclose(np.concatenate([p.margins(M, w) for p in parts]), whole.margins(M, w))
    assert sum(p.n_triplets for p in parts) == whole.n_triplets == len(triplets)
