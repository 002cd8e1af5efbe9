"""NCA's per-point loss for the pair-softmax core: f_i = −p_i, the chance that i is right."""

import numpy as np


def one_hot_classes(y, n_classes, dtype):
    """The targets b_i of NCA: row i is the indicator of y_i's class (n × n_classes)."""
    B = np.zeros((y.shape[0], n_classes), dtype=dtype)
    B[np.arange(y.shape[0]), y] = 1
    return B


def misclassification_row_loss(S, B):
    """(−Σ_i p_i, −B) for a tile: p_i = ⟨s_i, b_i⟩, s_i the class mass of i's neighbourhood."""
    return -float(np.einsum("ij,ij->", S, B, dtype=np.float64)), -B
