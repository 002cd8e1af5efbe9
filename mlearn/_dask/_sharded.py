"""Evaluators built per shard on the workers, combined as each method declares.

Two ways of cutting the work into shards:

- :func:`shard_tuples`: contiguous, near-equal slices of the learner's index
  tuples (pairs, triplets). For each slice the rows of X it uses are gathered
  *on the cluster* (dask fancy indexing), re-indexed, and the evaluator is built
  there on those rows, so the sum over shards is exactly the sum over all tuples.
- :func:`shard_rows`: the row blocks of X (with the same rows of aligned arrays
  such as labels); the evaluator of a block sees that block only (LMNN searches
  neighbourhoods within a block).

Each shard is built once and kept where it was computed
(:class:`~mlearn._dask.ShardedState`); :class:`ShardedEvaluator` then answers the
solver's calls by running the method on every shard and combining the results
as the evaluator class declares (:mod:`mlearn._evaluator`). Sums are taken on
the driver in shard order, so a distributed fit does not depend on which
worker computed what, and differs from the in-memory fit by rounding only.
"""

import inspect
import os
from functools import partial

import numpy as np

from .._blocks import merged_nearest
from .._evaluator import declared_attribute, declared_combination
from ._arrays import row_block_bounds, row_blocks, rows_of
from ._state import ShardedState, current_client, tree_sum

# Tuples per shard at most: bounds the rows a shard holds (≤ 3 per triplet).
SHARD_TUPLES = 200_000


def shard_bounds(n_tuples, n_shards):
    """Bounds of ``n_shards`` contiguous, near-equal shards of ``n_tuples``."""
    n_shards = max(1, min(int(n_shards), n_tuples))
    return np.linspace(0, n_tuples, n_shards + 1).round().astype(np.intp)


