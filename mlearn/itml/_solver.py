"""The sweep loop of ITML: cyclic LogDet Bregman projections until the dual settles."""

import numpy as np

from .._optim import ProgressTable, warn_not_converged

# With shrinking, every this many sweeps is a full one (see _itml_solve).
_FULL_SWEEP_EVERY = 10


def _itml_solve(
    X, pairs, signs, prior, bounds, gamma, *, max_iter, tol, shrink=True, verbose=0, name="ITML"
):
    """Run cyclic Bregman projections until λ settles; the solver behind ITML.

    Parameters
    ----------
    X : ndarray of shape (n_points, d)
        Points; a pair's difference vector is X[a] − X[b]. For the kernel form
        (Davis et al., Algorithm 2) pass X = identity(n) and prior = K: the
        differences are e_a − e_b and the result is the learned kernel matrix.
    pairs : ndarray of shape (n_pairs, 2), intp
        Rows of X; pairs with X[a] = X[b] must have been removed.
    signs : ndarray of shape (n_pairs,)
        +1 similar, −1 dissimilar.
    prior : ndarray of shape (d, d)
        Strictly positive definite M₀ (not checked here).
    bounds : (u, l)
        Initial slacks of similar and dissimilar pairs, both > 0.
    gamma : float > 0 or inf
    max_iter, tol : int, float
        As for :class:`~mlearn.ITML`.
    shrink : bool, default=True
        Between full sweeps, visit only the constraints whose λ is positive
        (see below). False makes every sweep a full one.
    verbose : int, default=0
        Print a row per sweep if > 0.
    name : str, default="ITML"
        The learner named in the progress table and the convergence warning.

    Returns
    -------
    M : ndarray of shape (d, d), float64, symmetric positive definite
    slack : ndarray of shape (n_pairs,)
        Final slacks ξ.
    dual : ndarray of shape (n_pairs,)
        Final dual variables λ ≥ 0.
    n_iter : int
        Sweeps run (full or shrunk).

    Notes
    -----
    Shrinking, as in SVM solvers: a constraint whose λ is 0 after a full sweep
    was satisfied when visited and contributes nothing while it stays so. Up
    to ``_FULL_SWEEP_EVERY − 1`` sweeps after a full one visit only the
    constraints with λ > 0; then, or as soon as such a sweep meets ``tol``, a
    full sweep follows. Convergence is only declared on a full sweep, so the
    result meets the same criterion as without shrinking, and every
    constraint is visited at bounded intervals (the "almost cyclic" control
    under which Bregman's method converges).
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    M = np.array(prior, dtype=np.float64, order="C", copy=True)
    first = np.ascontiguousarray(pairs[:, 0], dtype=np.intp)
    second = np.ascontiguousarray(pairs[:, 1], dtype=np.intp)
    signs = np.ascontiguousarray(signs, dtype=np.float64)
    slack = np.where(signs > 0, float(bounds[0]), float(bounds[1]))
    dual = np.zeros(first.shape[0])
    # Imported here, not at the top, so that `import mlearn` does not import numba.
    from ._bregman import logdet_projection_sweep as sweep

    rule = (
        f"stops when a full sweep changes the dual variables by <= tol={tol:g} relative, "
        f"or at max_iter={max_iter} sweeps"
    )
    table = ProgressTable(name, verbose, ("lambda change", "visited"), rule=rule)
    everything = np.arange(first.shape[0], dtype=np.intp)
    visit, since_full = everything, 0
    converged, n_iter = False, 0
    for n_iter in range(1, max_iter + 1):
        previous = dual.copy()
        sweep(M, X, first, second, signs, slack, dual, float(gamma), visit)
        norm = np.linalg.norm(dual)
        change = np.linalg.norm(dual - previous) / norm if norm > 0 else 0.0
        table.row(n_iter, change, visit.shape[0])
        full = visit.shape[0] == everything.shape[0]
        if full and change <= tol:
            converged = True
            break
        since_full = 0 if full else since_full + 1
        if not shrink or change <= tol or since_full >= _FULL_SWEEP_EVERY - 1:
            visit = everything
        elif full:
            visit = np.flatnonzero(dual > 0).astype(np.intp)
    table.finish(n_iter, converged)
    if not converged:
        # Every sweep increases the dual objective: the last iterate is the best one.
        warn_not_converged(name, max_iter)
    return (M + M.T) / 2, slack, dual, n_iter
