"""The miner protocol: embeddings and labels in, checked index tuples out, no gradient."""

import torch

from .._tuples import check_tuples, label_masks
from ..distances import LpDistance


class BaseMiner:
    """Picks index tuples of a batch for a loss.

    Parameters
    ----------
    distance : BaseDistance or None, default=None
        What "hard" and "easy" are measured with; None is :class:`LpDistance`
        (normalised embeddings, Euclidean).

    Attributes
    ----------
    n_mined_ : int
        Tuples returned by the last call.
    """

    def __init__(self, distance=None):
        self.distance = LpDistance() if distance is None else distance

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.endswith("_"))
        return f"{type(self).__name__}({params})"

    def __call__(self, embeddings, labels, generator=None):
        """Index tuples of the batch: triplets (a, p, n) or pairs (a1, p, a2, n).

        Parameters
        ----------
        embeddings : Tensor of shape (n, k)
            Mining is not differentiated: they are detached.
        labels : Tensor of shape (n,)
        generator : torch.Generator or None
            Randomness of the miners that draw (a CPU generator).
        """
        with torch.no_grad():
            embeddings = embeddings.detach()
            labels = labels.to(embeddings.device)
            values = self.distance(embeddings)
            positive, negative = label_masks(labels)
            tuples = tuple(self.mine(values, positive, negative, generator))
        check_tuples(tuples, embeddings.shape[0])
        self.n_mined_ = int(tuples[0].shape[0] + (tuples[2].shape[0] if len(tuples) == 4 else 0))
        return tuples

    def mine(self, values, positive, negative, generator):  # pragma: no cover - abstract
        raise NotImplementedError


def pairs_with_a_negative(positive, negative):
    """Every anchor–positive pair whose anchor has at least one negative."""
    return torch.nonzero(positive & negative.any(dim=1)[:, None], as_tuple=True)
