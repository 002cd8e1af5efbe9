"""LSML's objective in the prior's coordinates, and its L-BFGS solve.

With M₀ = CᵀC (C upper triangular) and M = LᵀL, write L = K C. Then

    tr(M M₀⁻¹) = ‖K‖²_F,     log det M = 2 log |det K| + log det M₀,

so the LogDet prior becomes ‖K‖²_F − 2 log |det K| (up to constants), whose
Hessian at the start K = I is the identity: the prior term is perfectly
conditioned whatever M₀ is. The data term and its gradient G in M come from
the evaluator (:class:`~mlearn.lsml._evaluator.QuadrupletResiduals`), and the
chain rule through M = CᵀKᵀKC gives

    ∂f/∂K = 2 K C G Cᵀ + 2 K − 2 K⁻ᵀ.

Any invertible K is a valid metric, and −log |det K| grows without bound as K
approaches a singular matrix, so the problem is unconstrained: L-BFGS runs on
K directly (:func:`mlearn._optim.minimize_lbfgs`), with no projection.
"""

import numpy as np
from scipy import linalg

from .._optim import minimize_lbfgs

# The relative decrease of the objective at which L-BFGS stops if tol is not met first:
# rounding level of f ≈ d + the data term, well below scipy's default 2.2e-9, which can
# stop a run short of tol after a few iterations of tiny decrease.
STALL_FTOL = 1e-12


def lsml_objective(M, evaluator, weights, M0):
    """f(M) = Σ w (d_ab − d_cd)₊² + tr(M M₀⁻¹) − log det M, the value metric-learn reports.

    D_ld(M, M₀) = tr(M M₀⁻¹) − log det M + log det M₀ − d differs from the
    prior part of f by a constant.
    """
    sign, logdet = np.linalg.slogdet(M)
    if sign <= 0:
        return np.inf
    L = linalg.cholesky(M, lower=False)
    loss, _ = evaluator.loss_and_gradient(L, weights)
    return float(loss + np.trace(linalg.solve(M0, M, assume_a="pos")) - logdet)


def solve_lsml(evaluator, weights, M0, *, max_iter, tol, verbose, name):
    """Minimise LSML's objective from M = M₀; return (M, objective, n_iter).

    Parameters
    ----------
    evaluator : QuadrupletResiduals or its sharded form
    weights : ndarray of shape (n_quadruplets,)
        Non-negative, summing to 1.
    M0 : ndarray of shape (d, d)
        The strictly positive definite prior.
    max_iter, tol, verbose, name
        As :func:`mlearn._optim.minimize_lbfgs` takes them (tol is its gtol).
    """
    d = M0.shape[0]
    C = linalg.cholesky(M0, lower=False)  # M₀ = CᵀC
    constant = 2 * np.sum(np.log(np.diag(C)))  # log det M₀

    def loss_and_grad_in_K(K):
        sign, logdet_K = np.linalg.slogdet(K)
        if sign == 0:
            return np.inf, np.zeros_like(K)
        loss, G = evaluator.loss_and_gradient(K @ C, weights)
        value = loss + np.sum(K * K) - 2 * logdet_K - constant
        grad = 2 * (K @ (C @ G @ C.T)) + 2 * K - 2 * np.linalg.inv(K).T
        return value, grad

    # L-BFGS's first step has unit length, whatever the gradient's size; the prior's
    # Hessian at K = I is 2(E + Eᵀ), about 4 on the symmetric directions, so the
    # Newton step there has length ‖g₀‖ / 4. Running L-BFGS on x = K / s with
    # s = ‖g₀‖ / 4 makes its first trial that step (one evaluation instead of a
    # backtracking search of three or four); the later iterations are invariant
    # under the scaling. tol is scaled with it, so that it still bounds ∂f/∂K.
    start = np.eye(d)
    f0, g0 = loss_and_grad_in_K(start)
    scale = float(np.linalg.norm(g0)) / 4
    if not scale > 0:
        return M0.copy(), f0, 1
    first = {"x": start.ravel() / scale, "value": (f0, scale * g0.ravel())}

    def loss_and_grad(x):
        if np.array_equal(x, first["x"]):  # scipy evaluates the start again
            return first["value"]
        value, grad = loss_and_grad_in_K(scale * x.reshape(d, d))
        return value, scale * grad.ravel()

    result = minimize_lbfgs(
        loss_and_grad,
        first["x"],
        max_iter=max_iter,
        tol=scale * tol,
        ftol=STALL_FTOL,
        verbose=verbose,
        name=name,
    )
    L = scale * result.x.reshape(d, d) @ C
    M = L.T @ L
    # A start that already meets tol still counts as one iteration (scikit-learn's convention).
    return (M + M.T) / 2, result.fun, max(result.n_iter, 1)
