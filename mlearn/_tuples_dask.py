"""MMC, TripletSVM and FARM fitted on a dask array: sums over constraints on the workers.

The objectives of these learners are sums over their constraints (pairs or
triplets). A distributed fit keeps everything that is the size of the data on
the cluster and runs the very same solver on the driver:

1. The constraints are index arrays (two or three integers each), drawn on the
   driver from the labels exactly as in memory (same ``random_state``, same
   constraints); kNN triplets are searched blockwise on the cluster
   (:func:`knn_triplets_dask`).
2. They are cut into contiguous shards. For each shard, the rows of X it uses
   are gathered from X's blocks *on the cluster* (dask fancy indexing), and
   the learner's own in-memory evaluator is built there on those rows
   (:class:`mlearn.mmc.PairSums`, :class:`mlearn._diagonal_qp.TripletFeatures`,
   :class:`mlearn.triplet_svm.TripletTerms`, :class:`mlearn.farm._TripletLoss`)
   and kept on the workers (:class:`mlearn._dask.ShardedState`).
3. Each time the solver asks for a sum over the constraints (a loss and a
   d × d gradient, a Gram matrix Zᵀ D Z, ...) every shard computes its part
   where it lives and the driver adds the parts in shard order; the solver's
   small parameter (M, L, w, or the dual vector's slice of the shard) is sent
   with the request.

So a distributed fit computes the same numbers as the in-memory one, summed in
another order: results agree to rounding, amplified only by the solver's own
conditioning (the tests check agreement to 1e-6 relative).
"""

import numpy as np

from ._dask import ShardedState, rows_of

__all__ = ["ShardedSums", "sharded_pairs"]


def _call(state, name, *args):
    return getattr(state, name)(*args)


def _apply(state, name, *args):
    getattr(state, name)(*args)
    return state


def _on_rows(state, name, *args):
    """``name`` of the state restricted to some of its constraints (the last argument)."""
    *args, rows = args
    return getattr(state.subset(rows), name)(*args)


def shard_bounds(n_constraints, n_shards):
    """Bounds of ``n_shards`` contiguous, near-equal shards of ``n_constraints``."""
    n_shards = max(1, min(int(n_shards), n_constraints))
    return np.linspace(0, n_constraints, n_shards + 1).round().astype(np.intp)


# Constraints per shard at most: bounds the rows a shard holds (≤ 3 per triplet).
_SHARD_CONSTRAINTS = 200_000


