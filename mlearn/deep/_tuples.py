"""Index tuples of a batch, the currency between miners and losses.

Two kinds, as in pytorch-metric-learning:

- triplets ``(anchor, positive, negative)``: three LongTensors of one length T,
  label(a) = label(p), a ≠ p, label(n) ≠ label(a);
- pairs ``(anchor1, positive, anchor2, negative)``: the positive pairs
  (anchor1[i], positive[i]) and the negative pairs (anchor2[j], negative[j]),
  two groups of their own lengths.

Either kind converts to the other (:func:`as_pairs`, :func:`as_triplets`), so
any miner feeds any loss.
"""

import torch

__all__ = [
    "label_masks",
    "all_pairs",
    "all_triplets",
    "as_pairs",
    "as_triplets",
    "check_tuples",
]


def label_masks(labels, reference_labels=None):
    """(positive, negative) boolean masks: same label and not the same sample; other label."""
    same_sample = reference_labels is None
    reference_labels = labels if reference_labels is None else reference_labels
    same = labels[:, None] == reference_labels[None, :]
    positive = same.clone()
    if same_sample:
        positive.fill_diagonal_(False)
    return positive, ~same


def all_pairs(labels):
    """Every positive and every negative pair of the batch."""
    positive, negative = label_masks(labels)
    a1, p = torch.nonzero(positive, as_tuple=True)
    a2, n = torch.nonzero(negative, as_tuple=True)
    return a1, p, a2, n


def all_triplets(labels):
    """Every triplet (a, p, n) of the batch."""
    positive, negative = label_masks(labels)
    return torch.nonzero(positive[:, :, None] & negative[:, None, :], as_tuple=True)


def _unique_pairs(first, second):
    if first.numel() == 0:
        return first, second
    n = int(torch.maximum(first.max(), second.max())) + 1
    codes = torch.unique(first * n + second)
    return codes // n, codes % n


def as_pairs(tuples, labels=None):
    """The pairs of ``tuples`` (a triplet gives (a, p) and (a, n), each kept once);
    every pair of the batch when ``tuples`` is None."""
    if tuples is None:
        return all_pairs(labels)
    if len(tuples) == 4:
        return tuples
    anchor, positive, negative = tuples
    return (*_unique_pairs(anchor, positive), *_unique_pairs(anchor, negative))


def as_triplets(tuples, labels=None):
    """The triplets of ``tuples`` (pairs combine where a positive and a negative pair share
    their anchor); every triplet of the batch when ``tuples`` is None."""
    if tuples is None:
        return all_triplets(labels)
    if len(tuples) == 3:
        return tuples
    a1, p, a2, n = tuples
    first, second = torch.nonzero(a1[:, None] == a2[None, :], as_tuple=True)
    return a1[first], p[first], n[second]


def check_tuples(tuples, n_samples):
    """Raise ValueError unless ``tuples`` are triplets or pairs of indices into n_samples."""
    if not isinstance(tuples, tuple | list) or len(tuples) not in (3, 4):
        raise ValueError(
            "indices_tuple must be triplets (anchor, positive, negative) or pairs "
            "(anchor1, positive, anchor2, negative) of index tensors."
        )
    for index in tuples:
        if not (torch.is_tensor(index) and index.ndim == 1) or index.is_floating_point():
            raise ValueError("each part of indices_tuple must be a 1-D integer tensor.")
        if index.numel() and (int(index.min()) < 0 or int(index.max()) >= n_samples):
            raise ValueError(f"indices_tuple holds an index outside [0, {n_samples}).")
    groups = [tuples] if len(tuples) == 3 else [tuples[:2], tuples[2:]]
    for group in groups:
        if len({index.shape[0] for index in group}) != 1:
            raise ValueError("the parts of each group of indices_tuple must have one length.")
