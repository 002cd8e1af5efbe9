"""NCA's per-point loss for the pair-softmax core (f_i = −p_i), and its evaluator."""

import numpy as np

from .._evaluator import across_shards
from .._pair_softmax import PairSoftmax


def one_hot_classes(y, n_classes, dtype):
    """The targets b_i of NCA: row i is the indicator of y_i's class (n × n_classes)."""
    B = np.zeros((y.shape[0], n_classes), dtype=dtype)
    B[np.arange(y.shape[0]), y] = 1
    return B


def misclassification_row_loss(S, B):
    """(−Σ_i p_i, −B) for a tile: p_i = ⟨s_i, b_i⟩, s_i the class mass of i's neighbourhood."""
    return -float(np.einsum("ij,ij->", S, B, dtype=np.float64)), -B


class ClassPairSoftmax(PairSoftmax):
    """The pair softmax of query rows whose targets are one-hot classes, with the class
    statistics that a 'pca' or 'lda' start needs when the rows are on a cluster."""

    def __init__(self, offset, X, targets, *, tile_rows=None, whole_matrix=None):
        super().__init__(
            offset,
            X,
            targets,
            # The generic form of the loss; with own_class_loss the compiled own-class
            # pass computes the same weights from the labels (tests/test_pair_softmax.py).
            row_loss=misclassification_row_loss,
            tile_rows=tile_rows,
            whole_matrix=whole_matrix,
            own_class_loss=True,
        )

    @across_shards("sum")
    def class_sums(self, n_classes):
        """Per class: the number of rows (float64) and the sum of the rows (n_classes × d)."""
        B = self.targets.astype(np.float64)
        return B.sum(axis=0), B.T @ self.X.astype(np.float64)

    @across_shards("sum")
    def centred_scatters(self, mean, class_means):
        """Scatter about the grand mean and about the class means (both d × d, float64)."""
        X = self.X.astype(np.float64)
        total, within = X - mean, X - self.targets.astype(np.float64) @ class_means
        return total.T @ total, within.T @ within
