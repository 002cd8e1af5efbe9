"""An unbiased sampled impostor search, for when far more pairs lie inside the radii
than the active set may hold.

At the start of a fit on large data, under the initial metric almost every point
of another class is inside the margin, and enumerating those pairs only to keep
a sample wastes most of the work. :func:`sample_impostor_pairs` instead compares
each block of anchors of class c with a uniform random subset of q_c of the
n_c' points of the other classes (a fresh subset per block), and gives every
pair found the weight n_c'/q_c. Each candidate pair is then drawn with
probability q_c/n_c', independently of L, so that for every L the weighted push
term over the sample,

    Σ_(i,l) sampled  (n_c'/q_c) Σ_{j⇝i} h(1 + D_ij − D_il),

is an unbiased (Horvitz–Thompson) estimate of the push term over all pairs
inside the radii at the search iterate — the same restriction as the exact
active set. The rate q_c/n_c' is chosen from :func:`estimate_pair_count`, the
fraction of uniformly drawn pairs of different classes that lie inside the
radii.

Candidates, not anchors, are sampled: at the Euclidean start of a
100,000-point, 10-class problem each anchor has about 90,000 candidates inside
its radius, so a budget of 500,000 pairs would hold about six whole anchors, and
the push gradient would come from six points; sampling candidates keeps every
anchor, each with a few of its candidates. The rate is fixed before the draw, so
the estimate is exactly unbiased (a rule that stops once the budget is reached
makes the sample's size depend on the draws).
"""

import numpy as np
from sklearn.utils import gen_batches

from .._blocks import rows_per_block
from ._search import pairs_within_radii


def other_class_pairs(y):
    """Number of ordered pairs (i, l) with y_i ≠ y_l (y encoded as 0..n_classes−1)."""
    counts = np.bincount(y).astype(np.float64)
    return float(counts.sum() ** 2 - np.sum(counts**2))


def estimate_pair_count(Z, y, radii, n_draws, rng):
    """Estimated number of pairs of different classes inside the radii.

    Draws ``n_draws`` ordered pairs uniformly among all pairs of different
    classes (by rejection) and scales the fraction inside by their number.
    """
    n = y.shape[0]
    first = rng.randint(0, n, size=2 * n_draws)
    second = rng.randint(0, n, size=2 * n_draws)
    keep = y[first] != y[second]
    first, second = first[keep][:n_draws], second[keep][:n_draws]
    if first.shape[0] == 0:
        return 0.0
    # Imported here: the kernels import numba, which ``import mlearn`` does not.
    from ._kernels import squared_distances

    dist = np.empty(first.shape[0], dtype=np.float32)
    squared_distances(Z, first, second, dist)
    fraction = np.count_nonzero(dist < radii[first]) / first.shape[0]
    return fraction * other_class_pairs(y)


def sample_impostor_pairs(Z, sq, y, radii, rate, rng):
    """Impostor pairs from a random subset of candidates, with their weights.

    Each block of anchors of class c (rows sized by ``working_memory``) is
    compared with q_c = ⌈rate · n_c'⌉ points drawn uniformly without
    replacement among the n_c' points of the other classes; a pair found gets
    the weight n_c'/q_c (see the module docstring: an unbiased estimate).

    Returns
    -------
    anchors, impostors : ndarray of shape (n_pairs,), intp
    weights : ndarray of shape (n_pairs,), float64
    """
    parts, weights = [], []
    for c in np.unique(y):
        rows, others = np.flatnonzero(y == c), np.flatnonzero(y != c)
        q = min(others.shape[0], max(1, int(np.ceil(rate * others.shape[0]))))
        step = rows_per_block(4 * q * 2, rows.shape[0])
        step = min(step, 1024)
        for block in gen_batches(rows.shape[0], step):
            subset = np.sort(others[rng.choice(others.shape[0], q, replace=False)])
            for anchors, impostors in pairs_within_radii(
                Z, sq, rows[block], subset, radii, symmetric=False
            ):
                parts.append((anchors, impostors))
                weights.append(np.full(anchors.shape[0], others.shape[0] / q))
    if not parts:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty, np.zeros(0)
    anchors = np.concatenate([p[0] for p in parts])
    impostors = np.concatenate([p[1] for p in parts])
    return anchors, impostors, np.concatenate(weights)
