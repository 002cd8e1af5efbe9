"""Batches with m examples per class, so that every batch holds positives.

An epoch visits every sample about once: each class's samples are shuffled
and cut into groups of m (a class's last short group is filled up with other
samples of that class, so every group of a class with at least m samples has
exactly m). The groups are dealt in rounds — one group of every class, the
classes in a random order within the round — and the sequence is packed
⌊batch_size / m⌋ groups per batch. A batch therefore holds as many distinct
classes as it can (all of them when ⌊batch_size / m⌋ ≥ the number of
classes), not a random draw of classes: every anchor meets negatives of every
class it can, as in pytorch-metric-learning's ``MPerClassSampler``. When the
classes have different numbers of groups, the j-th of a class's G groups is
placed at (j + u) / G of the epoch (u uniform in [0, 1)), so every class is
spread evenly over the epoch and the last batches are not of one class; with
equal G this is exactly the rounds. This is the "P classes × K images" batch
of Hermans et al. (2017). Shuffling the groups of all classes together
instead left, on 10 classes and 16 groups a batch, about 2 classes out of each
batch (up to 4), and cost SupCon 0.016 MAP@R on Fashion-MNIST (0.664 against
0.680, ``benchmarks/results/deep_batch_ablation.md``).
"""

import numpy as np

__all__ = ["class_balanced_batches"]


def _class_groups(members, m, rng):
    """The shuffled ``members`` of one class cut into groups of m (the last filled up)."""
    members = rng.permutation(members)
    n_groups = -(-members.shape[0] // m)
    shortfall = n_groups * m - members.shape[0]
    if shortfall and members.shape[0] >= m:
        # Fill the last group with other members of the class, not with repeats.
        fill = rng.choice(members[: -(members.shape[0] % m)], shortfall, replace=False)
        members = np.concatenate([members, fill])
    return np.array_split(members, n_groups)


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
    groups, where = [], []
    for c in np.unique(labels):
        of_class = _class_groups(np.flatnonzero(labels == c), m, rng)
        groups += of_class
        # Group j of G at (j + u) / G of the epoch: rounds, each in a random order.
        where.append((np.arange(len(of_class)) + rng.random(len(of_class))) / len(of_class))
    sequence = [groups[g] for g in np.argsort(np.concatenate(where), kind="stable")]
    per_batch = max(batch_size // m, 1)
    return [
        np.concatenate(sequence[start : start + per_batch])
        for start in range(0, len(sequence), per_batch)
    ]