def default_shards(n_tuples):
    """One shard per worker thread (each map over the shards costs a few ms per task),
    more when a shard would exceed ``SHARD_TUPLES`` tuples."""
    client = current_client()
    threads = (os.cpu_count() or 1) if client is None else sum(client.nthreads().values())
    return max(threads, -(-n_tuples // SHARD_TUPLES), 1)


class _Shard:
    """A shard's evaluator, and how many of its rows were not finite (then no evaluator)."""

    def __init__(self, evaluator, n_not_finite):
        self.evaluator, self.n_not_finite = evaluator, n_not_finite


def _built_if_finite(build, points, *args, **options):
    """``build(*args, **options)`` in a shard, unless ``points`` has non-finite rows."""
    n_not_finite = int(np.sum(~np.all(np.isfinite(points), axis=1))) if points.size else 0
    return _Shard(None, n_not_finite) if n_not_finite else _Shard(build(*args, **options), 0)


def _build_on_tuples(rows, *index_arrays, build, options):
    rows = np.asarray(rows)
    return _built_if_finite(build, rows, rows, *index_arrays, **options)


def _build_on_rows(offset, X_block, *aligned, build, options):
    X_block = np.asarray(X_block)
    return _built_if_finite(build, X_block, offset, X_block, *aligned, **options)


def _n_not_finite(shard):
    return shard.n_not_finite


def shard_tuples(build, X, *index_arrays, n_shards=None, **options):
    """``build(rows, *index_arrays, **options)`` per shard of the tuples, on the cluster.

    Parameters
    ----------
    build : type or classmethod
        The evaluator class (or one of its classmethods), as called in memory
        with ``(X, *index_arrays, **options)``.
    X : dask.array.Array of shape (n_samples, n_features)
    *index_arrays : ndarray of shape (n_tuples_a, tuple_size_a), int
        Each is cut into the same number of contiguous shards; vectors over the
        constraints (``sliced`` arguments) follow the first one's shards.
    n_shards : int, optional
        Default :func:`default_shards`.

    Returns
    -------
    ShardedEvaluator
    """
    import dask

    n_shards = default_shards(sum(len(a) for a in index_arrays)) if n_shards is None else n_shards
    n_shards = max(1, min([n_shards] + [len(a) for a in index_arrays if len(a)]))
    cuts = [shard_bounds(len(a), n_shards) for a in index_arrays]
    shards = []
    for s in range(n_shards):
        pieces = [a[c[s] : c[s + 1]] for a, c in zip(index_arrays, cuts, strict=True)]
        rows, local = rows_of(X, *pieces)
        shards.append((rows, *(dask.delayed(part) for part in local)))
    prepare = _partial(_build_on_tuples, build=build, options=options)
    state = ShardedState(shards, prepare)
    return _checked(ShardedEvaluator(state, cuts[0], build), "tuples")


def shard_rows(build, X, *aligned, **options):
    """``build(offset, X_block, *aligned_blocks, **options)`` per row block of X, on the cluster.

    ``aligned`` arrays (numpy or dask, one entry per row of X, e.g. labels) are
    cut along X's row blocks. Vectors over the rows (``sliced`` arguments)
    follow the row blocks.
    """
    X = X.rechunk({1: -1})
    bounds = np.asarray(row_block_bounds(X), dtype=np.intp)
    prepare = _partial(_build_on_rows, build=build, options=options)
    state = ShardedState(row_blocks(X, *aligned), prepare)
    return _checked(ShardedEvaluator(state, bounds, build), "rows")


def _partial(function, **keywords):
    # functools.partial keeps the task picklable and its name readable in the dashboard.
    return partial(function, **keywords)


def _checked(evaluator, what):
    if evaluator.state.sum(_n_not_finite) > 0:
        used = "the tuples use" if what == "tuples" else "of X"
        raise ValueError(f"X contains NaN or infinity in the rows {used}.")
    return evaluator


def _call(shard, rows, name, args, sliced):
    evaluator = shard.evaluator if rows is None else shard.evaluator.subset(rows)
    return getattr(evaluator, name)(*args, *sliced)


def _update(shard, name, args):
    getattr(shard.evaluator, name)(*args)
    return shard


def _attribute(shard, name, rows):
    evaluator = shard.evaluator if rows is None else shard.evaluator.subset(rows)
    return getattr(evaluator, name)


class ShardedEvaluator:
    """An evaluator whose shards live on the workers, with the evaluator's own methods.

    Each call runs the method on every shard and combines the results as the
    evaluator class declares (:func:`mlearn._evaluator.across_shards`); a method
    or attribute without a declaration raises ``AttributeError``.

    Parameters
    ----------
    state : ShardedState
        One ``_Shard`` per shard, holding an evaluator over a contiguous slice
        of the constraints (or a block of rows).
    bounds : ndarray of shape (n_shards + 1,)
        Where each shard's constraints start, in the order of the constraints.
    evaluator_class : type or classmethod
        What each shard holds (its declarations are read from the class).
    selection : list of ndarray, optional
        For a view made by a ``'subset'`` method: the local indices kept in each
        shard (the bounds are then those of the view).
    """

    def __init__(self, state, bounds, evaluator_class, selection=None):
        self.state, self.selection = state, selection
        # A class, or one of its classmethods (an alternative constructor).
        if not inspect.isclass(evaluator_class):
            evaluator_class = evaluator_class.__self__
        self._class = evaluator_class
        if selection is not None:
            bounds = np.concatenate([[0], np.cumsum([len(rows) for rows in selection])])
        self.bounds = np.asarray(bounds, dtype=np.intp)
        self.n_shards = state.n_shards

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        evaluator_class = self.__dict__["_class"]
        if not callable(getattr(evaluator_class, name, None)):
            return self._read_attribute(name, declared_attribute(evaluator_class, name))
        combine, sliced = declared_combination(evaluator_class, name)
        method = getattr(evaluator_class, name)
        signature = inspect.signature(method)
        parameters = list(signature.parameters)[1:]

        def sharded_method(*args, **kwargs):
            bound = signature.bind(None, *args, **kwargs)
            bound.apply_defaults()
            values = [bound.arguments[p] for p in parameters]
            return self._run(name, combine, parameters, values, sliced)

        sharded_method.__name__ = name
        sharded_method.__doc__ = method.__doc__
        return sharded_method

    def _rows(self):
        return self.selection or [None] * self.n_shards

    def _read_attribute(self, name, combine):
        values = self.state.map(_attribute, name, per_shard=[(rows,) for rows in self._rows()])
        return tree_sum(values) if combine == "sum" else values[0]

    def _run(self, name, combine, parameters, values, sliced):
        # The sliced arguments are the method's last ones (checked by across_shards).
        n_whole = len(parameters) - len(sliced)
        whole, vectors = tuple(values[:n_whole]), values[n_whole:]
        if combine == "update":
            if self.selection is not None:
                raise TypeError(f"{name} changes the shards; call it on the whole evaluator.")
            self.state.update(_update, name, whole)
            return None
        if combine == "subset":
            return self._subset(np.asarray(values[0], dtype=np.intp))
        cuts = zip(self.bounds[:-1], self.bounds[1:], strict=True)
        per_shard = [
            (rows, tuple(v[a:b] for v in vectors))
            for rows, (a, b) in zip(self._rows(), cuts, strict=True)
        ]
        results = self.state.map(_call_by_position, name, whole, per_shard=per_shard)
        if combine == "sum":
            return tree_sum(results)
        if combine == "any":
            return any(bool(r) for r in results)
        if combine == "nearest":
            return merged_nearest(results)
        return np.concatenate(results)

    def _subset(self, rows):
        """The view of the constraints ``rows`` (sorted indices into this view's constraints)."""
        cuts = np.searchsorted(rows, self.bounds)
        base = self.selection or [None] * self.n_shards
        selection = []
        for s in range(self.n_shards):
            local = rows[cuts[s] : cuts[s + 1]] - self.bounds[s]
            selection.append(local if base[s] is None else base[s][local])
        return ShardedEvaluator(self.state, None, self._class, selection)


def _call_by_position(shard, name, whole, rows, vectors):
    return _call(shard, rows, name, whole, vectors)
