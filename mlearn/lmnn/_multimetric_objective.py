"""The joint objective of the metrics, its gradient, and its impostor search.

Everything here is LMNN's (:mod:`mlearn.lmnn`) with one change: the squared
distance of a pair (a, b) is measured with the map L_g(b) of the cluster of its
second point, D_ab = ‖L_g(b)(x_a − x_b)‖². The active pairs are LMNN's
:class:`~mlearn.lmnn._active_set.ActivePairs`; the hinge terms and the pair
weights w = ∂ε/∂D are LMNN's (:func:`~mlearn.lmnn._loss.loss_and_pair_weights`),
since they depend on the distances only; the gradient is LMNN's fused pass,
run once per metric over the pairs measured with it:

    ∂ε/∂L_c = 2 (E_cᵀ diag(w_c) E_c Z_c)ᵀ X,    Z_c = X L_cᵀ,

E_c the incidence matrix of the pairs whose second point is in cluster c. With
one metric, every step is LMNN's own, on the same pairs in the same order.
"""

import numpy as np

from ._active_set import _SEARCH_SLACK, ActivePairs, search_active_set
from ._loss import loss_and_pair_weights
from ._search import pairs_within_radii, search_embedding
from ._targets import target_distances


class PairsByMetric:
    """An :class:`ActivePairs` and, per metric c, the positions of the pairs measured
    with L_c (those whose second point is in cluster c), in the pairs' order."""

    def __init__(self, pairs, clusters, n_metrics):
        self.pairs = pairs
        metric = clusters[pairs.second]
        self.positions = [np.flatnonzero(metric == c) for c in range(n_metrics)]
        self.ends = [(pairs.first[p], pairs.second[p]) for p in self.positions]

    @property
    def n_impostor_pairs(self):
        return self.pairs.n_impostor_pairs

    @property
    def sampled(self):
        return self.pairs.sampled


def embeddings(X, Ls):
    """Z_c = X L_cᵀ for every metric, C-contiguous."""
    return [np.ascontiguousarray(X @ L.T) for L in Ls]


def multi_metric_target_distances(Zs, targets, clusters):
    """D_ij = ‖z_i − z_j‖² under the metric of each target j's cluster: (n_samples, k)."""
    by_metric = np.stack([target_distances(Z, targets) for Z in Zs])
    return np.take_along_axis(by_metric, clusters[targets][None], axis=0)[0]


def multi_metric_loss_and_grad(Ls, X, by_metric, push_weight, hinge="hinge"):
    """The joint objective ε(L_1, …, L_C) on the active pairs, and its gradient.

    Parameters
    ----------
    Ls : ndarray of shape (n_metrics, n_components, n_features)
    X : ndarray of shape (n_samples, n_features)
    by_metric : PairsByMetric
    push_weight : float
        μ.
    hinge : {'hinge', 'squared_hinge'}

    Returns
    -------
    loss : float
    grad : ndarray of shape (n_metrics, n_components, n_features), X's dtype
    """
    # Imported here: the kernels import numba, which ``import mlearn`` does not.
    from ._kernels import squared_distances, weighted_differences

    Zs = embeddings(X, Ls)
    dist = np.empty(by_metric.pairs.first.shape[0], dtype=Zs[0].dtype)
    for Z, positions, (first, second) in zip(Zs, by_metric.positions, by_metric.ends, strict=True):
        part = np.empty(positions.shape[0], dtype=dist.dtype)
        squared_distances(Z, first, second, part)
        dist[positions] = part
    loss, weights = loss_and_pair_weights(dist, by_metric.pairs, push_weight, hinge)
    grad = np.empty(Ls.shape, dtype=X.dtype)
    for c, (Z, positions, (first, second)) in enumerate(
        zip(Zs, by_metric.positions, by_metric.ends, strict=True)
    ):
        lap_z = np.zeros_like(Z)
        weighted_differences(Z, first, second, weights[positions], lap_z)
        grad[c] = 2 * lap_z.T @ X
    return loss, grad


