"""Problems and references shared by the TripletSVM tests (not a test module)."""

import cvxpy as cp
import numpy as np

from mlearn.constraints import random_triplets

__all__ = ["BASES", "cvxpy_optimum", "noisy_classes", "primal_objective", "triplet_problem"]


def triplet_problem(seed=0, n=40, d=5, n_triplets=150):
    """Three classes apart along feature 0; triplets drawn from the labels (not separable)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, d))
    X[:, 0] += 2.0 * y
    return X, random_triplets(y, n_triplets, random_state=seed)


def cvxpy_optimum(X, triplets, C, basis, diagonal):
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


def primal_objective(model, X, triplets, C):
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


def noisy_classes(seed, n=150, informative=2, noise=6):
    """Classes separated on a few features, drowned by noise features of larger scale."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    signal = rng.normal(size=(n, informative)) * 0.5 + y[:, None]
    return np.hstack([signal, 3.0 * rng.normal(size=(n, noise))]), y
