"""The diagonal form's interior point: its certified gap, max_iter, the basis' regulariser."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from mlearn import TripletSVM

from ._helpers import cvxpy_optimum, primal_objective, triplet_problem


def test_relative_gap_bounds_the_suboptimality():
    X, triplets = triplet_problem(seed=5)
    optimum = cvxpy_optimum(X, triplets, 1.0, None, True)
    for tol in (1e-1, 1e-2):
        model = TripletSVM(tol=tol, preprocessor=X).fit(triplets)
        assert optimum <= model.objective_ * (1 + 1e-9)
        assert model.objective_ - optimum <= tol * model.objective_


def test_max_iter_warns_and_keeps_the_best_iterate():
    X, triplets = triplet_problem(seed=10)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        model = TripletSVM(max_iter=2, preprocessor=X).fit(triplets)
    assert model.n_iter_ == 2
    assert primal_objective(model, X, triplets, 1.0) == pytest.approx(model.objective_, rel=1e-8)


@pytest.mark.parametrize(
    "basis, message",
    [(np.ones((3, 2)), "shape"), (np.eye(5)[:, [0, 0, 1]], "linearly dependent")],
)
def test_bad_basis_is_rejected(basis, message):
    X, triplets = triplet_problem(seed=13)
    with pytest.raises(ValueError, match=message):
        TripletSVM(basis=basis, preprocessor=X).fit(triplets)
