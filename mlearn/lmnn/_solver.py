"""L-BFGS over active sets of impostors, re-searched until the optimum is verified.

The solver sees the data through two functions only: ``search(L)`` replaces the
active set by a fresh search under L and says how large it is, and
``evaluate(L, active_set)`` returns the objective and its gradient on it. In
memory and on a Dask array they are the same two calls on an evaluator
(:func:`searches_and_evaluations`); the loop itself (:func:`minimize_over_active_sets`)
does not know where the rows are.
"""

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .._optim import minimize_lbfgs, warn_not_converged

# L-BFGS iterations before the first re-search of the impostors; the interval
# doubles after each search (the set changes fast early on, slowly later, and
# every search restarts L-BFGS's curvature memory).
_SEARCH_EVERY = 5
# A restarted L-BFGS takes a first step of unit length along the gradient, whose
# decrease says nothing about convergence (on 5,000 points of the problem of
# benchmarks/lmnn_scale.py a third round stopped on it after one iteration):
# ``tol`` on the relative decrease counts from this iteration of a round on.
_MIN_ROUND_ITERATIONS = 3
# A sampled active set's optimum is accepted when the objective at it on a fresh,
# independent sample is within this relative distance of the optimum on its own
# sample; otherwise the next sample is twice as large (at most _MAX_SAMPLE_GROWTH
# times ``max_impostors``), so that the noise of the estimate shrinks as L-BFGS
# slows (benchmarks/lmnn_scale.py: the gap at the optimum of 500,000 sampled
# pairs on 100,000 × 50 points).
_SAMPLE_AGREEMENT = 0.01
_MAX_SAMPLE_GROWTH = 4


class ActiveSetSize:
    """What the solver reads of an active set: its impostor pairs, and whether sampled."""

    def __init__(self, n_impostor_pairs, sampled):
        self.n_impostor_pairs, self.sampled = int(n_impostor_pairs), bool(sampled)


class ActiveSetFit:
    """The result of :func:`minimize_over_active_sets`."""

    def __init__(self, components, n_iter, n_loss_evals, n_searches, active_set, growth):
        self.components = components
        self.n_iter, self.n_loss_evals, self.n_searches = n_iter, n_loss_evals, n_searches
        self.n_impostor_pairs = active_set.n_impostor_pairs
        self.impostors_sampled = active_set.sampled
        self.sample_growth = growth


def searches_and_evaluations(evaluator, *, max_impostors, n_samples, push_weight, hinge):
    """The ``search`` and ``evaluate`` functions of the solver on an LMNN evaluator.

    ``evaluator`` is a :class:`~mlearn.lmnn._evaluator.RowBlockObjective` (in
    memory) or the sharded wrapper of one per row block; the active sets live in
    it, so ``evaluate`` ignores its second argument. ``search(L, growth)`` keeps
    up to ``growth · max_impostors`` impostor pairs.
    """

    def search(L, growth=1):
        budget = None if max_impostors is None else int(growth * max_impostors)
        evaluator.search_active_set(L, budget, n_samples)
        n_pairs, n_sampled = evaluator.active_set_size()
        return ActiveSetSize(n_pairs, n_sampled > 0)

    def evaluate(L, active_set):
        return evaluator.loss_and_grad(L, push_weight, hinge)

    return search, evaluate


class _Progress:
    """One table for the whole fit: L-BFGS iterations and impostor searches as rows.

    The iteration counter runs over all rounds; each row says how far the fit is
    from stopping: ``change`` is the last iteration's relative decrease (against
    ``tol``), or, on a search row, the relative gap between the objective on the
    fresh search and the one L-BFGS reached (against the gap that ends the fit);
    ``threshold`` is the value it must fall below.
    """

    _HEAD = ("iter", "step", "objective", "change", "threshold", "impostors", "sampled")

    def __init__(self, name, verbose):
        self.name, self.verbose, self.start = name, verbose, time.perf_counter()
        if verbose:
            cells = "".join(f"{h:>13}" for h in self._HEAD)
            print(f"[{name}]{cells}{'seconds':>10}", flush=True)

    def row(self, iteration, step, objective, change, threshold, active_set):
        if self.verbose:
            elapsed = time.perf_counter() - self.start
            print(
                f"[{self.name}]{iteration:>13}{step:>13}{objective:>13.6g}{change:>13.3g}"
                f"{threshold:>13.3g}{active_set.n_impostor_pairs:>13}"
                f"{'yes' if active_set.sampled else 'no':>13}{elapsed:>10.2f}",
                flush=True,
            )


