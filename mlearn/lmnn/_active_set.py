"""The active set: the pairs an LMNN objective is evaluated on, and how it is searched.

The active set holds every target pair (i, j) and the impostor pairs (i, l) with
D_il < (1 + slack)(max_j D_ij + 1): impostors cannot enter the margin without
first entering this wider radius, so the objective over the set equals ε near
the iterate of the search. When more pairs than the budget lie inside the radii,
the set is a weighted sample of them (:mod:`mlearn.lmnn._sampling`), and the
objective over it an unbiased estimate.
"""

import numpy as np

from ._sampling import estimate_pair_count, other_class_pairs, sample_impostor_pairs
from ._search import find_impostors, search_embedding
from ._targets import target_distances

# Active-set search radius, relative to the margin radius (squared distances).
_SEARCH_SLACK = 0.3
# Above this many times max_impostors candidate pairs, a search first estimates how
# many pairs lie inside the radii from _PILOT_DRAWS random pairs, and samples the
# candidates rather than enumerate them when they are more than max_impostors.
_EXACT_SEARCH_FACTOR = 64
_PILOT_DRAWS = 2**20


class ActivePairs:
    """The pairs an LMNN objective is evaluated on: target pairs, then impostor pairs.

    Parameters
    ----------
    targets, valid : ndarray of shape (n_samples, k)
        From :func:`mlearn.lmnn._targets.target_neighbors`.
    anchors, impostors : ndarray of shape (n_pairs,)
        Impostor pairs (i, l), from :func:`mlearn.lmnn._search.find_impostors`.
    weights : ndarray of shape (n_pairs,) or None, default=None
        Weight of each impostor pair's hinge terms in the push sum (the
        inverse of its sampling probability when the pairs are a sample);
        None means 1.
    sampled : bool, default=False
        Whether the impostor pairs are a sample of those inside the radii
        (then the objective on them is an estimate, not verifiable).
    """

    def __init__(self, targets, valid, anchors, impostors, *, weights=None, sampled=False):
        n, k = targets.shape
        self.targets, self.valid = targets, valid
        self.anchors, self.impostors, self.sampled = anchors, impostors, sampled
        if weights is None:
            weights = np.ones(anchors.shape[0])
        self.weights = np.asarray(weights, dtype=np.float64)
        self.first = np.concatenate([np.repeat(np.arange(n, dtype=np.intp), k), anchors])
        self.second = np.concatenate([targets.ravel(), impostors])

    @property
    def n_impostor_pairs(self):
        return self.anchors.shape[0]


def margin_radii(Z, targets, valid, slack):
    """Squared search radius per point: (1 + slack)(max_j D_ij + 1); −inf without targets."""
    d_target = np.where(valid, target_distances(Z, targets), -np.inf)
    return (1 + slack) * (d_target.max(axis=1) + 1)


def search_active_pairs(Z, y, radii, targets, valid, max_pairs, rng):
    """The active set for the radii: exact when it fits ``max_pairs``, else sampled.

    Where the exact search is cheap (at most ``_EXACT_SEARCH_FACTOR · max_pairs``
    candidate pairs) it is run, and a uniform sample of ``max_pairs`` of the pairs
    found is kept if they are more, weighted by n_found / max_pairs. Otherwise the
    number of pairs inside the radii is estimated first (from ``_PILOT_DRAWS``
    uniformly drawn pairs), and when it exceeds twice ``max_pairs`` the candidates
    are sampled at the rate max_pairs / estimate instead of enumerated
    (:func:`mlearn.lmnn._sampling.sample_impostor_pairs`), else the exact search
    runs. When sampled, the weighted push term is an unbiased estimate of the
    full one and ``pairs.sampled`` is set.
    """
    candidates = other_class_pairs(y)
    if max_pairs is not None and candidates > _EXACT_SEARCH_FACTOR * max_pairs:
        Zs, sq = search_embedding(Z)
        draws = int(min(_PILOT_DRAWS, candidates))
        estimate = estimate_pair_count(Zs, y, radii, draws, rng)
        # The estimate's relative error is about 1/√(hits) (13 % at 2²⁰ draws and
        # 500,000 of 10¹⁰ pairs): near the budget the exact search decides.
        if estimate > 2 * max_pairs:
            anchors, impostors, weights = sample_impostor_pairs(
                Zs, sq, y, radii, max_pairs / estimate, rng
            )
            return ActivePairs(targets, valid, anchors, impostors, weights=weights, sampled=True)
    anchors, impostors, n_found = find_impostors(Z, y, radii, max_pairs=max_pairs, random_state=rng)
    sampled = n_found > anchors.shape[0]
    weights = np.full(anchors.shape[0], n_found / max(anchors.shape[0], 1)) if sampled else None
    return ActivePairs(targets, valid, anchors, impostors, weights=weights, sampled=sampled)


def search_active_set(X, y, L, targets, valid, max_pairs, rng):
    """The impostor pairs within the search radii under L, as an :class:`ActivePairs`
    (exact when they fit ``max_pairs``, else sampled: :func:`search_active_pairs`)."""
    Z = X @ L.T
    radii = margin_radii(Z, targets, valid, _SEARCH_SLACK)
    return search_active_pairs(Z, y, radii, targets, valid, max_pairs, rng)
