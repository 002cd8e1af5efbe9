"""LMNN's evaluator: everything the solver asks of a block of rows.

One :class:`RowBlockObjective` holds a block of rows X_b, y_b, their target
neighbours (searched within the block) and the block's active set. In memory
there is one block, all of X, and its objective is ε(L); on a Dask array there is
one per row block, on its worker, and the fit minimises the sum of the blocks'
objectives ε_S(L) = Σ_b ε(L; X_b, y_b) (see :mod:`mlearn.lmnn`). Every method
the solver calls declares how it combines across the blocks
(:func:`mlearn._evaluator.across_shards`): statistics and objectives are sums,
the re-search of the active sets an update in place, and the rows nearest to
given points (the held-out points that choose the passes) a merge of each block's
nearest.
"""

import numpy as np
from sklearn.utils import check_random_state

from .._blocks import nearest_rows
from .._evaluator import across_shards
from ._active_set import search_active_set
from ._loss import lmnn_loss_and_grad
from ._targets import target_distances, target_neighbors


class RowBlockObjective:
    """The LMNN objective of one block of rows, with its targets and its active set.

    Parameters
    ----------
    offset : int
        Index of the block's first row in X (0 in memory).
    X : ndarray of shape (n_rows, n_features)
    y : ndarray of shape (n_rows,), int
        Class labels encoded 0..n_classes − 1 (over all of X).
    targets, valid : ndarray of shape (n_rows, n_neighbors)
        Target neighbours within the block (indices into the block).
    rng : RandomState
        The block's stream for sampling impostors.
    """

    def __init__(self, offset, X, y, targets, valid, rng):
        self.offset, self.X, self.y = offset, X, y
        self.targets, self.valid, self.rng = targets, valid, rng
        self.pairs = None
        self.n_changed_targets = 0

    @classmethod
    def from_block(cls, offset, X_block, y_block, *, n_neighbors, dtype, random_state):
        """The block's objective, its target neighbours searched in the input space.

        ``random_state`` is used as it is by the block at offset 0 (so that one
        block is exactly the in-memory fit); every other block samples with its
        own stream, seeded from the state of ``random_state`` and the block's
        offset, so that no two blocks draw the same subsets. The state is read,
        not drawn from: blocks built concurrently in one process share the
        object, and must not race for it.
        """
        X_block = np.asarray(X_block, dtype=dtype)
        y_block = np.asarray(y_block, dtype=np.intp)
        targets, valid = target_neighbors(X_block, y_block, n_neighbors)
        rng = check_random_state(random_state)
        if offset:
            keys = rng.get_state()[1].astype(np.int64)
            rng = np.random.RandomState(np.append(keys, offset))
        return cls(offset, X_block, y_block, targets, valid, rng)

    @across_shards("sum")
    def class_sums(self, n_classes):
        """Per class: the number of rows (float64) and the sum of the rows (n_classes × d)."""
        counts = np.bincount(self.y, minlength=n_classes).astype(np.float64)
        sums = np.zeros((n_classes, self.X.shape[1]))
        np.add.at(sums, self.y, self.X)
        return counts, sums

    @across_shards("sum")
    def centred_scatters(self, mean, class_means):
        """Scatter about the grand mean and about the class means (both d × d, float64)."""
        X = self.X.astype(np.float64)
        total, within = X - mean, X - class_means[self.y]
        return total.T @ total, within.T @ within

    @across_shards("sum")
    def target_distance_sum(self, L):
        """Σ D_ij over the valid target pairs (float64), and their number."""
        d_target = target_distances(self.X @ L.T, self.targets)
        return float(np.sum(d_target[self.valid], dtype=np.float64)), int(self.valid.sum())

    @across_shards("update")
    def select_targets(self, L):
        """Re-select the target neighbours as the k nearest same-class rows under L.

        The active set is dropped (its target pairs are stale); the number of
        target slots that changed (as sets per point) is kept for :meth:`target_changes`.
        """
        targets, valid = target_neighbors(self.X @ L.T, self.y, self.targets.shape[1])
        changed = np.sort(targets, axis=1) != np.sort(self.targets, axis=1)
        self.n_changed_targets = int(np.count_nonzero(changed))
        self.targets, self.valid, self.pairs = targets, valid, None

    @across_shards("sum")
    def target_changes(self):
        """Target slots changed by the last :meth:`select_targets`, and valid slots."""
        return self.n_changed_targets, int(self.valid.sum())

    @across_shards("update")
    def search_active_set(self, L, max_impostors, n_samples):
        """Replace the active set by a fresh search under L.

        The budget ``max_impostors`` is shared out over the blocks in
        proportion to their rows (all of it for a block of all ``n_samples``).
        """
        n_rows = self.X.shape[0]
        budget = None
        if max_impostors is not None:
            budget = max(1, round(max_impostors * n_rows / n_samples))
        self.pairs = search_active_set(
            self.X, self.y, L, self.targets, self.valid, budget, self.rng
        )

    @across_shards("sum")
    def active_set_size(self):
        """Impostor pairs in the active set, and 1 if they are a sample (else 0)."""
        return self.pairs.n_impostor_pairs, int(self.pairs.sampled)

    @across_shards("nearest")
    def nearest_rows(self, queries, L, k):
        """Each query's k nearest rows of the block under L: (squared distances, row
        indices in X), nearest first; merged over the blocks, the nearest over all X."""
        Lt = np.asarray(L, dtype=self.X.dtype).T
        return nearest_rows(
            np.asarray(queries, dtype=self.X.dtype) @ Lt, self.X @ Lt, k, self.offset
        )

    @across_shards("sum")
    def loss_and_grad(self, L, push_weight, hinge):
        """ε(L; X_b, y_b) over the active set, and its gradient (n_components × d)."""
        return lmnn_loss_and_grad(L, self.X, self.pairs, push_weight, hinge)
