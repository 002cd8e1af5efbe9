"""Optimisers shared by the learners.

- :func:`minimize_lbfgs`: scipy's L-BFGS-B on one fused ``loss_and_grad``
  callable (the shape of scikit-learn's NCA), with ``n_iter``, a verbose table
  and a ``ConvergenceWarning`` at ``max_iter``.
- :func:`proximal_gradient`: accelerated proximal gradient (FISTA, Beck &
  Teboulle 2009) with backtracking on the step and a monotone restart, for
  objectives f(x) + g(x) with f smooth and g simple. Projected gradient is the
  special case where g is the indicator of a convex set and the proximal
  operator is the projection.
- Proximal operators: soft thresholding (L1), its non-negative variant, and the
  nuclear norm on the PSD cone (an eigenvalue soft threshold, through
  :mod:`mlearn.psd`).
"""

import time
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

from .psd import project_psd

__all__ = [
    "OptimizeResult",
    "minimize_lbfgs",
    "proximal_gradient",
    "soft_threshold",
    "soft_threshold_nonnegative",
    "prox_nuclear_psd",
]


@dataclass
class OptimizeResult:
    """Outcome of a shared optimiser.

    Attributes
    ----------
    x : ndarray
        The best iterate found.
    fun : float
        Objective value at ``x``.
    n_iter : int
        Iterations taken.
    n_evals : int
        Objective (and gradient) evaluations.
    converged : bool
        Whether the tolerance was met before ``max_iter``.
    step : float or None
        Step size the next iteration would start from (proximal gradient),
        to warm-start a later call on a nearby problem; None for L-BFGS.
    """

    x: np.ndarray
    fun: float
    n_iter: int
    n_evals: int
    converged: bool
    step: float | None = None


class ProgressTable:
    """The table of a fit's progress, printed when ``verbose`` is on (off by default).

    One header, then a row per iteration: with ``verbose=1`` rows 1–10, then every 10th up
    to 100, every 100th up to 1,000 and so on (a fit of 10,000 iterations prints about 45
    lines); with ``verbose >= 2`` every row. ``rule`` says in the header what ends the fit
    and which column to watch; :meth:`finish` prints the last row (when it was thinned out)
    and how the fit ended.
    """

    def __init__(self, name, verbose, columns=("objective",), *, rule=None):
        self.verbose = verbose
        self.name = name
        self.columns = columns
        self.start = time.perf_counter()
        self.last = None
        if verbose:
            if rule:
                print(f"[{name}] {rule}", flush=True)
            head = f"[{name}] {'iter':>6} " + " ".join(f"{c:>14}" for c in columns)
            print(head + f" {'time (s)':>10}", flush=True)

    def _shown(self, iteration):
        if self.verbose >= 2 or iteration <= 10:
            return True
        return iteration % 10 ** int(np.floor(np.log10(iteration))) == 0

    def row(self, iteration, *values):
        if not self.verbose:
            return
        cells = " ".join(f"{v:>14.6g}" for v in values)
        line = f"[{self.name}] {iteration:>6} {cells}"
        if self._shown(iteration):
            print(f"{line} {time.perf_counter() - self.start:>10.3f}", flush=True)
            self.last = None
        else:
            self.last = line

    def finish(self, n_iter, converged):
        """The last row, if it was not shown, and whether the rule or ``max_iter`` ended it."""
        if not self.verbose:
            return
        elapsed = time.perf_counter() - self.start
        if self.last is not None:
            print(f"{self.last} {elapsed:>10.3f}", flush=True)
        how = "converged" if converged else "stopped at max_iter"
        print(f"[{self.name}] {how} after {n_iter} iterations, {elapsed:.3f} s", flush=True)


def warn_not_converged(name, max_iter):
    """Emit scikit-learn's ConvergenceWarning for a solver that hit ``max_iter``."""
    warnings.warn(
        f"{name} did not converge in max_iter={max_iter} iterations; the best iterate is "
        f"kept. Increase max_iter or loosen tol.",
        ConvergenceWarning,
        stacklevel=3,
    )


