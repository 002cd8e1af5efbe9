"""The OASIS solver: passes of passive-aggressive steps, the best W kept.

Each pass visits every triplet once, in an order drawn from ``random_state``
(:mod:`mlearn.oasis._kernels` runs the steps); after it, the mean hinge

    F(W) = (1/|T|) Σ_(a,p,n)∈T max(0, 1 − aᵀ W p + aᵀ W n)

of all triplets is evaluated exactly (compiled, as the steps are). The W of lowest F seen
(the starting W included) is returned. The passes stop when F is zero (no triplet can
move W any more), or when a pass lowers the best F by at most ``tol`` relative to it;
at ``max_iter`` passes a ConvergenceWarning is emitted.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state

from .._optim import ProgressTable, warn_not_converged


def triplet_scores(X, triplets, W):
    """aᵀ W p − aᵀ W n per triplet (a, p, n), float64, by the compiled kernels.

    Compiled rather than gathered into BLAS blocks: for CSR points X[a] W would be a
    dense n_triplets × d product, where the kernel does O(nnz(a) nnz(p − n)) work per
    triplet, as the steps do; for dense points they are within a factor of two.
    """
    from ._kernels import dense_scores, sparse_scores

    out = np.empty(triplets.shape[0])
    W = np.ascontiguousarray(W, dtype=X.dtype)
    if sp.issparse(X):
        sparse_scores(X.indptr, X.indices, X.data, X.shape[1], triplets, W, out)
    else:
        dense_scores(X, triplets, W, out)
    return out


def mean_hinge(X, triplets, W):
    """F(W): the mean over the triplets of max(0, 1 − s_W(a, p) + s_W(a, n)).

    Hinges within rounding of zero (:func:`mlearn.oasis._kernels.margin_slack`) count as
    zero, as the steps count them.
    """
    from ._kernels import margin_slack

    hinges = 1.0 - triplet_scores(X, triplets, W)
    return float(np.mean(np.where(hinges > margin_slack(X.dtype), hinges, 0.0)))


def _run_pass(X, triplets, order, W, C):
    """One pass of PA steps in ``order``; W is updated in place. Returns the updates made."""
    from ._kernels import dense_pass, margin_slack, sparse_pass

    hinges = np.empty(order.shape[0])
    slack = margin_slack(X.dtype)
    if sp.issparse(X):
        return sparse_pass(
            X.indptr, X.indices, X.data, X.shape[1], triplets, order, W, C, slack, hinges
        )
    return dense_pass(X, triplets, order, W, C, slack, hinges)


def passive_aggressive(X, triplets, W0, settings, random_state):
    """Passes of PA steps from W0 on points X (dense or CSR) and index triplets.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_points, n_features)
    triplets : ndarray of shape (n_triplets, 3), intp
    W0 : ndarray of shape (n_features, n_features)
        The starting W, in X's dtype; not modified.
    settings : dict
        ``C``, ``max_iter``, ``tol``, ``verbose``, ``name``.
    random_state : int, RandomState instance or None
        Draws the order of each pass.

    Returns
    -------
    W : ndarray of shape (n_features, n_features)
        The iterate of lowest mean hinge.
    objective : float
        Its mean hinge F(W).
    n_passes : int
    n_updates : int
        PA steps that changed W, over all passes.
    """
    rng = check_random_state(random_state)
    table = ProgressTable(settings["name"], settings["verbose"], ("mean hinge", "updates"))
    W = np.array(W0, dtype=X.dtype, order="C")
    best_W, best = W.copy(), mean_hinge(X, triplets, W)
    n_passes = n_updates = 0
    converged = best == 0.0
    while not converged and n_passes < settings["max_iter"]:
        order = rng.permutation(triplets.shape[0])
        n_updates += _run_pass(X, triplets, order, W, settings["C"])
        n_passes += 1
        objective = mean_hinge(X, triplets, W)
        table.row(n_passes, objective, n_updates)
        previous = best
        if objective < best:
            best_W[...], best = W, objective
        tol = settings["tol"]
        converged = best == 0.0 or (tol is not None and previous - objective <= tol * previous)
    if not converged:
        warn_not_converged(settings["name"], settings["max_iter"])
    return best_W, best, n_passes, n_updates
