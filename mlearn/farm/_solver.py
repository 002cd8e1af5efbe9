"""FARM's solver: alternating proximal gradient on M ⪰ 0 and on w ≥ 0.

Each block is solved inexactly by :func:`mlearn._optim.proximal_gradient`
(monotone, so no block increases the objective), and after every outer
iteration (M, w) is rescaled to (M / c², c w), which leaves M̂ and the loss
unchanged, with the c that minimises the two penalties. The solver sees the
data only through the evaluator's sums (:class:`MeanTripletLoss`).
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .._optim import (
    ProgressTable,
    proximal_gradient,
    soft_threshold,
    soft_threshold_nonnegative,
    warn_not_converged,
)
from ..psd import project_psd

# Proximal gradient iterations per block and outer iteration: the blocks are solved
# inexactly, as usual in alternating schemes; the outer loop does the converging.
BLOCK_ITER = 10


class MeanTripletLoss:
    """(M, w) ↦ the mean loss and G / |R|, from an evaluator's sums over the triplets.

    ``evaluator`` is a :class:`mlearn.farm._evaluator._TripletLoss`, in memory or
    sharded (whose shards each sum over their own triplets); ``n_triplets`` is
    |R|, the number of triplets it was built on, which the caller knows.
    """

    def __init__(self, evaluator, n_triplets):
        self.evaluator, self.n_triplets = evaluator, n_triplets

    def __call__(self, M, w):
        total, G = self.evaluator.sums(M, w)
        return total / self.n_triplets, G / self.n_triplets


def prox_l1_psd(V, threshold, *, max_iter=200, tol=1e-10):
    """argmin_{M ⪰ 0} ½‖M − V‖²_F + threshold·Σ|m_ab|, by proximal Dykstra.

    Alternates the two proximal maps with correction terms (Bauschke &
    Combettes 2008, "A Dykstra-like algorithm for two monotone operators");
    the last map applied is the PSD projection, so the result is PSD.
    """
    x, p, q = V, np.zeros_like(V), np.zeros_like(V)
    for _ in range(max_iter):
        y = soft_threshold(x + p, threshold)
        p = x + p - y
        x_new = project_psd(y + q)
        q = y + q - x_new
        done = np.linalg.norm(x_new - x) <= tol * max(1.0, np.linalg.norm(x))
        x = x_new
        if done:
            break
    return x


def metric_penalty(M, penalty):
    """Ω(M): ‖M‖²_F, Σ|m_ab| or tr(M) (the nuclear norm on the PSD cone)."""
    if penalty == "fro":
        return float(np.sum(M**2))
    if penalty == "l1":
        return float(np.sum(np.abs(M)))
    return float(np.trace(M))


def farm_objective(loss, M, w, penalty, alpha_metric, alpha_weights):
    """The full FARM objective at (M, w); ``loss(M, w)`` returns the mean loss and G."""
    value, _ = loss(M, w)
    return value + alpha_metric * metric_penalty(M, penalty) + alpha_weights * np.sum(np.abs(w))


def balance_scale(M, w, penalty, alpha_metric, alpha_weights):
    """Rescale (M, w) to (M / c², c w), which leaves M̂ and the loss unchanged, with
    the c > 0 that minimises the penalties λ₁Ω(M)/c^p + λ₂ c‖w‖₁ (p = 4 for 'fro',
    2 otherwise): c^(p+1) = p λ₁ Ω(M) / (λ₂ ‖w‖₁). Returns (M, w, c)."""
    omega, total = metric_penalty(M, penalty), float(np.sum(w))
    if alpha_metric == 0 or alpha_weights == 0 or omega == 0 or total == 0:
        return M, w, 1.0
    power = 4 if penalty == "fro" else 2
    c = (power * alpha_metric * omega / (alpha_weights * total)) ** (1 / (power + 1))
    return M / c**2, w * c, c


def update_metric(loss, M, w, penalty, alpha, *, step=1.0, max_iter=BLOCK_ITER, tol=1e-6):
    """Proximal gradient on M with w fixed; returns the shared optimiser's result."""
    scale = np.outer(w, w)

    def smooth(M):
        value, G = loss(M, w)
        grad = scale * G
        if penalty == "fro":
            return value + alpha * np.sum(M**2), grad + 2 * alpha * M
        return value, grad

    if penalty == "fro":
        prox = lambda V, t: project_psd(V)  # noqa: E731
    elif penalty == "nuclear":
        prox = lambda V, t: project_psd(V, shrink=t * alpha)  # noqa: E731
    else:
        prox = lambda V, t: prox_l1_psd(V, t * alpha)  # noqa: E731
    nonsmooth = None if penalty == "fro" else (lambda M: alpha * metric_penalty(M, penalty))
    return _quiet_proximal_gradient(smooth, prox, M, nonsmooth, step, max_iter, tol)


def update_weights(loss, M, w, alpha, *, step=1.0, max_iter=BLOCK_ITER, tol=1e-6):
    """Proximal gradient on w ≥ 0 with M fixed; returns the shared optimiser's result."""

    def smooth(w):
        value, G = loss(M, w)
        return value, 2 * (M * G) @ w

    def prox(v, t):
        return soft_threshold_nonnegative(v, t * alpha)

    def nonsmooth(w):
        return alpha * np.sum(w)

    return _quiet_proximal_gradient(smooth, prox, w, nonsmooth, step, max_iter, tol)


def _quiet_proximal_gradient(smooth, prox, x0, nonsmooth, step, max_iter, tol):
    # A block is solved inexactly on purpose: its iteration cap is not a failure.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return proximal_gradient(
            smooth, prox, x0, nonsmooth=nonsmooth, step=step, max_iter=max_iter, tol=tol
        )


def alternate(loss, M, *, penalty, alpha_metric, alpha_weights, max_iter, tol, verbose, name):
    """The outer loop: M-block, w-block, rescaling, until the decrease is < tol.

    ``loss(M, w)`` returns the mean loss and G (:class:`MeanTripletLoss`); the
    weights start at 1. Returns (M, w, objective, n_iter); warns (scikit-learn's
    ConvergenceWarning, ``name`` in the message) when ``max_iter`` is reached.
    """
    args = (penalty, alpha_metric, alpha_weights)
    M, w, _ = balance_scale(M, np.ones(M.shape[0]), *args)
    objective = farm_objective(loss, M, w, *args)
    rule = f"stops when the objective's relative decrease < tol={tol:g}, or at max_iter={max_iter}"
    table = ProgressTable(name, verbose, ("objective", "weights kept", "decrease"), rule=rule)
    step_metric = step_weights = 1.0
    for iteration in range(1, max_iter + 1):
        result = update_metric(loss, M, w, penalty, alpha_metric, step=step_metric)
        M, step_metric = result.x, result.step
        result = update_weights(loss, M, w, alpha_weights, step=step_weights)
        w, step_weights = result.x, result.step
        M, w, c = balance_scale(M, w, *args)
        # The block Lipschitz constants scale as c⁴ (M) and c⁻⁴ (w).
        step_metric, step_weights = step_metric / c**4, step_weights * c**4
        new_objective = farm_objective(loss, M, w, *args)
        decrease = (objective - new_objective) / max(abs(objective), 1e-300)
        table.row(iteration, new_objective, np.count_nonzero(w), decrease)
        objective = new_objective
        if decrease < tol:
            table.finish(iteration, True)
            return M, w, objective, iteration
    table.finish(max_iter, False)
    warn_not_converged(name, max_iter)
    return M, w, objective, max_iter
