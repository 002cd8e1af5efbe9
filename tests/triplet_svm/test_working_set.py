"""The working set of triplets: the same optimum, certified on all triplets."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from mlearn import TripletSVM

from ._helpers import BASES, cvxpy_optimum, primal_objective, triplet_problem


@pytest.mark.parametrize("diagonal", [True, False])
def test_working_set_reaches_the_same_optimum(monkeypatch, diagonal):
    from mlearn.triplet_svm import _working_set as working_set

    X, triplets = triplet_problem(seed=16, n_triplets=400 if diagonal else 150)
    # The full form's L-BFGS-B on the dual is slow to a tight gap: 1e-4 there.
    tol = 1e-8 if diagonal else 1e-4
    model = TripletSVM(diagonal=diagonal, tol=tol, max_iter=5000, preprocessor=X)
    monkeypatch.setattr(working_set, "_MIN_WORKING_SET", 10**9)
    whole = clone(model).fit(triplets)
    monkeypatch.setattr(working_set, "_MIN_WORKING_SET", 40)
    monkeypatch.setattr(working_set, "_WORKING_FRACTION", 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        working = clone(model).fit(triplets)
    # Both are within tol of the optimum, certified for all triplets.
    assert working.objective_ == pytest.approx(whole.objective_, rel=2 * tol)
    if diagonal:
        assert_allclose(working.weights_, whole.weights_, atol=1e-5 * whole.weights_.max())


@pytest.mark.parametrize("diagonal, basis", [(True, "identity"), (True, "fewer_columns")])
def test_working_set_solution_is_the_cvxpy_optimum_of_all_triplets(diagonal, basis):
    # 3,000 triplets (over _MIN_WORKING_SET): solved on a working set of near-margin
    # triplets, certified against the objective over all of them.
    from mlearn.triplet_svm import _working_set as working_set

    X, triplets = triplet_problem(seed=17, n=120, d=8, n_triplets=3000)
    assert triplets.shape[0] > working_set._MIN_WORKING_SET
    A = BASES[basis](X.shape[1], np.random.default_rng(3))
    C = 0.5
    tol = 1e-6
    model = TripletSVM(C=C, diagonal=diagonal, basis=A, tol=tol, preprocessor=X).fit(triplets)
    optimum = cvxpy_optimum(X, triplets, C, A, diagonal)
    assert primal_objective(model, X, triplets, C) == pytest.approx(model.objective_, rel=1e-8)
    assert abs(model.objective_ - optimum) <= 2 * tol * optimum
