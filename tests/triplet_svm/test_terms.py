"""TripletTerms: S(α) and the margins of the full form."""

import numpy as np
from numpy.testing import assert_allclose

from mlearn.triplet_svm._terms import TripletScatter

from ._helpers import triplet_problem


def test_scatter_is_the_sum_of_triplet_outer_products():
    X, triplets = triplet_problem(seed=3, n=12, d=3, n_triplets=20)
    alpha = np.random.default_rng(0).uniform(size=len(triplets))
    expected = np.zeros((3, 3))
    for a, (i, j, k) in zip(alpha, triplets, strict=True):
        far, near = X[i] - X[k], X[i] - X[j]
        expected += a * (np.outer(far, far) - np.outer(near, near))
    assert_allclose(TripletScatter(X, triplets)(alpha), expected, rtol=1e-10, atol=1e-12)
