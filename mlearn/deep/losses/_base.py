"""The loss protocol: ``loss(embeddings, labels, indices_tuple=None)`` → scalar tensor."""

import torch
from torch import nn

from .._tuples import all_pairs, as_pairs, as_triplets, check_tuples
from ..distances import LpDistance
from ..reducers import AvgNonZeroReducer


class BaseMetricLoss(nn.Module):
    """A loss on a batch of embeddings, built from a distance and a reducer.

    Subclasses compute per-tuple losses in ``compute_losses`` as a dict of
    named parts (1-D tensors); each part is reduced by ``reducer`` and the parts
    are added.

    Parameters
    ----------
    distance : BaseDistance or None
        None is :class:`~mlearn.deep.distances.LpDistance` (normalised, Euclidean).
    reducer : BaseReducer or None
        None is :class:`~mlearn.deep.reducers.AvgNonZeroReducer`.

    Attributes
    ----------
    active_fraction_ : float
        Fraction of the last call's per-tuple losses that were non-zero.
    """

    def __init__(self, distance=None, reducer=None):
        super().__init__()
        self.distance = self.default_distance() if distance is None else distance
        self.reducer = self.default_reducer() if reducer is None else reducer

    def default_distance(self):
        return LpDistance()

    def default_reducer(self):
        return AvgNonZeroReducer()

    def forward(self, embeddings, labels=None, indices_tuple=None):
        """The reduced loss of the batch.

        Parameters
        ----------
        embeddings : Tensor of shape (n, k)
        labels : Tensor of shape (n,) or None
            Needed unless ``indices_tuple`` says everything the loss uses.
        indices_tuple : tuple of LongTensor or None
            Triplets (a, p, n) or pairs (a1, p, a2, n) from a miner; None: every
            tuple of the batch.
        """
        if indices_tuple is not None:
            check_tuples(tuple(indices_tuple), embeddings.shape[0])
        elif labels is None:
            raise ValueError(f"{type(self).__name__} needs labels or indices_tuple.")
        if labels is not None:
            labels = labels.to(embeddings.device)
        parts = self.compute_losses(embeddings, labels, indices_tuple)
        total = sum((self.reducer(part) for part in parts.values()), embeddings.sum() * 0.0)
        values = [part.detach() for part in parts.values() if part.numel()]
        counted = torch.cat(values) if values else embeddings.new_zeros(0)
        self.active_fraction_ = float((counted > 0).float().mean()) if counted.numel() else 0.0
        return total

    def compute_losses(self, embeddings, labels, indices_tuple):  # pragma: no cover
        raise NotImplementedError


class PairLoss(BaseMetricLoss):
    """A loss over positive and negative pairs; it sees a miner's triplets as their pairs."""

    def compute_losses(self, embeddings, labels, indices_tuple):
        a1, p, a2, n = as_pairs(indices_tuple, labels)
        return self.pair_losses(embeddings, labels, a1, p, a2, n)


class TripletLoss(BaseMetricLoss):
    """A loss over triplets; it combines a miner's pairs into triplets on shared anchors."""

    def compute_losses(self, embeddings, labels, indices_tuple):
        anchor, positive, negative = as_triplets(indices_tuple, labels)
        return self.triplet_losses(embeddings, labels, anchor, positive, negative)


def pair_masks(n, indices_tuple, labels, device):
    """(positive, negative) n × n masks of the pairs of ``indices_tuple`` (every pair
    of the batch when it is None)."""
    a1, p, a2, neg = all_pairs(labels) if indices_tuple is None else as_pairs(indices_tuple)
    positive = torch.zeros((n, n), dtype=torch.bool, device=device)
    negative = torch.zeros_like(positive)
    positive[a1, p] = True
    negative[a2, neg] = True
    return positive, negative


def log1p_sum_exp(values, mask, dim=1):
    """log(1 + Σ_{mask} exp(values)) along ``dim``, computed stably."""
    masked = torch.where(mask, values, torch.full_like(values, -torch.inf))
    zeros = torch.zeros_like(masked.narrow(dim, 0, 1))
    return torch.logsumexp(torch.cat([zeros, masked], dim=dim), dim=dim)


def tuple_members(n, indices_tuple, device):
    """Boolean mask of the samples that appear in ``indices_tuple`` (all when None)."""
    if indices_tuple is None:
        return torch.ones(n, dtype=torch.bool, device=device)
    member = torch.zeros(n, dtype=torch.bool, device=device)
    for index in indices_tuple:
        member[index] = True
    return member
