"""The full form by L-BFGS-B on its smooth dual (see :mod:`mlearn.triplet_svm`).

    D(α) = Σ α_t − ½ ‖Π(S(α))‖²_F,   0 ≤ α ≤ C,   ∂D/∂α_t = 1 − ⟨Π(S), Z_t⟩,

with S(α) and the margins from :class:`~mlearn.triplet_svm._terms.TripletTerms`
(or its sharded twin) and M = Π(S(α)).
"""

import warnings

import numpy as np
from scipy.optimize import Bounds
from sklearn.exceptions import ConvergenceWarning

from .._optim import ProgressTable, minimize_lbfgs
from ..psd import components_from_metric, project_psd
from ._working_set import solve_on_working_set

__all__ = ["full_dual", "solve_full"]


def full_dual(alpha, terms):
    """D(α) = Σα − ½‖Π(S(α))‖²_F, its gradient 1 − margins(M), M = Π(S(α)) and the margins."""
    M = project_psd(terms.scatter(alpha))
    margins = terms.margins(components_from_metric(M, check=False))
    return alpha.sum() - 0.5 * np.sum(M * M), 1.0 - margins, M, margins


def solve_full(terms, C, max_iter, tol, verbose, name):
    """The full form, on a working set of the triplets; returns (M, primal, n_iter)."""
    rule = f"stops when the relative duality gap <= tol={tol:g}, or at max_iter={max_iter}"
    table = ProgressTable(name, verbose, ("primal", "dual", "relative gap"), rule=rule)
    n_triplets, d = terms.n_triplets, terms.n_features

    def solve(rows, max_iter, first_row):
        subset = terms if rows is None else terms.subset(rows)
        size = n_triplets if rows is None else rows.shape[0]
        return _maximize_full_dual(subset, (size, d), C, max_iter, tol, table, first_row, name)

    identity = np.eye(d)
    return solve_on_working_set(
        solve,
        margins=lambda M: terms.margins(components_from_metric(M, check=False)),
        regulariser=lambda M: 0.5 * np.sum(M * M),
        euclidean_margins=lambda: terms.margins(identity),
        n_triplets=n_triplets,
        C=C,
        max_iter=max_iter,
        tol=tol,
        name=name,
    )


def _maximize_full_dual(terms, shape, C, max_iter, tol, table, first_row, name):
    """L-BFGS-B on the smooth dual of the full form; returns (best M, best dual, n_iter).

    ``shape`` is (the number of triplets of ``terms``, n_features).
    """
    n_triplets, d = shape
    best = {"primal": C * n_triplets, "dual": 0.0, "M": np.zeros((d, d))}

    def negative_dual(alpha):
        dual, gradient, M, margins = full_dual(alpha, terms)
        primal = 0.5 * np.sum(M * M) + C * np.sum(np.maximum(1.0 - margins, 0.0))
        if primal < best["primal"]:
            best["primal"], best["M"] = primal, M
        best["dual"] = max(best["dual"], dual)
        return -dual, -gradient

    def gap_closed(iteration, alpha):
        gap = (best["primal"] - best["dual"]) / max(abs(best["primal"]), np.finfo(float).tiny)
        table.row(first_row + iteration, best["primal"], best["dual"], gap)
        return gap <= tol

    with warnings.catch_warnings():
        # The iteration budget is shared by the working sets: warned once, by the caller.
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = minimize_lbfgs(
            negative_dual,
            np.zeros(n_triplets),
            bounds=Bounds(np.zeros(n_triplets), np.full(n_triplets, C)),
            max_iter=max_iter,
            tol=0.0,
            ftol=0.0,
            stop=gap_closed,
            name=name,
        )
    return best["M"], best["dual"], result.n_iter
