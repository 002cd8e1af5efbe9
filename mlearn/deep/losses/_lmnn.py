"""LMNN as a deep loss: target neighbours pulled in, impostors pushed past a margin."""

import torch

from .._tuples import as_triplets, label_masks
from ..distances import LpDistance
from ._base import BaseMetricLoss


class LMNNLoss(BaseMetricLoss):
    """Large-margin nearest neighbours (Weinberger & Saul, JMLR 2009, eq. 13–14) on a
    network's embedding. For each anchor i with target neighbours j (its ``k``
    closest references of its class) and impostors l (references of other classes),

        ℓ = (1 − μ) Σ_{i, j} D(i, j) + μ Σ_{i, j, l} [α + D(i, j) − D(i, l)]₊,

    with D the squared Euclidean distance of the paper (by default on normalised
    embeddings). The references are the batch, or the batch and a cross-batch
    memory of the last ``memory_size`` embeddings (detached, as in Wang et al.,
    "Cross-batch memory for embedding learning", CVPR 2020), so that targets and
    impostors come from more of the data than one batch holds. The target
    neighbours are found in the current embedding (the paper fixes them in the
    input space; a network's input space is rarely where they are meaningful).
    Given a miner's triplets (a, p, n), these are the (i, j, l) instead.

    Parameters
    ----------
    k : int, default=3
        Target neighbours per anchor.
    margin : float, default=0.5
        α.
    push_weight : float, default=0.5
        μ.
    memory_size : int, default=0
        Embeddings kept from earlier batches (0: the batch alone).
    distance : BaseDistance or None, default=None
        A distance (not a similarity). None is ``LpDistance(power=2)``: squared
        distances of normalised embeddings.
    reducer : BaseReducer or None, default=None
        None averages the pulls over target pairs and the pushes over the active
        (non-zero) impostor triplets.
    """

    def __init__(
        self, k=3, margin=0.5, push_weight=0.5, memory_size=0, distance=None, reducer=None
    ):
        super().__init__(distance, reducer)
        if self.distance.is_inverted:
            raise ValueError("LMNNLoss pulls by a distance; a similarity cannot be pulled to 0.")
        self.k = k
        self.margin = margin
        self.push_weight = push_weight
        self.memory_size = memory_size
        self.reset_memory()

    def default_distance(self):
        return LpDistance(power=2)

    def reset_memory(self):
        """Forget the cross-batch memory."""
        self._memory = None
        self._memory_labels = None

    def _references(self, embeddings, labels):
        if not self.memory_size or self._memory is None:
            return embeddings, labels
        memory = self._memory.to(embeddings)
        return torch.cat([embeddings, memory]), torch.cat([labels, self._memory_labels])

    def _remember(self, embeddings, labels):
        if not self.memory_size or not self.training:
            return
        new, new_labels = embeddings.detach(), labels
        if self._memory is not None:
            new = torch.cat([new, self._memory.to(new)])
            new_labels = torch.cat([new_labels, self._memory_labels.to(labels.device)])
        self._memory = new[: self.memory_size]
        self._memory_labels = new_labels[: self.memory_size]

    def _targets_and_impostors(self, values, labels, reference_labels):
        with torch.no_grad():
            same, other = label_masks(labels, reference_labels)
            n = labels.shape[0]
            same[:, :n].fill_diagonal_(False)  # a sample is not its own target neighbour
            ranked = torch.where(same, values, torch.full_like(values, torch.inf))
            k = min(self.k, values.shape[1])
            order = ranked.topk(k, dim=1, largest=False)
            valid = torch.isfinite(order.values)
            anchor = torch.arange(n, device=values.device)[:, None].expand(-1, k)[valid]
            target = order.indices[valid]
            impostor_anchor, impostor = torch.nonzero(other[anchor], as_tuple=True)
        return anchor, target, impostor_anchor, impostor

    def compute_losses(self, embeddings, labels, indices_tuple):
        mu, margin = self.push_weight, self.distance.margin
        if indices_tuple is not None:
            anchor, target, impostor = as_triplets(indices_tuple)
            pairs = torch.unique(torch.stack([anchor, target]), dim=1)
            pull = self.distance.pairwise(embeddings[pairs[0]], embeddings[pairs[1]])
            d_ij = self.distance.pairwise(embeddings[anchor], embeddings[target])
            d_il = self.distance.pairwise(embeddings[anchor], embeddings[impostor])
            push = torch.relu(self.margin - margin(d_ij, d_il))
            return {"pull": (1 - mu) * pull, "push": mu * push}
        references, reference_labels = self._references(embeddings, labels)
        values = self.distance(embeddings, references)
        anchor, target, pair_of, impostor = self._targets_and_impostors(
            values, labels, reference_labels
        )
        d_ij = values[anchor, target]
        d_il = values[anchor[pair_of], impostor]
        push = torch.relu(self.margin - margin(d_ij[pair_of], d_il))
        self._remember(embeddings, labels)
        return {"pull": (1 - mu) * d_ij, "push": mu * push}
