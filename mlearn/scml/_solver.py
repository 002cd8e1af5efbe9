"""Regularised dual averaging for SCML's weights (Shi, Bellet & Sha 2014, §4).

The objective in the basis weights w ≥ 0 is

    F(w) = (1/|T|) Σ_t [1 + z_tᵀ w]₊ + β ‖w‖₁,   z_t = (B(a − p))² − (B(a − n))².

Each step draws ``batch_size`` triplets, averages the subgradients z_t of the
ones with a positive hinge into g_t, and sets w to the closed-form minimiser of
the averaged linear model plus the ℓ1 term and an AdaGrad-scaled proximal term
(see :func:`mlearn.scml._kernels.dual_averaging_steps`). The draws are those of
metric-learn's implementation, ``RandomState.randint(0, |T|, (max_iter,
batch_size))`` drawn in order, so the same seed gives the same steps
(``benchmarks/scml_peer_agreement.py``). Every
``output_iter`` steps F is evaluated on all triplets and the best w kept; the
run stops when ``PATIENCE`` evaluations in a row have improved the best F by at
most ``tol`` relative.
"""

import numpy as np
from sklearn.utils import check_random_state

from .._blocks import rows_per_block
from .._optim import ProgressTable, warn_not_converged
from ._evaluator import TripletBasisTerms

# Evaluations in a row that must improve the best objective by at most ``tol`` before
# the run stops: the iterates are noisy, and one evaluation above the best is common
# long before the objective levels off (benchmarks/scml_defaults.py).
PATIENCE = 2
# Added to the accumulated gradient norms so that a basis never drawn yet gets a finite
# step; metric-learn's value (and the original Matlab code's).
DELTA = 1e-3


def metric_from_weights(basis, w):
    """M = Σ_i w_i b_i b_iᵀ = Bᵀ diag(w) B, over the bases with w_i > 0."""
    active = w > 0
    B = basis[active]
    return (B.T * w[active]) @ B


def scml_objective(terms, basis, w, beta):
    """F(w) on every triplet of ``terms``, and how many triplets have a positive hinge."""
    total, n_active = terms.hinge_sum(metric_from_weights(basis, w))
    return total / terms.n_triplets + beta * float(w.sum()), n_active


def _run_steps(terms, draws, state):
    """RDA steps on the triplets ``draws`` (one row per step), updating ``state`` in place.

    An evaluator in memory forms the margins z_r from its projected points inside
    the kernel; a sharded one returns the margins of the drawn triplets, block by
    block, for the same kernel arithmetic.
    """
    from ._kernels import dual_averaging_steps, dual_averaging_steps_on_points

    if isinstance(terms, TripletBasisTerms):
        dual_averaging_steps_on_points(terms.XB, terms.triplets, draws, *state)
        return
    rows, inverse = np.unique(draws, return_inverse=True)
    Z = terms.subset(rows).basis_margins()
    dual_averaging_steps(Z, inverse.reshape(draws.shape), *state)


def dual_averaging(terms, basis, settings, random_state):
    """The best weights w ≥ 0 found by RDA: (w, F(w), steps run, converged).

    Parameters
    ----------
    terms : TripletBasisTerms or its sharded form
    basis : ndarray of shape (n_basis, n_features)
    settings : dict
        ``beta``, ``gamma``, ``max_iter``, ``output_iter``, ``batch_size``,
        ``tol`` (None: run ``max_iter`` steps), ``verbose`` and ``name``.
    random_state : None, int or RandomState
    """
    s = settings
    rng = check_random_state(random_state)
    n_basis, n_triplets = basis.shape[0], terms.n_triplets
    w, gradient_sum, gradient_norm = np.zeros(n_basis), np.zeros(n_basis), np.zeros(n_basis)
    best_w, best = w.copy(), np.inf
    rule = (
        f"runs max_iter={s['max_iter']} steps"
        if s["tol"] is None
        else f"stops when the best objective improves by <= tol={s['tol']:g} relative over "
        f"{PATIENCE} checks, or at max_iter={s['max_iter']} steps"
    )
    table = ProgressTable(s["name"], s["verbose"], ("objective", "active triplets"), rule=rule)
    # Steps per block of margins drawn at once: n_unique × n_basis floats in memory.
    per_block = rows_per_block(8 * n_basis * s["batch_size"], s["output_iter"])
    step, best_before = 0, []
    while step < s["max_iter"]:
        check_at = min(step + s["output_iter"], s["max_iter"])
        for first in range(step, check_at, per_block):
            size = (min(per_block, check_at - first), s["batch_size"])
            draws = rng.randint(0, n_triplets, size=size)
            state = (w, gradient_sum, gradient_norm, first, s["gamma"], s["beta"], DELTA)
            _run_steps(terms, draws, state)
        step = check_at
        objective, n_active = scml_objective(terms, basis, w, s["beta"])
        table.row(step, objective, n_active)
        best_before.append(best)
        if objective < best:
            best_w, best = w.copy(), objective
        if s["tol"] is not None and len(best_before) > PATIENCE:
            # The best objective PATIENCE evaluations ago, against the best now.
            if best_before[-PATIENCE] - best <= s["tol"] * best:
                table.finish(step, True)
                return best_w, best, step, True
    table.finish(step, s["tol"] is None)
    if s["tol"] is not None:
        warn_not_converged(s["name"], s["max_iter"])
    return best_w, best, step, s["tol"] is None
