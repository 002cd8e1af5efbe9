"""L-BFGS over active sets of impostors, re-searched until the optimum is verified.

The solver sees the data through two functions only: ``search(L)`` replaces the
active set by a fresh search under L and says how large it is, and
``evaluate(L, active_set)`` returns the objective and its gradient on it. In
memory and on a Dask array they are the same two calls on an evaluator
(:func:`searches_and_evaluations`); the loop itself (:func:`minimize_over_active_sets`)
does not know where the rows are.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .._optim import ProgressTable, minimize_lbfgs, warn_not_converged

# L-BFGS iterations before the first re-search of the impostors; the interval
# doubles after each search (the set changes fast early on, slowly later, and
# every search restarts L-BFGS's curvature memory).
_SEARCH_EVERY = 5


class ActiveSetSize:
    """What the solver reads of an active set: its impostor pairs, and whether sampled."""

    def __init__(self, n_impostor_pairs, sampled):
        self.n_impostor_pairs, self.sampled = int(n_impostor_pairs), bool(sampled)


class ActiveSetFit:
    """The result of :func:`minimize_over_active_sets`."""

    def __init__(self, components, n_iter, n_loss_evals, n_searches, active_set):
        self.components = components
        self.n_iter, self.n_loss_evals, self.n_searches = n_iter, n_loss_evals, n_searches
        self.n_impostor_pairs = active_set.n_impostor_pairs
        self.impostors_sampled = active_set.sampled


def searches_and_evaluations(evaluator, *, max_impostors, n_samples, push_weight, hinge):
    """The ``search`` and ``evaluate`` functions of the solver on an LMNN evaluator.

    ``evaluator`` is a :class:`~mlearn.lmnn._evaluator.RowBlockObjective` (in
    memory) or the sharded wrapper of one per row block; the active sets live in
    it, so ``evaluate`` ignores its second argument.
    """

    def search(L):
        evaluator.search_active_set(L, max_impostors, n_samples)
        n_pairs, n_sampled = evaluator.active_set_size()
        return ActiveSetSize(n_pairs, n_sampled > 0)

    def evaluate(L, active_set):
        return evaluator.loss_and_grad(L, push_weight, hinge)

    return search, evaluate


def _objective(evaluate, active_set, shape, dtype):
    """The flat loss-and-gradient function L-BFGS minimises over one active set."""

    def loss_and_grad(flat):
        L = flat.reshape(shape).astype(dtype, copy=False)
        loss, grad = evaluate(L, active_set)
        return loss, grad.ravel()

    return loss_and_grad


def minimize_over_active_sets(L, search, evaluate, *, max_iter, tol, verbose=0, name="LMNN"):
    """L-BFGS over active impostor sets, re-searched until verified exact.

    ``search(L)`` returns a fresh active set (with ``n_impostor_pairs`` and
    ``sampled``); ``evaluate(L, active_set)`` returns the objective and gradient
    on it. The iterates keep L's dtype. Returns an :class:`ActiveSetFit` whose
    components are the best iterate (the last one when the sets were sampled).
    """
    shape, dtype = L.shape, L.dtype
    table = ProgressTable(f"{name} search", verbose, ("impostor pairs", "sampled", "objective"))
    active_set = search(L)
    n_iter, n_evals, n_searches, best, every = 0, 0, 1, (np.inf, L), _SEARCH_EVERY
    while True:
        with warnings.catch_warnings():
            # The budget is the total over rounds: warn once, below.
            warnings.simplefilter("ignore", ConvergenceWarning)
            result = minimize_lbfgs(
                _objective(evaluate, active_set, shape, dtype),
                L,
                max_iter=min(every, max_iter - n_iter),
                tol=tol,
                ftol=tol,
                verbose=verbose,
                name=name,
            )
        n_iter += result.n_iter
        every *= 2
        n_evals += result.n_evals
        L = result.x.reshape(shape).astype(dtype)
        minimised_sampled, active_set = active_set.sampled, search(L)
        n_searches += 1
        # The objective on a fresh search: the true ε(L), since every impostor
        # inside the margin lies inside the wider search radius.
        loss, _ = evaluate(L, active_set)
        n_evals += 1
        table.row(n_iter, active_set.n_impostor_pairs, int(active_set.sampled), loss)
        # Sampled objectives are estimates: only exact ones are compared.
        if active_set.sampled or loss <= best[0]:
            best = (np.inf if active_set.sampled else loss, L)
        # Verified: L-BFGS converged on an exact set that no fresh search extends.
        exact = not (minimised_sampled or active_set.sampled)
        exact = exact and loss <= result.fun * (1 + 1e-6) + 1e-12
        # A sampled set cannot be verified; it is accepted once L-BFGS converges on it.
        if (result.converged and (exact or active_set.sampled)) or result.n_iter == 0:
            break
        if n_iter >= max_iter:
            warn_not_converged(name, max_iter)
            break
    return ActiveSetFit(best[1], n_iter, n_evals, n_searches, active_set)
