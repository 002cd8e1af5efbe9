"""MLKR's per-point loss for the pair-softmax core (f_i = (ŷ_i − y_i)²), and the error on
held-out points that its early stopping reads."""

import numpy as np
from sklearn.utils import gen_batches

from .._blocks import rows_per_block


def squared_error_row_loss(S, B):
    """(Σ_i ‖ŷ_i − y_i‖², 2 (ŷ − y)) for a tile: S holds the kernel-regression estimates ŷ_i."""
    residual = S - B
    return float(np.einsum("ij,ij->", residual, residual, dtype=np.float64)), 2.0 * residual


def held_out_squared_error(L, X_fit, y_fit, X_held, y_held):
    """Σ_v (ŷ_v − y_v)² over the held-out points, ŷ_v the kernel regression from the fitted ones.

    ŷ_v = Σ_j k_vj y_j / Σ_j k_vj over the fitted points j, k_vj = exp(−‖L(x_v − x_j)‖²):
    the estimate MLKR's objective makes for a point it does not hold. Rows of the held-out
    points are taken in blocks that ``working_memory`` bounds, so no n × n array is formed.
    """
    L = np.asarray(L, dtype=X_fit.dtype)
    Z_fit, Z_held = X_fit @ L.T, X_held @ L.T
    centre = Z_fit.mean(axis=0)
    Z_fit, Z_held = Z_fit - centre, Z_held - centre
    fit_norms = np.einsum("ij,ij->i", Z_fit, Z_fit)
    block = rows_per_block(2 * Z_fit.shape[0] * Z_fit.itemsize, Z_held.shape[0])
    error = 0.0
    for rows in gen_batches(Z_held.shape[0], block):
        Zb = Z_held[rows]
        D = np.einsum("ij,ij->i", Zb, Zb)[:, None] + fit_norms[None, :] - 2.0 * (Zb @ Z_fit.T)
        D -= D.min(axis=1, keepdims=True)
        K = np.exp(-np.maximum(D, 0.0))
        estimate = (K @ y_fit) / K.sum(axis=1)
        error += float(np.sum((estimate - y_held[rows]) ** 2, dtype=np.float64))
    return error