def minimize_lbfgs(
    loss_and_grad,
    x0,
    *,
    max_iter=100,
    tol=1e-5,
    ftol=None,
    bounds=None,
    stop=None,
    verbose=0,
    name="L-BFGS",
):
    """Minimise a smooth function given as one fused loss-and-gradient callable.

    Parameters
    ----------
    loss_and_grad : callable
        ``loss_and_grad(x) -> (loss, gradient)`` with x and gradient 1-D.
    x0 : ndarray
        Starting point (any shape; optimised flattened, returned in float64).
    max_iter : int
        Maximum number of L-BFGS iterations.
    tol : float
        Stop when the projected gradient's largest entry falls below ``tol``
        (scipy's ``gtol``).
    ftol : float or None
        Also stop when the objective's relative decrease
        (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) falls below ``ftol``; None
        keeps scipy's default (about 2.2e-9), as scikit-learn's NCA does.
    bounds : sequence of (low, high), scipy ``Bounds``, or None
        Box constraints (L-BFGS-B handles them exactly).
    stop : callable or None
        ``stop(iteration, x) -> bool``, called after each iteration; True
        ends the run as converged (e.g. once a duality gap certifies the
        iterate).
    verbose : int
        Print an iteration table if > 0.
    name : str
        Estimator name for messages.

    Returns
    -------
    OptimizeResult
    """
    x0 = np.asarray(x0, dtype=np.float64).ravel()
    rule = f"stops when max |gradient| <= tol={tol:g}" + (
        f", or the objective's relative decrease <= {ftol:g}" if ftol is not None else ""
    )
    table = ProgressTable(
        name, verbose, ("objective", "max |gradient|"), rule=f"{rule}, or at max_iter={max_iter}"
    )
    evals = 0
    last = {"loss": np.inf, "gradient": np.inf}

    def fun(x):
        nonlocal evals
        evals += 1
        loss, grad = loss_and_grad(x)
        grad = np.asarray(grad, dtype=np.float64).ravel()
        last["loss"], last["gradient"] = float(loss), float(np.abs(grad).max(initial=0.0))
        return float(loss), grad

    iteration = 0

    def callback(intermediate_result):
        nonlocal iteration
        iteration += 1
        # The last evaluation is the accepted point of the line search.
        table.row(iteration, last["loss"], last["gradient"])
        if stop is not None and stop(iteration, intermediate_result.x):
            raise StopIteration

    result = minimize(
        fun,
        x0,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        callback=callback,
        options={"maxiter": max_iter, "gtol": tol, **({} if ftol is None else {"ftol": ftol})},
    )
    # status 1 is "iteration limit"; 0 is convergence, 2 a line search stalled at the
    # noise floor, which is convergence in every practical sense.
    converged = result.status != 1
    table.finish(int(result.nit), converged)
    if not converged:
        warn_not_converged(name, max_iter)
    return OptimizeResult(result.x, float(result.fun), int(result.nit), evals, converged)


