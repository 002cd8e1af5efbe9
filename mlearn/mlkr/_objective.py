"""MLKR's per-point loss for the pair-softmax core: f_i = (ŷ_i − y_i)²."""

import numpy as np


def squared_error_row_loss(S, B):
    """(Σ_i ‖ŷ_i − y_i‖², 2 (ŷ − y)) for a tile: S holds the kernel-regression estimates ŷ_i."""
    residual = S - B
    return float(np.einsum("ij,ij->", residual, residual, dtype=np.float64)), 2.0 * residual
