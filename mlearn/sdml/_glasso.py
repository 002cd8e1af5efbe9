"""The graphical lasso, solved as scikit-learn's solves it, on a compiled sweep.

    minimise_{Θ ≻ 0}   tr(Θ P) − log det Θ + λ Σ_{i≠j} |Θ_ij|

(the diagonal is not penalised). Friedman, Hastie and Tibshirani (2008) solve it by
block coordinate descent on the dual: W ≈ Θ⁻¹ with W_ii = P_ii, one lasso per row
(:func:`mlearn.sdml._kernels.graphical_lasso_sweep`). As in
:func:`sklearn.covariance.graphical_lasso`, the start is W = P with its off-diagonal
entries scaled by 0.95 and Θ = W⁻¹, and the sweeps stop when the duality gap

    tr(Θ P) − d + λ Σ_{i≠j} |Θ_ij|

is below ``tol`` in absolute value, so both stop at the same certified distance from the
optimum; the rows' lassos are solved more tightly as the sweeps go on (see
``LASSO_TOL``). scikit-learn's loop runs in Python, copying a (d − 1) × (d − 1) sub-matrix
per row and calling a Cython lasso: on digits (d = 64) its fixed costs were half of an
SDML fit (``benchmarks/lsml_sdml_profile.py``); the whole sweep here is one compiled call.
"""

import numpy as np
from scipy import linalg

from .._optim import warn_not_converged

# The start scales the off-diagonal entries of P down, as scikit-learn does (a
# conservative, better conditioned first W).
START_SHRINK = 0.95

# Relative size of the last coordinate step at which a row's lasso stops: scikit-learn's
# enet_tol default in the first sweep, then tenfold tighter after each sweep that leaves
# the gap above tol, down to LASSO_TOL_FLOOR. With a fixed 1e-4 the gap can stall above a
# tight tol (scikit-learn's then runs to max_iter); tightening only when needed keeps the
# easy problems (digits: two sweeps) as fast.
LASSO_TOL = 1e-4
LASSO_TOL_FLOOR = 1e-10


def dual_gap(P, Theta, alpha):
    """tr(Θ P) − d + λ Σ_{i≠j} |Θ_ij|: zero exactly at the optimum."""
    off_diagonal = np.abs(Theta).sum() - np.abs(np.diag(Theta)).sum()
    return float(np.sum(P * Theta) - P.shape[0] + alpha * off_diagonal)


def graphical_lasso(P, alpha, *, tol, max_iter, verbose=0, name="SDML"):
    """argmin_Θ of the graphical lasso; return (Θ, n_iter).

    Raises FloatingPointError when the sweeps break down (P too ill-conditioned),
    and warns ``ConvergenceWarning`` when ``max_iter`` sweeps leave the gap above tol.
    """
    from ._kernels import graphical_lasso_sweep

    n = P.shape[0]
    P = np.ascontiguousarray(P, dtype=np.float64)
    W = START_SHRINK * P
    np.fill_diagonal(W, np.diag(P))
    Theta = linalg.inv(W, check_finite=False)
    Theta = (Theta + Theta.T) / 2
    beta, h = np.empty(n), np.empty(n)
    lasso_tol = LASSO_TOL
    for iteration in range(1, max_iter + 1):
        graphical_lasso_sweep(P, W, Theta, alpha, lasso_tol, max(20, max_iter), beta, h)
        lasso_tol = max(lasso_tol / 10, LASSO_TOL_FLOOR)
        if not np.all(np.isfinite(Theta)):
            raise FloatingPointError("the system is too ill-conditioned for this solver")
        gap = dual_gap(P, Theta, alpha)
        if verbose:
            print(f"[{name}] graphical lasso sweep {iteration:>4}, dual gap {gap:.3e}")
        if abs(gap) < tol:
            break
        # As scikit-learn's: an iterate past the first that is not positive definite (an
        # infinite objective) means the sweeps are diverging.
        if iteration > 1 and not _is_definite(Theta):
            raise FloatingPointError("non-SPD result: the system is too ill-conditioned")
    else:
        warn_not_converged(name, max_iter)
    return Theta, iteration


def _is_definite(A):
    try:
        linalg.cholesky(A, check_finite=False)
    except linalg.LinAlgError:
        return False
    return True