def default_shards(n_constraints):
    """One shard per worker thread (each map over the shards costs a few ms per task),
    more when a shard would exceed ``_SHARD_CONSTRAINTS`` constraints."""
    import os

    from ._dask import _current_client

    client = _current_client()
    if client is None:
        threads = os.cpu_count() or 1
    else:
        threads = sum(client.nthreads().values())
    return max(threads, -(-n_constraints // _SHARD_CONSTRAINTS), 1)


class ShardedSums:
    """The methods of an in-memory evaluator, run on every shard and added up.

    ``state`` is a :class:`mlearn._dask.ShardedState` whose shards are
    evaluators over contiguous slices (``bounds``) of the constraints.
    """

    def __init__(self, state, bounds):
        self.state, self.bounds = state, bounds

    def _slices(self, vectors):
        """One tuple per shard: its slice of each vector over the constraints."""
        if not vectors:
            return None
        pieces = zip(self.bounds[:-1], self.bounds[1:], strict=True)
        return [tuple(v[a:b] for v in vectors) for a, b in pieces]

    def sum(self, name, *args, sliced=()):
        """Σ over shards of ``state.name(*args, *slices)``; ``sliced`` are cut by shard."""
        return self.state.sum(_call, name, *args, per_shard=self._slices(sliced))

    def concatenate(self, name, *args, sliced=()):
        """The shards' ``state.name(*args, *slices)``, concatenated in constraint order."""
        return np.concatenate(self.state.map(_call, name, *args, per_shard=self._slices(sliced)))

    def apply(self, name, *args):
        """Run ``state.name(*args)`` on every shard, changing the states where they are."""
        self.state.update(_apply, name, *args)


class _ShardedPairs(ShardedSums):
    """:class:`mlearn.mmc.PairSums` over shards of the pairs (every method is a sum)."""

    def __getattr__(self, name):
        if name in ("rescale", "project"):
            return lambda *args: self.apply(name, *args)
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args: self.sum(name, *args)


def _inverse_covariance(rows):
    from .covariance import Covariance

    return Covariance().fit(np.asarray(rows, dtype=np.float64)).get_mahalanobis_matrix()


def covariance_on_cluster(rows):
    """A callable giving the inverse covariance of the dask array ``rows``, computed on
    one worker (the rows do not come to the driver, a d × d matrix does)."""
    import dask

    def covariance():
        return dask.compute(dask.delayed(_inverse_covariance)(rows))[0]

    return covariance


def check_finite(sums, what):
    if sums.sum("n_not_finite") > 0:
        raise ValueError(f"X contains NaN or infinity in the rows {what} use.")


def sharded_pairs(X, similar, dissimilar, n_shards=None):
    """MMC's pair sums on the cluster: returns (evaluator, covariance callable).

    ``similar`` and ``dissimilar`` (index pairs into the dask array X) are cut
    into the same number of shards; a shard holds a slice of each, with the
    rows of X they use.
    """
    from .mmc import PairSums

    if n_shards is None:
        n_shards = default_shards(similar.shape[0] + dissimilar.shape[0])
    n_shards = min(n_shards, similar.shape[0], dissimilar.shape[0])
    cut_similar = shard_bounds(similar.shape[0], n_shards)
    cut_dissimilar = shard_bounds(dissimilar.shape[0], n_shards)
    shards = []
    for s in range(n_shards):
        rows, (sim, dis) = rows_of(
            X,
            similar[cut_similar[s] : cut_similar[s + 1]],
            dissimilar[cut_dissimilar[s] : cut_dissimilar[s + 1]],
        )
        shards.append((rows, sim, dis))
    pairs = _ShardedPairs(ShardedState(shards, PairSums), None)
    check_finite(pairs, "the pairs")
    used = np.unique(np.concatenate([similar.ravel(), dissimilar.ravel()]))
    return pairs, covariance_on_cluster(X.rechunk({1: -1})[used])


def _nearest(dist, index, k):
    """The k smallest of each row of ``dist``, nearest first, as (distances, indices)."""
    k = min(k, dist.shape[1])
    if k < dist.shape[1]:
        chosen = np.argpartition(dist, k - 1, axis=1)[:, :k]
        dist, index = np.take_along_axis(dist, chosen, 1), np.take_along_axis(index, chosen, 1)
    # Nearest first; equal distances by index, so that the merge is deterministic.
    order = np.lexsort((index, dist), axis=1)
    return np.take_along_axis(dist, order, 1), np.take_along_axis(index, order, 1)


def _block_neighbours(query, data, k_genuine, k_impostor):
    """Nearest same-class and other-class points of the query rows among the data rows.

    ``query`` and ``data`` are (offset, X_block, y_block). Returns
    (genuine distances, genuine indices, impostor distances, impostor indices),
    indices into the whole X, padded with (inf, −1) where a block has too few.
    """
    (q_offset, Xq, yq), (d_offset, Xd, yd) = query, data
    Xq, Xd = np.asarray(Xq, dtype=np.float64), np.asarray(Xd, dtype=np.float64)
    dist = np.sum(Xq**2, axis=1)[:, None] - 2 * Xq @ Xd.T + np.sum(Xd**2, axis=1)[None, :]
    np.maximum(dist, 0, out=dist)
    q_index = np.arange(Xq.shape[0])[:, None] + q_offset
    index = np.broadcast_to(np.arange(Xd.shape[0])[None, :] + d_offset, dist.shape)
    same = yq[:, None] == yd[None, :]
    genuine = np.where(same & (index != q_index), dist, np.inf)
    impostor = np.where(same, np.inf, dist)
    return (*_nearest(genuine, index, k_genuine), *_nearest(impostor, index, k_impostor))


def _merge_neighbours(parts, k_genuine, k_impostor):
    """The nearest over all data blocks, from each block's nearest; (genuine, impostors)."""
    merged = []
    for column, k in ((0, k_genuine), (2, k_impostor)):
        dist = np.concatenate([part[column] for part in parts], axis=1)
        index = np.concatenate([part[column + 1] for part in parts], axis=1)
        merged.append(_nearest(dist, index, k)[1])
    return merged


def _all_finite(X_block):
    return bool(np.all(np.isfinite(X_block)))


def knn_triplets_dask(X, y, k_genuine, k_impostor):
    """:func:`mlearn.constraints.knn_triplets` for a dask array X, searched on the cluster.

    Exact brute-force search, block against block of rows: every pair of row
    blocks is one task (n² d work, as in memory; the memory of a task is two
    blocks and their distances). Only the neighbours' indices (n × k integers)
    come back; the triplets are assembled here in the in-memory order. Points
    at exactly equal distances may be ordered otherwise than in memory (where
    the tree search breaks such ties).

    ``y`` holds the labels, encoded 0..n_classes−1, in memory.
    """
    import dask

    from ._dask import row_blocks
    from .constraints import _neighbour_counts, _stacked_triplets, triplets_from_neighbours

    groups = [np.flatnonzero(y == c) for c in range(int(y.max()) + 1)]
    counts = _neighbour_counts(groups, k_genuine, k_impostor)
    blocks = [(offset, Xb, yb) for offset, Xb, yb in row_blocks(X, y)]
    search = dask.delayed(_block_neighbours, pure=True)
    merge = dask.delayed(_merge_neighbours, pure=True)
    per_query = [
        merge(
            [search(query, data, k_genuine, k_impostor) for data in blocks], k_genuine, k_impostor
        )
        for query in blocks
    ]
    finite = [dask.delayed(_all_finite, pure=True)(block[1]) for block in blocks]
    *per_query, finite = dask.compute(*per_query, finite)
    if not all(finite):
        raise ValueError("Input X contains NaN or infinity.")
    genuine = np.concatenate([part[0] for part in per_query])
    impostors = np.concatenate([part[1] for part in per_query])
    return _stacked_triplets(
        [
            triplets_from_neighbours(members, genuine[members, :kg], impostors[members, :ki])
            for members, kg, ki in counts
        ]
    )


def _triplet_shards(X, triplets, n_shards=None):
    """Contiguous shards of the triplets, each with the rows of X it uses; and their bounds."""
    if n_shards is None:
        n_shards = default_shards(triplets.shape[0])
    bounds = shard_bounds(triplets.shape[0], n_shards)
    shards = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        rows, (local,) = rows_of(X, triplets[a:b])
        shards.append((rows, local))
    return shards, bounds


def _triplet_loss(rows, triplets):
    from .farm import _TripletLoss

    return _TripletLoss(rows, triplets)


class _ShardedTripletLoss(ShardedSums):
    """FARM's mean loss and gradient matrix, from the shards' sums."""

    def __call__(self, M, w):
        total, G = self.sum("sums", M, w)
        return total / self.n_triplets, G / self.n_triplets


def sharded_triplet_loss(X, triplets, n_shards=None):
    """FARM's :class:`mlearn.farm._TripletLoss` over shards of the triplets, on the cluster."""
    shards, bounds = _triplet_shards(X, triplets, n_shards)
    loss = _ShardedTripletLoss(ShardedState(shards, _triplet_loss), bounds)
    loss.n_triplets = triplets.shape[0]
    return loss


def _triplet_state(rows, triplets, P, form):
    from .triplet_svm import _triplet_state

    return _triplet_state(rows, triplets, P, form)


def _restricted(state, rows):
    return state if rows is None else state.subset(rows)


def _z_any_nonzero(state):
    return int(state.any_nonzero())


def _z_matvec(state, w, rows):
    return _restricted(state, rows).matvec(w)


def _z_rmatvec(state, rows, a):
    return _restricted(state, rows).rmatvec(a)


def _z_weighted_gram(state, rtol, d_max, rows, d):
    return _restricted(state, rows).weighted_gram(d, rtol, d_max=d_max)


class _ShardedTripletFeatures:
    """:class:`mlearn._diagonal_qp.TripletFeatures` over shards of the triplets.

    The interior point's per-triplet vectors (α, ξ, Zw, ...) stay on the driver:
    a product Zw comes back as n_triplets numbers, Zᵀa and Zᵀ diag(d) Z go out
    as each shard's slice of a or d and come back as m and m × m numbers.
    ``selection`` (one local index array per shard) views a subset of the
    triplets (the working set), without moving them.
    """

    def __init__(self, state, bounds, n_features, selection=None):
        self.state, self.bounds, self.selection = state, bounds, selection
        if selection is not None:
            self.bounds = np.concatenate([[0], np.cumsum([len(s) for s in selection])])
        self.shape = (int(self.bounds[-1]), n_features)

    def _per_shard(self, *vectors):
        selection = self.selection or [None] * self.state.n_shards
        cuts = zip(self.bounds[:-1], self.bounds[1:], strict=True)
        return [
            (rows, *(v[a:b] for v in vectors)) for rows, (a, b) in zip(selection, cuts, strict=True)
        ]

    def subset(self, rows):
        """The view of the triplets ``rows`` (sorted indices into this view's triplets)."""
        cuts = np.searchsorted(rows, self.bounds)
        selection = [
            rows[a:b] - lo for a, b, lo in zip(cuts[:-1], cuts[1:], self.bounds, strict=False)
        ]
        return _ShardedTripletFeatures(self.state, None, self.shape[1], selection)

    def any_nonzero(self):
        return self.state.sum(_z_any_nonzero) > 0

    def matvec(self, w):
        return np.concatenate(self.state.map(_z_matvec, w, per_shard=self._per_shard()))

    def rmatvec(self, a):
        return self.state.sum(_z_rmatvec, per_shard=self._per_shard(a))

    def weighted_gram(self, d, rtol=1e-6):
        d_max = float(d.max())
        return self.state.sum(_z_weighted_gram, rtol, d_max, per_shard=self._per_shard(d))


class _ShardedTripletTerms(ShardedSums):
    """:class:`mlearn.triplet_svm.TripletTerms` over shards of the triplets."""

    def scatter(self, alpha):
        return self.sum("scatter", sliced=(alpha,))

    def margins(self, L):
        return self.concatenate("margins", L)


def sharded_triplets(X, triplets, P, form, n_shards=None):
    """TripletSVM's view of the triplets on the coordinates X P, sharded on the cluster:
    Z's rows (``form='diagonal'``) or the full form's S(α) and margins."""
    shards, bounds = _triplet_shards(X, triplets, n_shards)
    state = ShardedState([(rows, local, P, form) for rows, local in shards], _triplet_state)
    n_features = X.shape[1] if P is None else P.shape[1]
    if form == "diagonal":
        return _ShardedTripletFeatures(state, bounds, n_features)
    terms = _ShardedTripletTerms(state, bounds)
    terms.n_triplets, terms.n_features = triplets.shape[0], n_features
    return terms
