"""The TripletSVM QP through cvxpy (``solver='cvxpy'``): a reference, not a fast path."""

import numpy as np

__all__ = ["solve_cvxpy"]


def solve_cvxpy(Xb, triplets, Q, C, diagonal):
    """Solve with CLARABEL on the points ``Xb``; returns (w or W, primal, n_iter).

    ``Q`` is the diagonal form's regulariser matrix (None: the identity).
    """
    import cvxpy as cp

    i, j, k = triplets.T
    far, near = Xb[i] - Xb[k], Xb[i] - Xb[j]
    if diagonal:
        w = cp.Variable(Xb.shape[1], nonneg=True)
        margins = (far**2 - near**2) @ w
        reg = 0.5 * cp.sum_squares(w) if Q is None else 0.5 * cp.quad_form(w, cp.psd_wrap(Q))
    else:
        w = cp.Variable((Xb.shape[1],) * 2, PSD=True)
        margins = cp.sum(cp.multiply(far @ w, far), axis=1) - cp.sum(
            cp.multiply(near @ w, near), axis=1
        )
        reg = 0.5 * cp.sum_squares(w)
    problem = cp.Problem(cp.Minimize(reg + C * cp.sum(cp.pos(1 - margins))))
    problem.solve(solver=cp.CLARABEL)
    if w.value is None:
        raise RuntimeError(f"cvxpy failed to solve the TripletSVM QP: {problem.status}.")
    return np.asarray(w.value), float(problem.value), int(problem.solver_stats.num_iters or 0)