def search_multi_metric_pairs(X, y, clusters, Ls, targets, valid, max_pairs, rng):
    """The active set under the metrics, as a :class:`PairsByMetric`.

    The impostor pairs (i, l), y_l ≠ y_i, with D_il < (1 + slack)(max_j D_ij + 1),
    D_il measured with L_g(l): LMNN's radius rule and slack, each cluster's
    candidates searched in its own embedding by LMNN's tile search. With one
    metric this is LMNN's search itself (exact or sampled). With several, the
    pairs inside the radii are enumerated; if more than ``max_pairs``, a uniform
    sample of ``max_pairs`` is kept, each weighted by n_found / max_pairs.
    """
    n_metrics = Ls.shape[0]
    if n_metrics == 1:
        pairs = search_active_set(X, y, Ls[0], targets, valid, max_pairs, rng)
        return PairsByMetric(pairs, clusters, 1)
    Zs = embeddings(X, Ls)
    d_target = np.where(valid, multi_metric_target_distances(Zs, targets, clusters), -np.inf)
    radii = (1 + _SEARCH_SLACK) * (d_target.max(axis=1) + 1)
    found = []
    for c, Z in enumerate(Zs):
        Zs_c, sq = search_embedding(Z)
        for k in np.unique(y):
            rows = np.flatnonzero(y == k)
            cols = np.flatnonzero((clusters == c) & (y != k))
            found.extend(pairs_within_radii(Zs_c, sq, rows, cols, radii, symmetric=False))
    empty = np.zeros(0, dtype=np.intp)
    anchors = np.concatenate([a for a, _ in found] + [empty])
    impostors = np.concatenate([b for _, b in found] + [empty])
    n_found, weights = anchors.shape[0], None
    if max_pairs is not None and n_found > max_pairs:
        keep = np.sort(rng.choice(n_found, max_pairs, replace=False))
        anchors, impostors = anchors[keep], impostors[keep]
        weights = np.full(max_pairs, n_found / max_pairs)
    pairs = ActivePairs(
        targets, valid, anchors, impostors, weights=weights, sampled=weights is not None
    )
    return PairsByMetric(pairs, clusters, n_metrics)


class MultiMetricObjective:
    """What the active-set solver asks of the data, for the joint objective.

    The same calls as LMNN's evaluator (:class:`mlearn.lmnn._evaluator.RowBlockObjective`),
    so that LMNN's solver (:func:`mlearn.lmnn._solver.minimize_over_active_sets`)
    runs unchanged on the stacked maps (n_metrics × n_components × n_features).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,), int
        Class labels encoded 0..n_classes − 1.
    clusters : ndarray of shape (n_samples,), int
        The cluster (metric) of each point, 0..n_metrics − 1.
    targets, valid : ndarray of shape (n_samples, n_neighbors)
        Target neighbours (:func:`mlearn.lmnn._targets.target_neighbors`).
    rng : RandomState
        For sampling impostors.
    """

    def __init__(self, X, y, clusters, targets, valid, rng):
        self.X, self.y, self.clusters = X, y, clusters
        self.targets, self.valid, self.rng = targets, valid, rng
        self.pairs = None

    def target_distance_sum(self, Ls):
        """Σ D_ij over the valid target pairs (float64), and their number."""
        d_target = multi_metric_target_distances(
            embeddings(self.X, Ls), self.targets, self.clusters
        )
        return float(np.sum(d_target[self.valid], dtype=np.float64)), int(self.valid.sum())

    def search_active_set(self, Ls, max_impostors, n_samples):
        """Replace the active set by a fresh search under the maps Ls."""
        self.pairs = search_multi_metric_pairs(
            self.X, self.y, self.clusters, Ls, self.targets, self.valid, max_impostors, self.rng
        )

    def active_set_size(self):
        """Impostor pairs in the active set, and 1 if they are a sample (else 0)."""
        return self.pairs.n_impostor_pairs, int(self.pairs.sampled)

    def loss_and_grad(self, Ls, push_weight, hinge):
        """ε(L_1, …, L_C) over the active set, and its gradient."""
        return multi_metric_loss_and_grad(Ls, self.X, self.pairs, push_weight, hinge)
