"""Triplet miners: (anchor, positive, negative) index tensors."""

import torch

from ._base import BaseMiner, pairs_with_a_negative

_TRIPLET_TYPES = ("all", "hard", "semihard", "easy")


class AllTripletsMiner(BaseMiner):
    """Every triplet (a, p, n) of the batch."""

    def mine(self, values, positive, negative, generator):
        return torch.nonzero(positive[:, :, None] & negative[:, None, :], as_tuple=True)


class SemiHardMiner(BaseMiner):
    """Triplets chosen by how far the negative is beyond the positive.

    With δ = ``distance.margin(D(a, p), D(a, n))`` (how much farther n is than p):
    'all' keeps δ ≤ α (every triplet that violates the margin), 'hard' δ ≤ 0,
    'semihard' 0 < δ ≤ α (Schroff et al., FaceNet 2015, eq. 4), 'easy' δ > α.

    Parameters
    ----------
    margin : float, default=0.2
        α.
    type_of_triplets : {'semihard', 'hard', 'all', 'easy'}, default='semihard'
    distance : BaseDistance or None, default=None
    """

    def __init__(self, margin=0.2, type_of_triplets="semihard", distance=None):
        super().__init__(distance)
        if type_of_triplets not in _TRIPLET_TYPES:
            raise ValueError(f"type_of_triplets must be one of {_TRIPLET_TYPES}.")
        self.margin = margin
        self.type_of_triplets = type_of_triplets

    def mine(self, values, positive, negative, generator):
        delta = self.distance.margin(values[:, :, None], values[:, None, :])
        valid = positive[:, :, None] & negative[:, None, :]
        kind = self.type_of_triplets
        if kind == "all":
            valid &= delta <= self.margin
        elif kind == "hard":
            valid &= delta <= 0
        elif kind == "semihard":
            valid &= (delta > 0) & (delta <= self.margin)
        else:
            valid &= delta > self.margin
        return torch.nonzero(valid, as_tuple=True)


class BatchHardMiner(BaseMiner):
    """One triplet per anchor: its farthest positive and its closest negative
    (Hermans, Beyer & Leibe, "In defense of the triplet loss", 2017).

    Parameters
    ----------
    distance : BaseDistance or None, default=None
    """

    def mine(self, values, positive, negative, generator):
        anchor = torch.nonzero(positive.any(dim=1) & negative.any(dim=1), as_tuple=True)[0]
        far = self.distance.farthest(values, positive)[1]
        near = self.distance.closest(values, negative)[1]
        return anchor, far[anchor], near[anchor]


class BatchEasyHardMiner(BaseMiner):
    """One triplet per anchor, its positive and negative picked by strategy
    (Xuan, Stylianou, Liu & Pless, "Improved embeddings with easy positive triplet
    mining", WACV 2020).

    Parameters
    ----------
    pos_strategy : {'easy', 'hard'}, default='easy'
        The closest ('easy') or farthest ('hard') positive.
    neg_strategy : {'semihard', 'hard', 'easy'}, default='semihard'
        The closest negative ('hard'), the farthest ('easy'), or the closest of
        those farther than the chosen positive ('semihard'; anchors with none
        are dropped).
    distance : BaseDistance or None, default=None
    """

    def __init__(self, pos_strategy="easy", neg_strategy="semihard", distance=None):
        super().__init__(distance)
        if pos_strategy not in ("easy", "hard"):
            raise ValueError("pos_strategy must be 'easy' or 'hard'.")
        if neg_strategy not in ("semihard", "hard", "easy"):
            raise ValueError("neg_strategy must be 'semihard', 'hard' or 'easy'.")
        self.pos_strategy = pos_strategy
        self.neg_strategy = neg_strategy

    def mine(self, values, positive, negative, generator):
        pick_pos = self.distance.closest if self.pos_strategy == "easy" else self.distance.farthest
        pos_value, pos = pick_pos(values, positive)
        if self.neg_strategy == "semihard":
            negative = negative & self.distance.closer(pos_value[:, None], values)
        pick_neg = self.distance.farthest if self.neg_strategy == "easy" else self.distance.closest
        neg = pick_neg(values, negative)[1]
        anchor = torch.nonzero(positive.any(dim=1) & negative.any(dim=1), as_tuple=True)[0]
        return anchor, pos[anchor], neg[anchor]


