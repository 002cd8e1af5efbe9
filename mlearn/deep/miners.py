"""Miners: which triplets of a batch the loss sees.

A miner takes the batch's embeddings E (n, k) (detached: mining is not
differentiated) and class labels, and returns index tuples
(anchor, positive, negative) as three LongTensors, with label(a) = label(p),
a ≠ p and label(n) ≠ label(a). With D(i, j) = ‖E_i − E_j‖:

- ``'all'``: every such triplet;
- ``'random'``: every anchor–positive pair with one negative drawn uniformly;
- ``'hard'``: every anchor–positive pair with its hardest negative,
  argmin_n D(a, n) (the closest point of another class);
- ``'semihard'``: every triplet whose negative is farther than the positive
  but inside the margin, D(a, p) < D(a, n) < D(a, p) + α (Schroff et al.,
  FaceNet 2015, eq. 4);
- ``'batch_hard'``: one triplet per anchor, its hardest positive
  argmax_p D(a, p) with its hardest negative argmin_n D(a, n) (Hermans, Beyer
  & Leibe, "In defense of the triplet loss", 2017).

The contrastive loss turns triplets into pairs
(:func:`mlearn.deep.losses.pairs_from_triplets`), so any miner feeds any loss.
"""

import torch

__all__ = ["MINERS", "mine_triplets"]


def _masks(labels):
    same = labels[:, None] == labels[None, :]
    eye = torch.eye(labels.shape[0], dtype=torch.bool, device=labels.device)
    return same & ~eye, ~same


def _all(distances, positive, negative, margin, generator):
    return torch.nonzero(positive[:, :, None] & negative[:, None, :], as_tuple=True)


def _semihard(distances, positive, negative, margin, generator):
    d_ap = distances[:, :, None]
    d_an = distances[:, None, :]
    valid = positive[:, :, None] & negative[:, None, :] & (d_an > d_ap) & (d_an < d_ap + margin)
    return torch.nonzero(valid, as_tuple=True)


def _hard(distances, positive, negative, margin, generator):
    anchor, pos = torch.nonzero(positive & negative.any(dim=1)[:, None], as_tuple=True)
    nearest = torch.where(negative, distances, torch.full_like(distances, torch.inf))
    return anchor, pos, nearest.argmin(dim=1)[anchor]


def _random(distances, positive, negative, margin, generator):
    anchor, pos = torch.nonzero(positive & negative.any(dim=1)[:, None], as_tuple=True)
    # One uniform draw per anchor–positive pair: the negative of smallest noise.
    noise = torch.rand((anchor.shape[0], distances.shape[0]), generator=generator)
    noise = noise.to(distances.device)
    masked = torch.where(negative[anchor], noise, torch.full_like(noise, torch.inf))
    return anchor, pos, masked.argmin(dim=1)


def _batch_hard(distances, positive, negative, margin, generator):
    anchor = torch.nonzero(positive.any(dim=1) & negative.any(dim=1), as_tuple=True)[0]
    far = torch.where(positive, distances, torch.full_like(distances, -torch.inf))
    near = torch.where(negative, distances, torch.full_like(distances, torch.inf))
    return anchor, far.argmax(dim=1)[anchor], near.argmin(dim=1)[anchor]


MINERS = {
    "all": _all,
    "random": _random,
    "hard": _hard,
    "semihard": _semihard,
    "batch_hard": _batch_hard,
}


def mine_triplets(embeddings, labels, strategy, *, margin=1.0, generator=None):
    """Index triplets (anchor, positive, negative) of a batch, chosen by ``strategy``.

    Parameters
    ----------
    embeddings : Tensor of shape (n, k)
        The batch's embeddings; no gradient flows through mining.
    labels : LongTensor of shape (n,)
    strategy : {'all', 'random', 'hard', 'semihard', 'batch_hard'}
    margin : float, default=1.0
        α of the semi-hard band.
    generator : torch.Generator or None
        Source of randomness for ``'random'`` (a CPU generator).

    Returns
    -------
    anchor, positive, negative : LongTensor of shape (n_triplets,)
    """
    if strategy not in MINERS:
        raise ValueError(f"miner must be one of {sorted(MINERS)}, got {strategy!r}.")
    with torch.no_grad():
        distances = torch.cdist(embeddings.detach(), embeddings.detach())
        positive, negative = _masks(labels)
        anchor, pos, neg = MINERS[strategy](distances, positive, negative, margin, generator)
    return anchor, pos, neg
