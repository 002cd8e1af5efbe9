"""Contrastive, triplet-margin and margin losses: one value per mined pair or triplet."""

import torch

from ._base import PairLoss, TripletLoss


class ContrastiveLoss(PairLoss):
    """Positive pairs pulled inside ``pos_margin``, negative pairs pushed past ``neg_margin``
    (Hadsell, Chopra & LeCun, CVPR 2006, eq. 4, in the hinge form of
    pytorch-metric-learning):

        ℓ₊(a, p) = [D(a, p) − m₊]₊,   ℓ₋(a, n) = [m₋ − D(a, n)]₊

    for a distance (the signs swap for a similarity). Hadsell et al.'s squared
    form is ``distance=LpDistance(power=2)`` with squared margins.

    Parameters
    ----------
    pos_margin : float, default=0.0
    neg_margin : float, default=1.0
    distance : BaseDistance or None, default=None
    reducer : BaseReducer or None, default=None
    """

    def __init__(self, pos_margin=0.0, neg_margin=1.0, distance=None, reducer=None):
        super().__init__(distance, reducer)
        self.pos_margin = pos_margin
        self.neg_margin = neg_margin

    def pair_losses(self, embeddings, labels, a1, p, a2, n):
        margin = self.distance.margin
        pos = torch.relu(
            margin(self.pos_margin, self.distance.pairwise(embeddings[a1], embeddings[p]))
        )
        neg = torch.relu(
            margin(self.distance.pairwise(embeddings[a2], embeddings[n]), self.neg_margin)
        )
        return {"pos_pairs": pos, "neg_pairs": neg}


class TripletMarginLoss(TripletLoss):
    """ℓ(a, p, n) = [α − δ]₊ with δ = how much farther n is than p
    (D(a, n) − D(a, p) for a distance; Schroff et al., FaceNet 2015, eq. 2, on
    distances rather than their squares).

    Parameters
    ----------
    margin : float, default=0.2
        α.
    swap : bool, default=False
        Use min(D(a, n), D(p, n)) as the negative distance (Balntas et al. 2016).
    smooth_loss : bool, default=False
        log(1 + exp(α − δ)) instead of the hinge.
    distance : BaseDistance or None, default=None
    reducer : BaseReducer or None, default=None
    """

    def __init__(self, margin=0.2, swap=False, smooth_loss=False, distance=None, reducer=None):
        super().__init__(distance, reducer)
        self.margin = margin
        self.swap = swap
        self.smooth_loss = smooth_loss

    def triplet_losses(self, embeddings, labels, anchor, positive, negative):
        # The n × n matrix, then its entries: a miner's triplets outnumber the batch's
        # points many times over, and gathering two k-vectors per triplet (and
        # scattering their gradients back) cost more than the whole loop's miner
        # (benchmarks/deep_epoch_cpu.py).
        values = self.distance(embeddings)
        ap, an = values[anchor, positive], values[anchor, negative]
        if self.swap:
            pn = values[positive, negative]
            an = torch.minimum(an, pn) if not self.distance.is_inverted else torch.maximum(an, pn)
        violation = self.margin - self.distance.margin(ap, an)
        losses = (
            torch.nn.functional.softplus(violation) if self.smooth_loss else torch.relu(violation)
        )
        return {"triplets": losses}


class MarginLoss(PairLoss):
    """Pairs on either side of a learnt boundary β (Wu, Manmatha, Smola & Krähenbühl,
    "Sampling matters in deep embedding learning", ICCV 2017, eq. 5–6):

        ℓ₊ = [α + D(a, p) − β]₊,   ℓ₋ = [α + β − D(a, n)]₊,

    plus ν β (a pull of β towards small values). β is one learnable parameter, or one
    per class (``num_classes``), trained with the network.

    Parameters
    ----------
    margin : float, default=0.2
        α.
    nu : float, default=0.0
    beta : float, default=1.2
        Starting value of β.
    learn_beta : bool, default=True
    num_classes : int or None, default=None
        One β per class (labels 0 … num_classes − 1) when given.
    distance : BaseDistance or None, default=None
    reducer : BaseReducer or None, default=None
    """

    def __init__(
        self, margin=0.2, nu=0.0, beta=1.2, learn_beta=True, num_classes=None,
        distance=None, reducer=None,
    ):  # fmt: skip
        super().__init__(distance, reducer)
        self.margin = margin
        self.nu = nu
        self.learn_beta = learn_beta
        self.num_classes = num_classes
        start = torch.full((num_classes or 1,), float(beta))
        self.beta = torch.nn.Parameter(start, requires_grad=learn_beta)

    def _beta(self, anchors, labels, like):
        beta = self.beta.to(like)
        if self.num_classes is None:
            return beta.expand(anchors.shape[0])
        return beta[labels[anchors]]

    def pair_losses(self, embeddings, labels, a1, p, a2, n):
        margin, pairwise = self.distance.margin, self.distance.pairwise
        ap = pairwise(embeddings[a1], embeddings[p])
        an = pairwise(embeddings[a2], embeddings[n])
        beta_p, beta_n = self._beta(a1, labels, ap), self._beta(a2, labels, an)
        pos = torch.relu(self.margin + margin(beta_p, ap))
        neg = torch.relu(self.margin + margin(an, beta_n))
        parts = {"pos_pairs": pos, "neg_pairs": neg}
        if self.nu:
            parts["beta"] = self.nu * torch.cat([beta_p, beta_n])
        return parts
