"""The Dask layer: fits and transforms on data that stays on a cluster.

It sits beside the algorithms, not inside them. A learner never tests whether
its input is a Dask array: it hands its *evaluator* (the object that computes its
loss, gradient and sums from the points and the index tuples, see
:mod:`mlearn._evaluator`) to :meth:`mlearn.base.MahalanobisMixin._evaluator`,
which returns it in memory, or — for a Dask array — built per shard on the
workers and wrapped by :class:`ShardedEvaluator`, which combines each method's
results across shards as the evaluator declares. The solver runs unchanged on
the driver.

This package imports only the core (``_validation``, ``psd``, ``_evaluator`` and
the other shared helpers) and never a learner; dask itself is imported only when
a Dask array is actually given.
"""

from ._arrays import (
    labels_in_memory,
    lazy_transform,
    row_block_bounds,
    row_blocks,
    rows_apart,
    rows_for_tuples,
    rows_of,
)
from ._neighbours import class_neighbours
from ._sharded import ShardedEvaluator, default_shards, shard_bounds, shard_rows, shard_tuples
from ._state import ShardedState, current_client
from ._statistics import inverse_covariance_on_cluster

__all__ = [
    "ShardedEvaluator",
    "ShardedState",
    "class_neighbours",
    "current_client",
    "default_shards",
    "inverse_covariance_on_cluster",
    "labels_in_memory",
    "lazy_transform",
    "row_block_bounds",
    "row_blocks",
    "rows_apart",
    "rows_for_tuples",
    "rows_of",
    "shard_bounds",
    "shard_rows",
    "shard_tuples",
]