def proximal_gradient(
    smooth_loss_and_grad,
    prox,
    x0,
    *,
    nonsmooth=None,
    step=1.0,
    max_iter=1000,
    tol=1e-6,
    accelerated=True,
    stop=None,
    stop_rule=None,
    verbose=0,
    name="proximal gradient",
):
    """Minimise f(x) + g(x) by (accelerated) proximal gradient with backtracking.

    Each iteration takes x⁺ = prox(y − t∇f(y), t) from the extrapolated point
    y, halving the step t until the quadratic upper bound
    f(x⁺) ≤ f(y) + ⟨∇f(y), x⁺ − y⟩ + ‖x⁺ − y‖²/(2t) holds, and grows t by
    1.5× after an accepted step. If the objective increases, the momentum is
    reset (O'Donoghue & Candès 2015), so the objective is monotone.

    Parameters
    ----------
    smooth_loss_and_grad : callable
        ``f(x) -> (value, gradient)``, gradient of x's shape.
    prox : callable
        ``prox(v, t) -> argmin_x g(x) + ‖x − v‖²/(2t)``; a projection for
        constrained problems.
    x0 : ndarray
        Feasible starting point (any shape).
    nonsmooth : callable or None
        ``g(x) -> float``, the non-smooth term, for the reported objective;
        None means g is 0 on the feasible set (an indicator).
    step : float
        Initial step size t.
    max_iter : int
    tol : float
        Stop when ‖x_{k+1} − x_k‖ ≤ tol·max(1, ‖x_k‖) or the objective's
        relative decrease is below tol.
    accelerated : bool
        Use Nesterov momentum (FISTA); False gives plain (projected) gradient.
    stop : callable or None
        ``stop(x, value, gradient) -> bool``, called on each new iterate with
        its smooth value and gradient; when given, it replaces the ``tol``
        test (e.g. with a duality-gap certificate).
    stop_rule : str or None
        What ``stop`` tests, in words, for the head of the verbose table.
    verbose : int
    name : str

    Returns
    -------
    OptimizeResult
    """
    g = (lambda x: 0.0) if nonsmooth is None else nonsmooth
    rule = (
        stop_rule or "stops on the learner's own certificate"
        if stop is not None
        else f"stops when the relative move or the objective's relative decrease <= tol={tol:g}"
    )
    table = ProgressTable(
        name,
        verbose,
        ("objective", "step", "relative move"),
        rule=f"{rule}, or at max_iter={max_iter}",
    )
    x = np.array(x0, dtype=np.result_type(x0, np.float32), copy=True)
    f_x, grad_x = smooth_loss_and_grad(x)
    obj = f_x + g(x)
    # (point, value, gradient) of the extrapolated point; when y is the last
    # iterate (no momentum) its evaluation is reused instead of repeated.
    y, f_y, grad_y = x.copy(), f_x, grad_x
    momentum, evals, converged, n_iter = 1.0, 1, False, 0
    for n_iter in range(1, max_iter + 1):
        if f_y is None:
            f_y, grad_y = smooth_loss_and_grad(y)
            evals += 1
        while True:
            x_new = prox(y - step * grad_y, step)
            diff = x_new - y
            f_new, grad_new = smooth_loss_and_grad(x_new)
            evals += 1
            bound = f_y + np.vdot(grad_y, diff) + np.vdot(diff, diff) / (2 * step)
            if f_new <= bound + 1e-12 * abs(f_y) or step < 1e-20:
                break
            step /= 2
        obj_new = f_new + g(x_new)
        if obj_new > obj and accelerated and momentum > 1.0:
            # Restart: drop the momentum and retry from x with a plain step.
            y, f_y, momentum = x.copy(), None, 1.0
            continue
        move = np.linalg.norm(x_new - x)
        scale = max(1.0, np.linalg.norm(x))
        decrease = (obj - obj_new) / max(abs(obj), 1e-300)
        table.row(n_iter, obj_new, step, move / scale)
        momentum_new = (1 + np.sqrt(1 + 4 * momentum**2)) / 2 if accelerated else 1.0
        extrapolation = (momentum - 1) / momentum_new
        if extrapolation > 0:
            y, f_y = x_new + extrapolation * (x_new - x), None
        else:
            y, f_y, grad_y = x_new, f_new, grad_new
        momentum = momentum_new
        x, obj = x_new, obj_new
        step *= 1.5
        if (
            stop(x, f_new, grad_new)
            if stop is not None
            else move <= tol * scale or 0 <= decrease < tol
        ):
            converged = True
            break
    table.finish(n_iter, converged)
    if not converged:
        warn_not_converged(name, max_iter)
    return OptimizeResult(x, float(obj), n_iter, evals, converged, float(step))


def soft_threshold(x, t):
    """Proximal operator of t‖x‖₁: sign(x)·max(|x| − t, 0)."""
    return np.sign(x) * np.maximum(np.abs(x) - t, 0)


def soft_threshold_nonnegative(x, t):
    """Proximal operator of t‖x‖₁ + indicator(x ≥ 0): max(x − t, 0)."""
    return np.maximum(x - t, 0)


def prox_nuclear_psd(M, t):
    """Proximal operator of t‖M‖_* + indicator(M ⪰ 0): eigenvalues max(λ − t, 0).

    On the PSD cone the nuclear norm is the trace, so this is the eigenvalue
    soft threshold computed by :func:`mlearn.psd.project_psd` with ``shrink=t``.
    """
    return project_psd(M, shrink=t)
