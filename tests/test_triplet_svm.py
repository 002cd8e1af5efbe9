import cvxpy as cp
import numpy as np
import pytest

from mlearn import TripletSVM
from mlearn.constraints import random_triplets
from mlearn.psd import is_psd


def _problem(seed=0, n=40, d=5, n_triplets=150):
    """Three classes apart along feature 0; triplets drawn from the labels (not separable)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, d))
    X[:, 0] += 2.0 * y
    return X, random_triplets(y, n_triplets, random_state=seed)


def _cvxpy_optimum(X, triplets, C, basis, diagonal):
    """The issue's QP written out directly: ½‖A W Aᵀ‖²_F + C Σ ξ under the triplet margins."""
    d = X.shape[1]
    A = np.eye(d) if basis is None else basis
    i, j, k = triplets.T
    far, near = X[i] - X[k], X[i] - X[j]
    if diagonal:
        w = cp.Variable(A.shape[1], nonneg=True)
        W = cp.diag(w)
    else:
        W = cp.Variable((A.shape[1], A.shape[1]), PSD=True)
    M = A @ W @ A.T
    margins = cp.sum(cp.multiply(far @ M, far), axis=1) - cp.sum(
        cp.multiply(near @ M, near), axis=1
    )
    xi = cp.pos(1 - margins)
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(M) + C * cp.sum(xi)))
    problem.solve(solver=cp.CLARABEL)
    return problem.value


def _objective(model, X, triplets, C):
    """The primal objective of a fitted model, recomputed from its metric."""
    M = model.get_mahalanobis_matrix()
    i, j, k = triplets.T
    far, near = X[i] - X[k], X[i] - X[j]
    margins = np.einsum("td,de,te->t", far, M, far) - np.einsum("td,de,te->t", near, M, near)
    return 0.5 * np.sum(M * M) + C * np.sum(np.maximum(1 - margins, 0))


BASES = {
    "identity": lambda d, rng: None,
    "fewer_columns": lambda d, rng: rng.normal(size=(d, d - 2)),
    "more_columns": lambda d, rng: rng.normal(size=(d, d + 3)),
}


@pytest.mark.parametrize(
    "diagonal, basis",
    # An overcomplete basis leaves W of the full form non-unique (cvxpy then reports an
    # inaccurate solution); the full form is checked with a basis of fewer columns.
    [(True, b) for b in BASES] + [(False, "identity"), (False, "fewer_columns")],
)
def test_objective_matches_cvxpy_optimum(diagonal, basis):
    X, triplets = _problem(seed=1)
    A = BASES[basis](X.shape[1], np.random.default_rng(2))
    C = 0.5
    model = TripletSVM(C=C, diagonal=diagonal, basis=A, preprocessor=X).fit(triplets)
    optimum = _cvxpy_optimum(X, triplets, C, A, diagonal)
    objective = _objective(model, X, triplets, C)
    assert objective == pytest.approx(model.objective_, rel=1e-8)
    assert abs(objective - optimum) <= 1e-4 * optimum
    assert is_psd(model.get_mahalanobis_matrix())
