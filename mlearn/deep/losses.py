"""Losses on embeddings and mined index tuples.

Both losses take the batch's embeddings E (n, k) and index tuples from a miner
(:mod:`mlearn.deep.miners`), and return the mean loss over the tuples with the
fraction of *active* tuples (those with a non-zero loss, i.e. those that still
push the embedding). D(i, j) = ‖E_i − E_j‖ is the Euclidean distance.

Contrastive loss (Hadsell, Chopra & LeCun, "Dimensionality reduction by
learning an invariant mapping", CVPR 2006, eq. 4), with Y = 0 for a similar
pair and Y = 1 for a dissimilar one:

    L(i, j, Y) = (1 − Y) ½ D(i, j)² + Y ½ max(0, m − D(i, j))².

Triplet loss (Schroff, Kalenichenko & Philbin, "FaceNet", CVPR 2015, eq. 2 —
written there on squared distances; here on distances, as pytorch-metric-learning and most deep
metric-learning code write it):

    L(a, p, n) = max(0, D(a, p) − D(a, n) + α).

A triplet miner's output feeds the contrastive loss through
:func:`pairs_from_triplets`: each (a, p, n) gives the similar pair (a, p) and
the dissimilar pair (a, n).
"""

from typing import NamedTuple

import torch

__all__ = [
    "LossOutput",
    "ContrastiveLoss",
    "TripletLoss",
    "pair_distances",
    "pairs_from_triplets",
]

# Distances are sqrt(max(squared, eps)): the gradient of sqrt is infinite at 0,
# and coincident points (an untrained network, duplicated samples) would give NaN.
_EPS = 1e-12


class LossOutput(NamedTuple):
    """A loss over tuples and the fraction of tuples that contribute to it."""

    loss: torch.Tensor
    active_fraction: float


def pair_distances(embeddings, first, second):
    """D(first[t], second[t]) for each t, with a gradient that is finite everywhere."""
    diff = embeddings[first] - embeddings[second]
    return torch.sqrt(torch.clamp((diff * diff).sum(dim=1), min=_EPS))


def pairs_from_triplets(anchor, positive, negative):
    """The distinct pairs of triplets: (a, p) similar (Y = 0), (a, n) dissimilar (Y = 1).

    Returns
    -------
    first, second, dissimilar : LongTensor of shape (n_pairs,)
    """
    first = torch.cat([anchor, anchor])
    second = torch.cat([positive, negative])
    dissimilar = torch.cat([torch.zeros_like(positive), torch.ones_like(negative)])
    # One integer code per (first, second, Y): a 1-D unique is far faster than a row unique.
    n = int(torch.cat([first, second]).max()) + 1 if first.numel() else 1
    codes = torch.unique((first * n + second) * 2 + dissimilar)
    return codes // (2 * n), (codes // 2) % n, codes % 2


def _empty(embeddings):
    # A zero that still depends on the parameters, so backward() is a no-op, not an error.
    return LossOutput(embeddings.sum() * 0.0, 0.0)


class ContrastiveLoss:
    """Hadsell et al.'s contrastive loss, L = (1 − Y) ½ D² + Y ½ max(0, m − D)².

    Parameters
    ----------
    margin : float, default=1.0
        m: dissimilar pairs farther apart than m contribute nothing.
    """

    tuple_kind = "pairs"

    def __init__(self, margin=1.0):
        self.margin = margin

    def __call__(self, embeddings, first, second, dissimilar):
        """Mean loss over the pairs (first[t], second[t]) with labels Y = dissimilar[t]."""
        if first.numel() == 0:
            return _empty(embeddings)
        distance = pair_distances(embeddings, first, second)
        y = dissimilar.to(distance.dtype)
        losses = 0.5 * (1 - y) * distance**2 + 0.5 * y * torch.relu(self.margin - distance) ** 2
        return LossOutput(losses.mean(), float((losses > 0).float().mean()))

    def on_triplets(self, embeddings, anchor, positive, negative):
        """The loss over the distinct pairs of mined triplets (see :func:`pairs_from_triplets`)."""
        return self(embeddings, *pairs_from_triplets(anchor, positive, negative))


class TripletLoss:
    """The triplet loss, L = max(0, D(a, p) − D(a, n) + α).

    Parameters
    ----------
    margin : float, default=1.0
        α: triplets whose negative is farther than the positive by α contribute nothing.
    """

    tuple_kind = "triplets"

    def __init__(self, margin=1.0):
        self.margin = margin

    def __call__(self, embeddings, anchor, positive, negative):
        """Mean loss over the triplets (anchor[t], positive[t], negative[t])."""
        if anchor.numel() == 0:
            return _empty(embeddings)
        losses = torch.relu(
            pair_distances(embeddings, anchor, positive)
            - pair_distances(embeddings, anchor, negative)
            + self.margin
        )
        return LossOutput(losses.mean(), float((losses > 0).float().mean()))

    on_triplets = __call__
