"""Losses that weigh all of an anchor's pairs at once: multi-similarity, NT-Xent, SupCon."""

import torch

from ..distances import CosineSimilarity
from ..reducers import MeanReducer
from ._base import BaseMetricLoss, log1p_sum_exp, pair_masks


def _similarity(distance, values):
    """Values as similarities (larger is closer): distances are negated."""
    return values if distance.is_inverted else -values


class MultiSimilarityLoss(BaseMetricLoss):
    """Wang et al., "Multi-similarity loss with general pair weighting", CVPR 2019, eq. 7:
    per anchor a,

        ℓ(a) = (1/α) log(1 + Σ_p exp(−α (S_ap − λ))) + (1/β) log(1 + Σ_n exp(β (S_an − λ)))

    over its positive and negative pairs (those of the miner's tuples, or all).

    Parameters
    ----------
    alpha : float, default=2.0
    beta : float, default=50.0
    base : float, default=0.5
        λ.
    distance : BaseDistance or None, default=None
        None is :class:`~mlearn.deep.distances.CosineSimilarity`.
    reducer : BaseReducer or None, default=None
        None is :class:`~mlearn.deep.reducers.MeanReducer` (over anchors).
    """

    def __init__(self, alpha=2.0, beta=50.0, base=0.5, distance=None, reducer=None):
        super().__init__(distance, reducer)
        self.alpha = alpha
        self.beta = beta
        self.base = base

    def default_distance(self):
        return CosineSimilarity()

    def default_reducer(self):
        return MeanReducer()

    def compute_losses(self, embeddings, labels, indices_tuple):
        n = embeddings.shape[0]
        positive, negative = pair_masks(n, indices_tuple, labels, embeddings.device)
        values = self.distance(embeddings)
        margin = self.distance.margin
        # How much farther each positive is than λ, how much closer each negative is.
        pos = log1p_sum_exp(self.alpha * margin(self.base, values), positive) / self.alpha
        neg = log1p_sum_exp(self.beta * margin(values, self.base), negative) / self.beta
        anchors = positive.any(dim=1) | negative.any(dim=1)
        return {"anchors": (pos + neg)[anchors]}


class NTXentLoss(BaseMetricLoss):
    """The normalised temperature-scaled cross-entropy (Chen et al., SimCLR, ICML 2020,
    eq. 1; with labels, every positive pair is a view pair): per positive pair (a, p),

        ℓ(a, p) = −log exp(S_ap/τ) / (exp(S_ap/τ) + Σ_n exp(S_an/τ)),

    the sum over the anchor's negative pairs.

    Parameters
    ----------
    temperature : float, default=0.1
        τ.
    distance : BaseDistance or None, default=None
        None is cosine similarity (a distance is negated).
    reducer : BaseReducer or None, default=None
        None is the mean over positive pairs.
    """

    def __init__(self, temperature=0.1, distance=None, reducer=None):
        super().__init__(distance, reducer)
        self.temperature = temperature

    def default_distance(self):
        return CosineSimilarity()

    def default_reducer(self):
        return MeanReducer()

    def compute_losses(self, embeddings, labels, indices_tuple):
        n = embeddings.shape[0]
        positive, negative = pair_masks(n, indices_tuple, labels, embeddings.device)
        logits = _similarity(self.distance, self.distance(embeddings)) / self.temperature
        anchor, pos = torch.nonzero(positive, as_tuple=True)
        neg_logits = torch.where(negative, logits, torch.full_like(logits, -torch.inf))[anchor]
        pos_logits = logits[anchor, pos]
        denominator = torch.logsumexp(torch.cat([pos_logits[:, None], neg_logits], 1), dim=1)
        return {"pos_pairs": denominator - pos_logits}


class SupConLoss(BaseMetricLoss):
    """Supervised contrastive loss (Khosla et al., NeurIPS 2020, eq. 2, "out"): per anchor i
    with positives P(i) and all its pairs A(i),

        ℓ(i) = −(1/|P(i)|) Σ_{p ∈ P(i)} log exp(S_ip/τ) / Σ_{k ∈ A(i)} exp(S_ik/τ).

    Parameters
    ----------
    temperature : float, default=0.1
        τ.
    distance : BaseDistance or None, default=None
        None is cosine similarity (a distance is negated).
    reducer : BaseReducer or None, default=None
        None is the mean over anchors.
    """

    def __init__(self, temperature=0.1, distance=None, reducer=None):
        super().__init__(distance, reducer)
        self.temperature = temperature

    def default_distance(self):
        return CosineSimilarity()

    def default_reducer(self):
        return MeanReducer()

    def compute_losses(self, embeddings, labels, indices_tuple):
        n = embeddings.shape[0]
        positive, negative = pair_masks(n, indices_tuple, labels, embeddings.device)
        logits = _similarity(self.distance, self.distance(embeddings)) / self.temperature
        either = positive | negative
        log_denominator = torch.logsumexp(
            torch.where(either, logits, torch.full_like(logits, -torch.inf)), dim=1
        )
        count = positive.sum(dim=1)
        anchors = count > 0
        log_prob = torch.where(
            positive, logits - log_denominator[:, None], torch.zeros_like(logits)
        )
        return {"anchors": -(log_prob.sum(dim=1)[anchors] / count[anchors])}
