"""The joint objective of MultiMetricLMNN: against a triplet loop, finite differences, LMNN."""

import numpy as np
import pytest

from mlearn.lmnn._active_set import ActivePairs, search_active_set
from mlearn.lmnn._loss import lmnn_loss_and_grad
from mlearn.lmnn._multimetric_objective import (
    PairsByMetric,
    multi_metric_loss_and_grad,
    multi_metric_target_distances,
    search_multi_metric_pairs,
)
from mlearn.lmnn._targets import target_neighbors

from ._helpers import all_impostor_pairs, small_problem


def _naive_loss_and_grad(Ls, X, y, clusters, targets, valid, mu, hinge):
    """Every (i, j, l) triplet, each distance with the metric of its second point."""
    loss, G = 0.0, np.zeros((Ls.shape[0], X.shape[1], X.shape[1]))

    def dist(a, b):
        return float(np.sum((Ls[clusters[b]] @ (X[a] - X[b])) ** 2))

    def add(a, b, w):
        G[clusters[b]] += w * np.outer(X[a] - X[b], X[a] - X[b])

    for i in range(X.shape[0]):
        for m in np.flatnonzero(valid[i]):
            j = targets[i, m]
            loss += (1 - mu) * dist(i, j)
            add(i, j, 1 - mu)
            for l_ in np.flatnonzero(y != y[i]):
                t = 1 + dist(i, j) - dist(i, l_)
                if t > 0:
                    loss += mu * (t if hinge == "hinge" else t * t)
                    slope = 1.0 if hinge == "hinge" else 2 * t
                    add(i, j, mu * slope)
                    add(i, l_, -mu * slope)
    return loss, 2 * np.einsum("cpd,cde->cpe", Ls, G)


def _problem(n_metrics=3, seed=0):
    X, y = small_problem(seed)
    rng = np.random.default_rng(seed + 1)
    clusters = rng.integers(0, n_metrics, size=X.shape[0])
    Ls = rng.normal(size=(n_metrics, 3, X.shape[1])) * 0.6
    targets, valid = target_neighbors(X, y, 2)
    pairs = PairsByMetric(ActivePairs(targets, valid, *all_impostor_pairs(y)), clusters, n_metrics)
    return X, y, clusters, Ls, targets, valid, pairs


@pytest.mark.parametrize("hinge", ["hinge", "squared_hinge"])
def test_loss_and_gradient_match_a_triplet_loop_with_a_metric_per_second_point(hinge):
    X, y, clusters, Ls, targets, valid, pairs = _problem()
    loss, grad = multi_metric_loss_and_grad(Ls, X, pairs, 0.3, hinge)
    ref_loss, ref_grad = _naive_loss_and_grad(Ls, X, y, clusters, targets, valid, 0.3, hinge)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-10)


def test_gradient_matches_central_finite_differences():
    X, y, clusters, Ls, targets, valid, pairs = _problem(seed=2)
    _, grad = multi_metric_loss_and_grad(Ls, X, pairs, 0.5, "squared_hinge")
    h, numeric = 1e-6, np.zeros_like(Ls)
    for index in np.ndindex(Ls.shape):
        step = np.zeros_like(Ls)
        step[index] = h
        up, _ = multi_metric_loss_and_grad(Ls + step, X, pairs, 0.5, "squared_hinge")
        down, _ = multi_metric_loss_and_grad(Ls - step, X, pairs, 0.5, "squared_hinge")
        numeric[index] = (up - down) / (2 * h)
    assert np.abs(grad).max() > 1.0  # the check compares something
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-5)


def test_one_metric_is_lmnns_loss_and_gradient_bit_for_bit():
    X, y, _, Ls, targets, valid, _ = _problem(n_metrics=1)
    pairs = ActivePairs(targets, valid, *all_impostor_pairs(y))
    clusters = np.zeros(X.shape[0], dtype=np.intp)
    loss, grad = multi_metric_loss_and_grad(Ls, X, PairsByMetric(pairs, clusters, 1), 0.4, "hinge")
    ref_loss, ref_grad = lmnn_loss_and_grad(Ls[0], X, pairs, 0.4, "hinge")
    assert loss == ref_loss
    np.testing.assert_array_equal(grad[0], ref_grad)


def _brute_force_active_pairs(X, y, clusters, Ls, targets, valid, slack=0.3):
    """All (i, l), y_l ≠ y_i, with D_il < (1 + slack)(max_j D_ij + 1), D with l's metric."""
    embedded = np.einsum("cpd,ijd->cijp", Ls, X[:, None] - X[None])
    by_metric = np.einsum("cijp,cijp->cij", embedded, embedded)
    D = np.take_along_axis(by_metric, clusters[None, None, :], axis=0)[0]
    d_target = np.where(valid, np.take_along_axis(D, targets, axis=1), -np.inf)
    radii = (1 + slack) * (d_target.max(axis=1) + 1)
    inside = (D < radii[:, None]) & (y[:, None] != y[None, :])
    return set(zip(*np.nonzero(inside), strict=True)), D


def test_search_finds_exactly_the_pairs_inside_the_radii_under_each_points_metric():
    X, y, clusters, Ls, targets, valid, _ = _problem(seed=3)
    Ls = Ls * 0.3  # radii wide enough to hold some pairs, not all
    found = search_multi_metric_pairs(X, y, clusters, Ls, targets, valid, None, None)
    expected, D = _brute_force_active_pairs(X, y, clusters, Ls, targets, valid)
    pairs = set(zip(found.pairs.anchors, found.pairs.impostors, strict=True))
    assert 0 < len(expected) < np.sum(y[:, None] != y[None, :])
    assert pairs == expected and len(pairs) == found.n_impostor_pairs
    np.testing.assert_allclose(
        multi_metric_target_distances([X @ L.T for L in Ls], targets, clusters),
        np.take_along_axis(D, targets, axis=1),
        rtol=1e-12,
    )


def test_search_over_the_budget_keeps_a_weighted_uniform_sample():
    X, y, clusters, Ls, targets, valid, _ = _problem(seed=3)
    expected, _ = _brute_force_active_pairs(X, y, clusters, Ls, targets, valid)
    found = search_multi_metric_pairs(
        X, y, clusters, Ls, targets, valid, 50, np.random.RandomState(0)
    )
    pairs = set(zip(found.pairs.anchors, found.pairs.impostors, strict=True))
    assert found.sampled and found.n_impostor_pairs == 50 and pairs <= expected
    np.testing.assert_allclose(found.pairs.weights, len(expected) / 50)


def test_one_metric_searches_with_lmnns_search():
    X, y, _, Ls, targets, valid, _ = _problem(n_metrics=1, seed=4)
    clusters = np.zeros(X.shape[0], dtype=np.intp)
    found = search_multi_metric_pairs(X, y, clusters, Ls, targets, valid, None, None)
    reference = search_active_set(X, y, Ls[0], targets, valid, None, None)
    np.testing.assert_array_equal(found.pairs.anchors, reference.anchors)
    np.testing.assert_array_equal(found.pairs.impostors, reference.impostors)