def _round_of_lbfgs(evaluate, active_set, L, max_iter, tol, progress, first_iteration):
    """L-BFGS on one active set: (result, converged), with one table row per iteration.

    Converged means the relative decrease of an iteration fell below ``tol``
    (from the round's ``_MIN_ROUND_ITERATIONS``-th iteration on) or L-BFGS
    stopped on its own before ``max_iter``.
    """
    shape, dtype = L.shape, L.dtype
    losses = []

    def loss_and_grad(flat):
        loss, grad = evaluate(flat.reshape(shape).astype(dtype, copy=False), active_set)
        losses.append(float(loss))
        return loss, grad.ravel()

    previous = {"loss": None, "stopped": False}

    def stop(iteration, x):
        loss, before = losses[-1], previous["loss"]
        before = losses[0] if before is None else before
        change = (before - loss) / max(abs(before), 1e-300)
        previous["loss"] = loss
        progress.row(first_iteration + iteration, "lbfgs", loss, change, tol, active_set)
        previous["stopped"] = iteration >= _MIN_ROUND_ITERATIONS and change < tol
        return previous["stopped"]

    with warnings.catch_warnings():
        # The budget is the total over rounds: warn once, in the caller.
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = minimize_lbfgs(
            loss_and_grad, L, max_iter=max_iter, tol=tol, ftol=0.0, stop=stop, name="LMNN"
        )
    return result, result.converged


def minimize_over_active_sets(L, search, evaluate, *, max_iter, tol, verbose=0, name="LMNN"):
    """L-BFGS over active impostor sets, re-searched until the optimum is verified.

    ``search(L, growth)`` returns a fresh active set (with ``n_impostor_pairs``
    and ``sampled``) of at most ``growth`` times the budget; ``evaluate(L,
    active_set)`` returns the objective and gradient on it. The fit stops when
    L-BFGS converged on a set and the objective at its optimum on a fresh search
    agrees: exactly (no impostor was missing) when neither set was sampled, within
    ``_SAMPLE_AGREEMENT`` when either was, or when the sample has grown to
    ``_MAX_SAMPLE_GROWTH`` times the budget. The iterates keep L's dtype. Returns an
    :class:`ActiveSetFit` whose components are the best iterate (the last one when
    the sets were sampled).
    """
    shape, dtype = L.shape, L.dtype
    progress = _Progress(name, verbose)
    growth = 1
    active_set = search(L, growth)
    n_iter, n_evals, n_searches, best, every = 0, 0, 1, (np.inf, L), _SEARCH_EVERY
    while True:
        result, converged = _round_of_lbfgs(
            evaluate, active_set, L, min(every, max_iter - n_iter), tol, progress, n_iter
        )
        n_iter, n_evals, every = n_iter + result.n_iter, n_evals + result.n_evals, every * 2
        L = result.x.reshape(shape).astype(dtype)
        # A converged sample's optimum is compared on a fresh sample twice as large:
        # if they disagree, the next round minimises over that larger, less noisy one.
        minimised_sampled, minimised_growth = active_set.sampled, growth
        if converged and minimised_sampled:
            growth = min(2 * growth, _MAX_SAMPLE_GROWTH)
        active_set = search(L, growth)
        n_searches += 1
        # The objective on a fresh search: the true ε(L) when exact (every impostor
        # inside the margin lies inside the wider search radius), an independent
        # estimate of it when sampled.
        loss, _ = evaluate(L, active_set)
        n_evals += 1
        gap = (loss - result.fun) / max(abs(loss), 1e-300)
        sampled = minimised_sampled or active_set.sampled
        threshold = _SAMPLE_AGREEMENT if sampled else 1e-6
        progress.row(n_iter, "search", loss, gap, threshold, active_set)
        # Sampled objectives are estimates: only exact ones are compared.
        if active_set.sampled or loss <= best[0]:
            best = (np.inf if active_set.sampled else loss, L)
        agrees = gap <= threshold if not sampled else abs(gap) <= threshold
        largest = minimised_growth >= _MAX_SAMPLE_GROWTH
        if (converged and (agrees or largest)) or result.n_iter == 0:
            break
        if n_iter >= max_iter:
            warn_not_converged(name, max_iter)
            break
    return ActiveSetFit(best[1], n_iter, n_evals, n_searches, active_set, growth)
