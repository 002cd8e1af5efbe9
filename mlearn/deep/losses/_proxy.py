"""Proxy and classification losses: class parameters trained with the network."""

import math

import torch
from torch import nn

from ..distances import CosineSimilarity
from ..reducers import MeanReducer
from ._base import BaseMetricLoss, log1p_sum_exp, tuple_members


class ProxyAnchorLoss(BaseMetricLoss):
    """Kim, Kim, Cho & Kwak, "Proxy anchor loss for deep metric learning", CVPR 2020,
    eq. 4: with one learnt proxy p per class, P⁺ the proxies of the batch's classes,
    X_p⁺ / X_p⁻ the batch's samples of / not of p's class and S the cosine similarity::

        ℓ = (1/|P⁺|) Σ_{p ∈ P⁺} log(1 + Σ_{x ∈ X_p⁺} e^{−α (S(x, p) − δ)})
          + (1/|P|)  Σ_{p ∈ P}  log(1 + Σ_{x ∈ X_p⁻} e^{α (S(x, p) + δ)}).

    With a miner, only the samples in its tuples take part.

    Parameters
    ----------
    num_classes : int
        Labels are 0 … num_classes − 1.
    embedding_dim : int
    margin : float, default=0.1
        δ.
    alpha : float, default=32.0
    distance : BaseDistance or None, default=None
        None is cosine similarity.
    reducer : BaseReducer or None, default=None
        None is the mean over proxies.
    """

    def __init__(
        self, num_classes, embedding_dim, margin=0.1, alpha=32.0, distance=None, reducer=None
    ):
        super().__init__(distance, reducer)
        self.num_classes = num_classes
        self.embedding_dim = embedding_dim
        self.margin = margin
        self.alpha = alpha
        self.proxies = nn.Parameter(torch.empty(num_classes, embedding_dim))
        # He initialisation, as the paper's code.
        nn.init.kaiming_normal_(self.proxies, mode="fan_out")

    def default_distance(self):
        return CosineSimilarity()

    def default_reducer(self):
        return MeanReducer()

    def compute_losses(self, embeddings, labels, indices_tuple):
        if labels is None:
            raise ValueError("ProxyAnchorLoss needs labels.")
        members = tuple_members(embeddings.shape[0], indices_tuple, embeddings.device)
        values = self.distance(embeddings, self.proxies.to(embeddings)).T  # (classes, n)
        own = labels[None, :] == torch.arange(self.num_classes, device=labels.device)[:, None]
        own_in, other_in = own & members, ~own & members
        margin = self.distance.margin
        # α (δ − S) for the own class, α (S + δ) for the others (signs swap for a distance).
        pos = log1p_sum_exp(self.alpha * margin(self.margin, values), own_in)
        neg = log1p_sum_exp(self.alpha * margin(values, -self.margin), other_in)
        return {"pos_proxies": pos[own_in.any(dim=1)], "neg_proxies": neg}


class ArcFaceLoss(BaseMetricLoss):
    """Additive angular margin softmax (Deng, Guo, Xue & Zafeiriou, "ArcFace", CVPR 2019,
    eq. 3): with class weights W and θ_j the angle between x and W_j,

        ℓ(x, y) = −log e^{s cos(θ_y + m)} / (e^{s cos(θ_y + m)} + Σ_{j≠y} e^{s cos θ_j}).

    With a miner, only the samples in its tuples take part.

    Parameters
    ----------
    num_classes : int
    embedding_dim : int
    margin : float, default=0.5
        m, in radians (28.6°).
    scale : float, default=64.0
        s.
    reducer : BaseReducer or None, default=None
        None is the mean over samples.
    """

    def __init__(self, num_classes, embedding_dim, margin=0.5, scale=64.0, reducer=None):
        super().__init__(CosineSimilarity(), reducer)
        self.num_classes = num_classes
        self.embedding_dim = embedding_dim
        self.margin = margin
        self.scale = scale
        self.weight = nn.Parameter(torch.empty(num_classes, embedding_dim))
        nn.init.xavier_normal_(self.weight)

    def default_reducer(self):
        return MeanReducer()

    def compute_losses(self, embeddings, labels, indices_tuple):
        if labels is None:
            raise ValueError("ArcFaceLoss needs labels.")
        members = tuple_members(embeddings.shape[0], indices_tuple, embeddings.device)
        cosine = self.distance(embeddings[members], self.weight.to(embeddings))
        target = labels[members]
        eps = 1e-7
        theta = torch.acos(cosine.gather(1, target[:, None]).clamp(-1 + eps, 1 - eps))
        # cos(θ + m) only while θ + m ≤ π (beyond, it would grow again with θ); there the
        # penalty is linearised, cos θ − m sin m, as in the authors' code.
        shifted = torch.where(
            theta + self.margin <= math.pi,
            torch.cos(theta + self.margin),
            torch.cos(theta) - self.margin * math.sin(self.margin),
        )
        logits = cosine.scatter(1, target[:, None], shifted)
        losses = nn.functional.cross_entropy(self.scale * logits, target, reduction="none")
        return {"samples": losses}
