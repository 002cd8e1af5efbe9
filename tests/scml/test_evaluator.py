import numpy as np
import pytest
from numpy.testing import assert_allclose

from mlearn.scml._evaluator import TripletBasisTerms

from ._helpers import basis_margins_by_definition, triplet_problem, weights_metric


def test_basis_margins_match_their_definition():
    X, triplets, B = triplet_problem()
    terms = TripletBasisTerms(X, triplets, B)
    assert_allclose(terms.basis_margins(), basis_margins_by_definition(X, triplets, B), atol=1e-12)


def test_hinge_sum_through_the_metric_equals_the_sum_over_basis_margins():
    X, triplets, B = triplet_problem(seed=1)
    w = np.random.default_rng(1).uniform(0.0, 0.3, len(B))
    slack = 1.0 + basis_margins_by_definition(X, triplets, B) @ w
    total, n_active = TripletBasisTerms(X, triplets, B).hinge_sum(weights_metric(B, w))
    assert total == pytest.approx(np.maximum(slack, 0).sum(), rel=1e-12)
    assert n_active == np.sum(slack > 0)
    assert 0 < n_active < len(triplets)


def test_subgradient_matches_finite_differences_away_from_kinks():
    X, triplets, B = triplet_problem(seed=2)
    terms = TripletBasisTerms(X, triplets, B)
    w = np.random.default_rng(2).uniform(0.0, 0.3, len(B))
    slack = 1.0 + basis_margins_by_definition(X, triplets, B) @ w
    Z = basis_margins_by_definition(X, triplets, B)
    # Steps smaller than the distance to the nearest kink (a slack at 0) keep the set
    # of active triplets fixed, where the hinge sum is linear and its gradient exact.
    h = 0.1 * np.abs(slack).min() / np.abs(Z).sum(axis=1).max()
    assert h > 1e-9

    def hinge(v):
        return terms.hinge_sum(weights_metric(B, v))[0]

    numeric = np.array([(hinge(w + h * e) - hinge(w - h * e)) / (2 * h) for e in np.eye(len(B))])
    gradient = terms.hinge_subgradient(weights_metric(B, w))
    assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-6 * np.abs(numeric).max())
    assert_allclose(gradient, Z[slack > 0].sum(axis=0), rtol=1e-12)


def test_subset_keeps_only_the_rows_asked_for():
    X, triplets, B = triplet_problem(seed=3)
    terms = TripletBasisTerms(X, triplets, B)
    rows = np.array([1, 5, 7, 50])
    view = terms.subset(rows)
    assert view.n_triplets == 4
    assert_allclose(view.basis_margins(), terms.basis_margins()[rows])
