"""Losses: ``loss(embeddings, labels, indices_tuple=None)``, a ``torch.nn.Module``.

Every loss is built from a ``distance`` (:mod:`mlearn.deep.distances`) and a
``reducer`` (:mod:`mlearn.deep.reducers`) and takes a miner's index tuples
(:mod:`mlearn.deep.miners`) of either kind, or none (every tuple of the batch).
Margins are read through the distance (how much *farther* one value is than
another), so a loss works with a distance or a similarity alike. The proxy and
classification losses (ProxyAnchor, ArcFace) and the margin loss carry
parameters: they are trained with the network (the estimators put
``loss.parameters()`` in the optimiser).

==========================  ======  ==========================================  ===================
loss                        tuples  per-tuple value (distance D, similarity S)  defaults
==========================  ======  ==========================================  ===================
``ContrastiveLoss``         pairs   [D − m₊]₊ and [m₋ − D]₊                     D, avg non-zero
``TripletMarginLoss``       trip.   [D(a, p) − D(a, n) + α]₊                    D, avg non-zero
``MarginLoss``              pairs   [α + D − β]₊ and [α + β − D]₊, β learnt     D, avg non-zero
``MultiSimilarityLoss``     pairs   soft-max weighted pairs per anchor          S, mean
``NTXentLoss``              pairs   −log softmax of S(a, p)/τ against negatives S, mean
``SupConLoss``              pairs   −mean_p log softmax over all of a's pairs   S, mean
``ProxyAnchorLoss``         —       a proxy per class, softplus over samples    S, mean
``ArcFaceLoss``             —       softmax with angular margin on class W      S, mean
``LMNNLoss``                —       pull k targets, push impostors past α       D², avg non-zero
==========================  ======  ==========================================  ===================
"""

from ._base import BaseMetricLoss
from ._lmnn import LMNNLoss
from ._pair_weighting import MultiSimilarityLoss, NTXentLoss, SupConLoss
from ._proxy import ArcFaceLoss, ProxyAnchorLoss
from ._tuple_losses import ContrastiveLoss, MarginLoss, TripletMarginLoss

__all__ = [
    "BaseMetricLoss",
    "ContrastiveLoss",
    "TripletMarginLoss",
    "MarginLoss",
    "MultiSimilarityLoss",
    "NTXentLoss",
    "SupConLoss",
    "ProxyAnchorLoss",
    "ArcFaceLoss",
    "LMNNLoss",
    "LOSSES",
    "make_loss",
]

LOSSES = {
    "contrastive": ContrastiveLoss,
    "triplet": TripletMarginLoss,
    "margin": MarginLoss,
    "multi_similarity": MultiSimilarityLoss,
    "ntxent": NTXentLoss,
    "supcon": SupConLoss,
    "proxy_anchor": ProxyAnchorLoss,
    "arcface": ArcFaceLoss,
    "lmnn": LMNNLoss,
}
# Losses whose value is a distance margin: the estimator's ``margin`` and ``distance``
# reach them. The others keep the similarity and the constants of their papers.
_MARGIN_NAME = {
    "triplet": "margin",
    "contrastive": "neg_margin",
    "margin": "margin",
    "lmnn": "margin",
}
_NEEDS_CLASSES = {"proxy_anchor", "arcface"}


def make_loss(loss, *, distance, margin, n_classes, embedding_dim):
    """A loss from a name (built on ``distance`` with ``margin`` where it has one; the
    proxy losses for ``n_classes`` and ``embedding_dim``) or an instance (as is)."""
    if isinstance(loss, BaseMetricLoss):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {loss!r}.")
    kwargs = {}
    if loss in _MARGIN_NAME:
        kwargs["distance"] = distance
        if margin is not None:
            kwargs[_MARGIN_NAME[loss]] = margin
    if loss == "margin":
        kwargs["num_classes"] = n_classes
    if loss in _NEEDS_CLASSES:
        kwargs.update(num_classes=n_classes, embedding_dim=embedding_dim)
    if loss == "lmnn" and distance is not None:
        # LMNN's squared distance, on the embedding the estimator's distance describes.
        kwargs["distance"] = type(distance)(distance.normalize_embeddings, power=2)
    return LOSSES[loss](**kwargs)
