"""The diagonal metric: projected Newton on F(w) = s·w − log Σ_D √(q·w), w ≥ 0.

As in Xing et al. (2002) the diagonal problem is solved by
Newton–Raphson; the bound w ≥ 0 is handled by Bertsekas' (1982) projected
Newton method: Newton steps on the free features, scaled gradient steps on
those held at 0, and an Armijo search along the projected path.
"""

import numpy as np
from scipy import linalg

from .._optim import ProgressTable, warn_not_converged
from ._evaluator import dissimilar_terms
from ._standardize import no_dissimilar_spread


def diagonal_objective(s, Q, w):
    """F(w) = s·w − log Σ_k √(Q_k·w), its gradient and Hessian.

    ``s`` is Σ_S d² and the rows of ``Q`` are the squared differences d² of the
    dissimilar pairs (elementwise squares).
    """
    return combine_diagonal(s, w, *dissimilar_terms(Q, w))


def combine_diagonal(s, w, h, grad_h, hess_h):
    """F(w), its gradient and Hessian from the sums over the dissimilar pairs."""
    value = float(s @ w - np.log(h))
    grad = s - grad_h / h
    hess = -hess_h / h + np.outer(grad_h, grad_h) / h**2
    return value, grad, hess


def fit_diagonal(pairs, d, M0, max_iter, tol, verbose, name):
    """Projected Newton on F(w); return (diag(w), n_iter).

    ``pairs`` is the evaluator (:class:`~mlearn.mmc._evaluator.PairSums`, or
    its shards) on the ``d`` standardized features; ``M0``'s diagonal is the start.
    """
    # On standardized features Σ_S d² = 1 for every feature.
    s = pairs.squared_difference_sum("similar")
    if pairs.dissimilar_distance_sum(np.ones(d))[1] == 0:
        raise no_dissimilar_spread()
    w = np.maximum(np.diag(M0), 0)
    if pairs.dissimilar_distance_sum(w)[1] == 0:
        w = np.ones_like(s)
    w *= 0.5 / (s @ w)  # the optimal scale of the initial direction
    rule = (
        f"stops when the Newton decrement <= tol={tol:g} * max(1, |F|), or at max_iter={max_iter}"
    )
    table = ProgressTable(name, verbose, ("F(w)", "decrement"), rule=rule)
    converged, n_iter = False, 0
    for n_iter in range(1, max_iter + 1):
        F, grad, hess = combine_diagonal(s, w, *pairs.dissimilar_terms(w))
        step, decrement = projected_newton_step(w, grad, hess)
        table.row(n_iter, F, decrement)
        if decrement <= tol * max(1.0, abs(F)):
            converged = True
            break
        w = armijo_projected(s, pairs, w, F, grad, step)
    table.finish(n_iter, converged)
    if not converged:
        warn_not_converged(name, max_iter)
    return np.diag(w), n_iter


def projected_newton_step(w, grad, hess):
    """Newton direction on the free features, scaled gradient on those held at 0."""
    # Bertsekas' ε-active set: features near the bound whose gradient pushes outwards.
    slack = min(1e-8 * float(w.max()), float(np.linalg.norm(w - np.maximum(w - grad, 0))))
    held = (w <= slack) & (grad > 0)
    free = ~held
    step = np.zeros_like(w)
    curvature = np.maximum(np.diag(hess), np.finfo(w.dtype).tiny)
    if np.any(free):
        # A ridge relative to the largest curvature keeps the factorisation well
        # conditioned (rcond ≳ 1e-12) on flat directions; the line search absorbs it.
        ridge = 1e-12 * (curvature[free] + curvature[free].max())
        H = hess[np.ix_(free, free)] + np.diag(ridge)
        step[free] = -linalg.solve(H, grad[free], assume_a="pos", check_finite=False)
    step[held] = -grad[held] / curvature[held]
    decrement = float(-grad[free] @ step[free]) / 2
    # What moving the held features onto the bound could still gain.
    decrement += float(grad[held] @ w[held])
    return step, decrement


def armijo_projected(s, pairs, w, F, grad, step):
    """Backtrack along the projected path w(α) = max(w + α·step, 0) (sufficient decrease)."""
    alpha = 1.0
    for _ in range(60):
        trial = np.maximum(w + alpha * step, 0)
        h, n_positive = pairs.dissimilar_distance_sum(trial)
        if n_positive > 0:
            value = float(s @ trial - np.log(h))
            if value <= F + 1e-4 * float(grad @ (trial - w)):
                return trial
        alpha /= 2
    return w
