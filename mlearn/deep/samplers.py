"""Batches with m examples per class, so that every batch holds positives.

An epoch visits every sample about once: each class's samples are shuffled
and cut into groups of m (a class's last short group is filled up with other
samples of that class, so every group of a class with at least m samples has
exactly m); the groups are shuffled and packed, ⌊batch_size / m⌋ per batch.
This is the "P classes × K images" batch of Hermans et al. (2017).
"""

import numpy as np

__all__ = ["class_balanced_batches"]


def class_balanced_batches(labels, batch_size, samples_per_class, rng):
    """Index batches for one epoch.

    Parameters
    ----------
    labels : ndarray of shape (n_samples,)
        Class labels (any comparable values).
    batch_size : int
        Largest batch; a batch holds ⌊batch_size / m⌋ groups (at least one).
    samples_per_class : int
        m, the size of each group of same-class samples.
    rng : numpy.random.Generator

    Returns
    -------
    batches : list of ndarray of intp
    """
    m = samples_per_class
    groups = []
    for cls in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == cls))
        n_groups = -(-members.shape[0] // m)
        shortfall = n_groups * m - members.shape[0]
        if shortfall and members.shape[0] >= m:
            # Fill the last group with other members of the class, not with repeats.
            fill = rng.choice(members[: -(members.shape[0] % m)], shortfall, replace=False)
            members = np.concatenate([members, fill])
        groups += np.array_split(members, n_groups)
    order = rng.permutation(len(groups))
    per_batch = max(batch_size // m, 1)
    return [
        np.concatenate([groups[g] for g in order[start : start + per_batch]])
        for start in range(0, len(order), per_batch)
    ]
