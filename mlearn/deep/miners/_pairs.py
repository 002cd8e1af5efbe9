"""Pair miners: (anchor1, positive, anchor2, negative) index tensors."""

import torch

from ..distances import CosineSimilarity
from ._base import BaseMiner


class PairMarginMiner(BaseMiner):
    """Positive pairs farther than ``pos_margin`` and negative pairs closer than
    ``neg_margin``: the pairs that the contrastive loss with these margins sees.

    Parameters
    ----------
    pos_margin : float, default=0.2
    neg_margin : float, default=0.8
    distance : BaseDistance or None, default=None
    """

    def __init__(self, pos_margin=0.2, neg_margin=0.8, distance=None):
        super().__init__(distance)
        self.pos_margin = pos_margin
        self.neg_margin = neg_margin

    def mine(self, values, positive, negative, generator):
        closer = self.distance.closer
        a1, p = torch.nonzero(positive & closer(self.pos_margin, values), as_tuple=True)
        a2, n = torch.nonzero(negative & closer(values, self.neg_margin), as_tuple=True)
        return a1, p, a2, n


class MultiSimilarityMiner(BaseMiner):
    """The informative pairs of Wang et al. ("Multi-similarity loss with general pair
    weighting", CVPR 2019, eq. 5–6): a negative pair is kept when it is closer than
    the anchor's farthest positive plus ε, a positive pair when it is farther than
    the anchor's closest negative minus ε.

    Parameters
    ----------
    epsilon : float, default=0.1
    distance : BaseDistance or None, default=None
        None is :class:`CosineSimilarity`, the similarity of the paper.
    """

    def __init__(self, epsilon=0.1, distance=None):
        super().__init__(CosineSimilarity() if distance is None else distance)
        self.epsilon = epsilon

    def mine(self, values, positive, negative, generator):
        margin = self.distance.margin
        farthest_pos = self.distance.farthest(values, positive)[0]
        closest_neg = self.distance.closest(values, negative)[0]
        keep_neg = negative & (margin(farthest_pos[:, None], values) < self.epsilon)
        keep_pos = positive & (margin(values, closest_neg[:, None]) < self.epsilon)
        a1, p = torch.nonzero(keep_pos, as_tuple=True)
        a2, n = torch.nonzero(keep_neg, as_tuple=True)
        return a1, p, a2, n
