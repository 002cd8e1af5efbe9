"""The full form's dual, maximised by L-BFGS-B."""

import numpy as np
from numpy.testing import assert_allclose

from mlearn.triplet_svm._full import full_dual
from mlearn.triplet_svm._terms import TripletTerms

from ._helpers import triplet_problem


def test_full_dual_gradient_matches_finite_differences():
    X, triplets = triplet_problem(seed=4, n=15, d=3, n_triplets=12)
    terms = TripletTerms(X, triplets)
    alpha = np.random.default_rng(1).uniform(0.1, 1.0, size=len(triplets))
    _, gradient, _, _ = full_dual(alpha, terms)
    eps = 1e-6
    numeric = [
        (full_dual(alpha + eps * e, terms)[0] - full_dual(alpha - eps * e, terms)[0]) / (2 * eps)
        for e in np.eye(len(triplets))
    ]
    assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-7)
