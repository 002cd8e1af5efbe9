"""SDML's matrix P, the default balance, the shift of an indefinite P, and the solve.

SDML minimises F(M) = tr(M P) − log det M + λ Σ_{i≠j} |M_ij| with
P = M₀⁻¹ + η S, S the signed scatter of the pairs. This is the graphical
lasso's problem with P in the place of the empirical covariance, solved by
block coordinate descent on the dual (Friedman, Hastie and Tibshirani 2008), as
scikit-learn's :func:`~sklearn.covariance.graphical_lasso` solves it, on a compiled
sweep (:mod:`mlearn.sdml._glasso`); the diagonal is left unpenalised.

F is bounded below, and the problem well posed, when P is positive definite;
for λ > 0 it stays bounded as long as P's negative directions are penalised
enough, which nothing guarantees. Dissimilar pairs usually spread much more
than similar ones, so S is strongly indefinite and P = M₀⁻¹ + η S is
positive definite only for η below

    η_max = 1 / λ_max(−C S Cᵀ),   M₀ = CᵀC

(since M₀⁻¹ + η S = C⁻¹ (I + η C S Cᵀ) C⁻ᵀ). metric-learn 0.7.0's default
η = 0.5 is far above η_max on every shipped dataset (it is 4·10⁻⁴ on digits
scaled to [0, 1]), so its graphical lasso then fails. ``balance_param='auto'``
takes η = ``AUTO_BALANCE_FRACTION`` · η_max, which keeps P's eigenvalues (in
M₀'s coordinates) at or above 1 − that fraction. A P that is not positive
definite all the same (a large given η) is shifted as metric-learn shifts
its start: its eigenvalues are raised by −λ_min(P) + ``SHIFT_FLOOR`` ·
max |λ(P)|, with a ``ConvergenceWarning``. The L1 penalty keeps the shifted
problem bounded, but P is then nearly singular; where the
coordinate descent breaks down on it (as metric-learn's does), the fit raises
a ValueError that says to lower ``balance_param``.
"""

import warnings

import numpy as np
from scipy import linalg
from sklearn.exceptions import ConvergenceWarning

from ..psd import sym_eigh
from ._glasso import graphical_lasso

# The chosen fraction of the largest balance that keeps P positive definite
# (benchmarks/sdml_defaults.py measures kNN accuracy over fractions and datasets).
AUTO_BALANCE_FRACTION = 0.9

# An indefinite P is shifted until its smallest eigenvalue is this fraction of its largest.
SHIFT_FLOOR = 1e-10


def largest_definite_balance(S, M0):
    """η_max: the supremum of η with M₀⁻¹ + η S positive definite (inf if S ⪰ 0)."""
    C = linalg.cholesky(M0, lower=False)
    most_negative = -np.linalg.eigvalsh(C @ S @ C.T)[0]
    return np.inf if most_negative <= 0 else 1.0 / most_negative


def balance_of(balance_param, S, M0):
    """The balance η: the given number, or for 'auto' a fraction of η_max (see the module)."""
    if not isinstance(balance_param, str):
        return float(balance_param)
    eta_max = largest_definite_balance(S, M0)
    if np.isfinite(eta_max):
        return AUTO_BALANCE_FRACTION * eta_max
    # Similar pairs spread at least as much as dissimilar ones: any η keeps P definite;
    # take the one that puts η S on the scale of the prior.
    C = linalg.cholesky(M0, lower=False)
    largest = np.linalg.eigvalsh(C @ S @ C.T)[-1]
    return 1.0 / largest if largest > 0 else 1.0


def definite_or_shifted(P):
    """P, or P with its eigenvalues raised above 0 (and a warning) when it is not definite."""
    w, V = sym_eigh(P)
    floor = SHIFT_FLOOR * max(abs(w[-1]), abs(w[0]))
    if w[0] > floor:
        return P, False
    warnings.warn(
        f"SDML's matrix P = prior⁻¹ + balance_param · S is not positive definite (smallest "
        f"eigenvalue {w[0]:.3g}); its eigenvalues are shifted by {floor - w[0]:.3g}, which "
        f"changes the problem and may give a degenerate metric. Decrease balance_param, or "
        f"use balance_param='auto'.",
        ConvergenceWarning,
        stacklevel=3,
    )
    shifted = (V * (w - w[0] + floor)) @ V.T
    return (shifted + shifted.T) / 2, True


def sdml_objective(M, P, sparsity):
    """F(M) = tr(M P) − log det M + λ Σ_{i≠j} |M_ij| (inf unless M ≻ 0)."""
    sign, logdet = np.linalg.slogdet(M)
    if sign <= 0:
        return np.inf
    off_diagonal = np.abs(M).sum() - np.abs(np.diag(M)).sum()
    return float(np.sum(M * P) - logdet + sparsity * off_diagonal)


def solve_sdml(P, sparsity, *, tol, max_iter, verbose):
    """argmin_M F(M) by the graphical lasso; return (M, n_iter)."""
    # A closed form counts as one iteration (scikit-learn's convention for n_iter_).
    if P.shape[0] == 1:  # no off-diagonal entry: M = P⁻¹
        return 1.0 / P, 1
    if sparsity == 0:
        return linalg.inv(P, check_finite=False), 1
    try:
        M, n_iter = graphical_lasso(P, sparsity, tol=tol, max_iter=max_iter, verbose=verbose)
    except FloatingPointError as error:
        # The coordinate descent breaks down on badly conditioned P (a shifted
        # indefinite one, typically), as scikit-learn's does.
        raise ValueError(
            f"SDML's graphical lasso failed ({error}): P = prior⁻¹ + balance_param · S is "
            f"too ill-conditioned. Decrease balance_param, or use balance_param='auto'."
        ) from error
    return (M + M.T) / 2, n_iter
