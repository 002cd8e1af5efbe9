"""Miners: which tuples of a batch a loss sees.

A miner is an object with parameters, called as ``miner(embeddings, labels)``;
it runs without gradients and returns checked index tuples, triplets
(anchor, positive, negative) or pairs (anchor1, positive, anchor2, negative)
(:mod:`mlearn.deep._tuples`). "Closest" and "farthest" are measured with the
miner's ``distance`` (by default :class:`~mlearn.deep.distances.LpDistance`
on normalised embeddings), so a similarity works too. With D the distance and
δ = D(a, n) − D(a, p):

=========================  ========  =============================================
miner                      output    keeps
=========================  ========  =============================================
``AllTripletsMiner``       triplets  every triplet
``SemiHardMiner``          triplets  0 < δ ≤ α ('semihard'), δ ≤ 0 ('hard'),
                                     δ ≤ α ('all') or δ > α ('easy')
``BatchHardMiner``         triplets  per anchor: farthest positive, closest negative
``BatchEasyHardMiner``     triplets  per anchor: closest (or farthest) positive with
                                     a hard, semi-hard or easy negative
``HardNegativeMiner``      triplets  every (a, p) with the closest negative
``RandomNegativeMiner``    triplets  every (a, p) with a uniform negative
``DistanceWeightedMiner``  triplets  every (a, p) with a negative drawn ∝ 1/q(D)
``PairMarginMiner``        pairs     positives with D > m₊, negatives with D < m₋
``MultiSimilarityMiner``   pairs     the ε-informative pairs of Wang et al. 2019
=========================  ========  =============================================

Every loss accepts either kind (pairs combine into triplets on a shared
anchor, triplets split into their pairs).
"""

from ._base import BaseMiner
from ._pairs import MultiSimilarityMiner, PairMarginMiner
from ._triplets import (
    AllTripletsMiner,
    BatchEasyHardMiner,
    BatchHardMiner,
    DistanceWeightedMiner,
    HardNegativeMiner,
    RandomNegativeMiner,
    SemiHardMiner,
)

__all__ = [
    "BaseMiner",
    "AllTripletsMiner",
    "SemiHardMiner",
    "BatchHardMiner",
    "BatchEasyHardMiner",
    "HardNegativeMiner",
    "RandomNegativeMiner",
    "DistanceWeightedMiner",
    "PairMarginMiner",
    "MultiSimilarityMiner",
    "MINERS",
    "make_miner",
]

# The estimator's names: the old strategy names keep their meaning.
MINERS = {
    "all": AllTripletsMiner,
    "semihard": SemiHardMiner,
    "batch_hard": BatchHardMiner,
    "batch_easy_hard": BatchEasyHardMiner,
    "hard": HardNegativeMiner,
    "random": RandomNegativeMiner,
    "distance_weighted": DistanceWeightedMiner,
    "pair_margin": PairMarginMiner,
    "multi_similarity": MultiSimilarityMiner,
}


def make_miner(miner, distance, margin=None):
    """A miner from a name (built on ``distance``; 'semihard' takes ``margin``), an
    instance (returned as is) or None (no miner: the loss takes every tuple)."""
    if miner is None or isinstance(miner, BaseMiner):
        return miner
    if miner not in MINERS:
        raise ValueError(f"miner must be one of {sorted(MINERS)}, got {miner!r}.")
    if miner == "distance_weighted":
        return DistanceWeightedMiner()
    if miner == "semihard" and margin is not None:
        return SemiHardMiner(margin=margin, distance=distance)
    if miner == "multi_similarity":
        return MultiSimilarityMiner()
    return MINERS[miner](distance=distance)
