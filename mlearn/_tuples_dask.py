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

from ._dask import ShardedState

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


def rows_of(X, *index_arrays):
    """The rows of the dask array X that the index arrays use (gathered on the cluster),
    and the index arrays re-indexed into them."""
    used, inverse = np.unique(
        np.concatenate([a.ravel() for a in index_arrays]), return_inverse=True
    )
    parts, start = [], 0
    for a in index_arrays:
        parts.append(inverse[start : start + a.size].reshape(a.shape).astype(np.intp))
        start += a.size
    return X.rechunk({1: -1})[used], parts


def default_shards(X):
    """As many shards as X has blocks of rows (at least 2): X's chunking sets the parallelism."""
    return max(2, X.numblocks[0])


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

    n_shards = default_shards(X) if n_shards is None else n_shards
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