class HardNegativeMiner(BaseMiner):
    """Every anchor–positive pair with the anchor's closest negative.

    Parameters
    ----------
    distance : BaseDistance or None, default=None
    """

    def mine(self, values, positive, negative, generator):
        anchor, pos = pairs_with_a_negative(positive, negative)
        return anchor, pos, self.distance.closest(values, negative)[1][anchor]


class RandomNegativeMiner(BaseMiner):
    """Every anchor–positive pair with one negative drawn uniformly.

    Parameters
    ----------
    distance : BaseDistance or None, default=None
        Unused (the draw ignores distances); kept for a uniform signature.
    """

    def mine(self, values, positive, negative, generator):
        anchor, pos = pairs_with_a_negative(positive, negative)
        weights = negative[anchor].to(torch.float64).cpu()
        if anchor.numel() == 0:
            return anchor, pos, anchor.clone()
        drawn = torch.multinomial(weights, 1, generator=generator)[:, 0]
        return anchor, pos, drawn.to(values.device)


class DistanceWeightedMiner(BaseMiner):
    """Negatives drawn with probability ∝ 1 / q(D(a, n)) (Wu, Manmatha, Smola &
    Krähenbühl, "Sampling matters in deep embedding learning", ICCV 2017, eq. 3–4).

    On the unit sphere in ℝᵏ, pairwise distances of uniform points have the
    density q(d) ∝ d^(k−2) (1 − d²/4)^((k−3)/2); weighting by its inverse spreads
    the negatives over all distances instead of the crowded middle. Distances are
    clipped below at ``cutoff`` and negatives beyond ``nonzero_loss_cutoff`` (which
    give no loss) are not drawn; an anchor with none left draws uniformly.
    Needs unit-normalised Euclidean distances.

    Parameters
    ----------
    cutoff : float, default=0.5
    nonzero_loss_cutoff : float, default=1.4
    distance : LpDistance or None, default=None
        Must normalise the embeddings, with p = 2 and power 1.
    """

    def __init__(self, cutoff=0.5, nonzero_loss_cutoff=1.4, distance=None):
        super().__init__(distance)
        d = self.distance
        if d.is_inverted or not d.normalize_embeddings or getattr(d, "p", 2) != 2 or d.power != 1:
            raise ValueError("DistanceWeightedMiner needs LpDistance(normalize_embeddings=True).")
        self.cutoff = cutoff
        self.nonzero_loss_cutoff = nonzero_loss_cutoff

    def __call__(self, embeddings, labels, generator=None):
        self._dim = embeddings.shape[1]
        return super().__call__(embeddings, labels, generator)

    def mine(self, values, positive, negative, generator):
        k = self._dim
        d = values.to(torch.float64).clamp(min=self.cutoff, max=2.0 - 1e-6)
        log_q = (k - 2.0) * torch.log(d) + ((k - 3.0) / 2.0) * torch.log(1.0 - 0.25 * d * d)
        log_w = -log_q
        allowed = negative & (values < self.nonzero_loss_cutoff)
        log_w = torch.where(allowed, log_w, torch.full_like(log_w, -torch.inf))
        weights = torch.exp(log_w - log_w.max(dim=1, keepdim=True)[0].nan_to_num(0.0))
        weights = torch.where(allowed.any(dim=1, keepdim=True), weights, negative.to(d.dtype))
        weights = weights.nan_to_num(0.0)
        anchor, pos = pairs_with_a_negative(positive, negative)
        if anchor.numel() == 0:
            return anchor, pos, anchor.clone()
        drawn = torch.multinomial(weights[anchor].cpu(), 1, generator=generator)[:, 0]
        return anchor, pos, drawn.to(values.device)
