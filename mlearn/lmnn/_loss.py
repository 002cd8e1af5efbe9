"""LMNN's objective ε(L) and its gradient on an active set, in one fused pass.

With w the pair weights (1 − μ + μ·(active count) on a target pair, −μ·(active
count) on an impostor pair; sums of 2h for the squared hinge) and Z = X Lᵀ,

    ∂ε/∂L = 2 (Eᵀ diag(w) E Z)ᵀ X,

E the sparse incidence matrix of the pairs: the rows of Eᵀ diag(w) E Z = Lap(W) Z
are accumulated by one compiled pass over the pairs, then one GEMM.
"""

import numpy as np


def lmnn_loss_and_grad(L, X, pairs, push_weight, hinge="hinge"):
    """LMNN objective ε(L) and its gradient on a given set of pairs.

    ``X`` may be replaced by a kernel matrix K (n × n): the objective in L
    (n_components × n) is then kernel LMNN's, ‖L(k_a − k_b)‖², unchanged.

    Parameters
    ----------
    L : ndarray of shape (n_components, n_features)
    X : ndarray of shape (n_samples, n_features)
    pairs : ActivePairs
    push_weight : float
        μ.
    hinge : {'hinge', 'squared_hinge'}

    Returns
    -------
    loss : float
    grad : ndarray of shape (n_components, n_features), X's dtype
    """
    # Imported here: the kernels import numba, which ``import mlearn`` does not.
    from ._kernels import squared_distances, weighted_differences

    Z = np.ascontiguousarray(X @ L.T)
    dist = np.empty(pairs.first.shape[0], dtype=Z.dtype)
    squared_distances(Z, pairs.first, pairs.second, dist)
    loss, weights = loss_and_pair_weights(dist, pairs, push_weight, hinge)
    lap_z = np.zeros_like(Z)
    weighted_differences(Z, pairs.first, pairs.second, weights, lap_z)
    grad = 2 * lap_z.T @ X
    return loss, grad


def loss_and_pair_weights(dist, pairs, push_weight, hinge="hinge"):
    """ε from the squared distances of the pairs, and each pair's weight w = ∂ε/∂D.

    The objective depends on L only through the distances D of the active pairs
    (target pairs first, then impostor pairs, as :class:`ActivePairs` orders
    them), however each distance is measured: with one metric (LMNN) or with the
    metric of the pair's second point (:mod:`mlearn.lmnn._multimetric`).

    Parameters
    ----------
    dist : ndarray of shape (n_pairs,)
        D of every pair of ``pairs``, in its order.
    pairs : ActivePairs
    push_weight : float
        μ.
    hinge : {'hinge', 'squared_hinge'}

    Returns
    -------
    loss : float
    weights : ndarray of shape (n_pairs,), dist's dtype
    """
    # Imported here: the kernels import numba, which ``import mlearn`` does not.
    from ._kernels import push_weights

    n, k = pairs.targets.shape
    d_target = dist[: n * k].reshape(n, k)
    weights = np.zeros_like(dist)
    target_w = weights[: n * k].reshape(n, k)
    push_loss = push_weights(
        d_target,
        pairs.valid,
        pairs.anchors,
        dist[n * k :],
        pairs.weights,
        hinge == "squared_hinge",
        target_w,
        weights[n * k :],
    )
    pull_loss = np.sum(d_target[pairs.valid], dtype=np.float64)
    weights *= push_weight
    target_w += (1 - push_weight) * pairs.valid
    loss = (1 - push_weight) * pull_loss + push_weight * push_loss
    return float(loss), weights
