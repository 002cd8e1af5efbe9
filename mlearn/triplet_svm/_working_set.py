"""The growing working set of triplets that both TripletSVM forms solve on.

Most triplets never matter: on 20,000 kNN triplets of digits, 550 end with
α_t > 0 (``benchmarks/triplet_svm_speed.py``). So above ``_MIN_WORKING_SET``
triplets a form is solved on the triplets most likely to end inside their
margin, and the set grows until the duality gap, checked on all triplets, is
closed.
"""

import numpy as np

from .._optim import warn_not_converged

__all__ = ["solve_on_working_set"]

# Above this many triplets, solve on a working set that starts with
# max(_MIN_WORKING_SET, _WORKING_FRACTION · n_triplets) triplets. On 20,000 kNN
# triplets of digits, where 550 end with α > 0, a start of 1,000 takes 0.06 s against
# 0.49 s for the whole set; 10⁶ triplets end with ~250,000 in the set (most violated).
_MIN_WORKING_SET = 1000
_WORKING_FRACTION = 0.05
# Triplets whose margin at the working set's solution is below 1 + this join the set.
_MARGIN_BUFFER = 0.5


def _primal(parameter, margins, regulariser, C):
    """The primal over all triplets: regulariser + C Σ max(0, 1 − margin); and the margins."""
    current = margins(parameter)
    return regulariser(parameter) + C * np.sum(np.maximum(1.0 - current, 0.0)), current


def solve_on_working_set(solve, margins, regulariser, euclidean_margins, n_triplets, C,
                         max_iter, tol, name):  # fmt: skip
    """A triplet SVM solved on a growing working set, certified on all triplets.

    ``solve(rows, max_iter, first_row)`` solves the problem restricted to the
    triplets ``rows`` (None: all) to the relative gap ``tol`` and returns
    (parameter, a lower bound on that problem's optimum, iterations);
    ``margins(parameter)`` are the margins of all triplets and
    ``regulariser(parameter)`` the regulariser's value, so that the primal over
    all triplets is regulariser + C Σ max(0, 1 − margin).

    Up to max(``_MIN_WORKING_SET``, ``_WORKING_FRACTION`` · n_triplets) triplets
    this is one solve on all. Above, the set starts with the triplets of
    smallest Euclidean margin (the ones most likely to end inside their margin,
    where α_t > 0); after each solve, the triplets outside the set whose margin
    is below 1 + ``_MARGIN_BUFFER`` join it, smallest first, at most doubling it.
    Triplets left out carry α_t = 0, so each set's dual value stays a lower
    bound for the whole problem, and the stopping test is the primal over all
    triplets against it: ``tol`` bounds the suboptimality for all triplets.
    Returns (parameter, primal, n_iter); warns at ``max_iter``.
    """
    initial = max(_MIN_WORKING_SET, int(_WORKING_FRACTION * n_triplets))
    if n_triplets <= initial:
        parameter, _, n_iter = solve(None, max_iter, 0)
        value, _ = _primal(parameter, margins, regulariser, C)
        if n_iter == max_iter:
            warn_not_converged(name, max_iter)
        return parameter, value, n_iter
    working = np.zeros(n_triplets, dtype=bool)
    working[np.argpartition(euclidean_margins(), initial)[:initial]] = True
    best, best_primal, best_dual, n_iter = None, np.inf, 0.0, 0
    while n_iter < max_iter:
        parameter, dual, used = solve(np.flatnonzero(working), max_iter - n_iter, n_iter)
        n_iter += used
        primal, current = _primal(parameter, margins, regulariser, C)
        if primal < best_primal:
            best, best_primal = parameter, primal
        best_dual = max(best_dual, dual)
        if best_primal - best_dual <= tol * abs(best_primal):
            return best, best_primal, n_iter
        joining = np.flatnonzero(~working & (current < 1.0 + _MARGIN_BUFFER))
        if joining.shape[0] == 0:
            break
        cap = np.count_nonzero(working)  # the most violated first, at most doubling
        if joining.shape[0] > cap:
            joining = joining[np.argpartition(current[joining], cap)[:cap]]
        working[joining] = True
    warn_not_converged(name, max_iter)
    return best, best_primal, n_iter
