"""Dask arrays in and out, without importing dask unless the user already did.

A fitted learner embeds a dask array lazily: ``transform`` maps each block of
rows through the learner's own numpy ``transform`` on the workers, so a model
fitted in memory embeds a dataset of any size and nothing reaches the driver
until the caller computes.
"""

import numpy as np


def is_dask_array(X):
    """Whether X is a ``dask.array.Array`` (checked by type, without importing dask)."""
    return type(X).__module__.split(".")[0] == "dask" and hasattr(X, "map_blocks")


def float_dtype(X):
    """X's dtype if it is float32 or float64, else float64: the dtype a fit on X keeps."""
    return X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float64)


def lazy_transform(estimator, X, n_features_out):
    """``estimator.transform`` applied to each row block of the dask array X, lazily.

    Parameters
    ----------
    estimator : fitted transformer
        Its ``transform`` takes and returns numpy arrays.
    X : dask.array.Array of shape (n_samples, n_features_in_)
    n_features_out : int

    Returns
    -------
    X_embedded : dask.array.Array of shape (n_samples, n_features_out)
        X's float dtype (float32 stays float32), float64 otherwise; chunked by
        rows as X is.
    """
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D dask array, got {X.ndim} dimension(s).")
    if X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input."
        )
    dtype = float_dtype(X)
    # Every block must hold whole rows for the map to apply to it.
    X = X.rechunk({1: -1})
    return X.map_blocks(estimator.transform, dtype=dtype, chunks=(X.chunks[0], (n_features_out,)))


def labels_in_memory(y):
    """Class labels as a numpy array, computing them if they come as a dask array."""
    return np.asarray(y.compute() if is_dask_array(y) else y)


def rows_of(X, *index_arrays):
    """The rows of the dask array X that the index arrays use, still on the cluster.

    Returns
    -------
    rows : dask.array.Array of shape (n_used, n_features)
        The used rows, in increasing index order (gathered by dask indexing,
        worker to worker).
    index_arrays : list of ndarray
        Each index array re-indexed into ``rows`` (shapes and order kept).
    """
    used, inverse = np.unique(
        np.concatenate([a.ravel() for a in index_arrays]), return_inverse=True
    )
    parts, start = [], 0
    for a in index_arrays:
        parts.append(inverse[start : start + a.size].reshape(a.shape).astype(np.intp))
        start += a.size
    return X.rechunk({1: -1})[used], parts


def rows_for_tuples(X, tuples):
    """Fetch from the dask array X only the rows that index tuples use.

    Learners whose objective depends on the points of their constraints only
    (ITML, and any tuple distances) need no more than these rows: at most tuple_size × n_tuples of
    them, whatever the size of X.

    Returns
    -------
    rows : ndarray of shape (n_used, n_features)
        The used rows, in increasing index order.
    tuples : ndarray of the input's shape
        The tuples re-indexed into ``rows`` (the order is kept, so a solver
        sees the same points in the same order as on X itself).
    """
    rows, (tuples,) = rows_of(X, np.asarray(tuples))
    return np.asarray(rows.compute()), tuples


def row_blocks(X, *aligned):
    """The row blocks of the dask array X, each with the same rows of ``aligned`` arrays.

    Returns a list with one tuple ``(offset, X_block, *aligned_blocks)`` per block
    of rows, as dask delayed objects (``offset`` is the index of the block's
    first row in X, a plain int). Columns are merged into one chunk, so a block
    holds whole rows; a 1-D aligned array (labels) is rechunked to X's rows.
    """
    import dask

    X = X.rechunk({1: -1}) if X.ndim == 2 else X
    row_chunks = X.chunks[0]
    columns = [X.to_delayed().ravel()]
    for array in aligned:
        if is_dask_array(array):
            array = array.rechunk((row_chunks,) + tuple((n,) for n in array.shape[1:]))
            columns.append(array.to_delayed().ravel())
        else:
            array = np.asarray(array)
            bounds = np.cumsum((0,) + row_chunks)
            columns.append(
                [dask.delayed(array[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
            )
    offsets = np.cumsum((0,) + row_chunks)[:-1].tolist()
    return [(offset, *blocks) for offset, *blocks in zip(offsets, *columns, strict=True)]


def _current_client():
    """The active ``distributed`` client, or None (then shards live in this process)."""
    try:
        from distributed import get_client
    except ImportError:
        return None
    try:
        return get_client()
    except ValueError:
        return None


def _tree_sum(parts):
    """Elementwise sum of equally shaped results (numbers, arrays, or tuples of them)."""
    parts = list(parts)
    if isinstance(parts[0], tuple):
        return tuple(_tree_sum(column) for column in zip(*parts, strict=True))
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


# Arguments up to this size travel inside the task messages; larger ones are scattered.
_INLINE_BYTES = 2**20


def _small(arg):
    from dask.sizeof import sizeof

    return sizeof(arg) <= _INLINE_BYTES


def _cluster_failure(error):
    return RuntimeError(
        f"A task of the distributed fit failed on the cluster ({type(error).__name__}: "
        f"{error}); the fit was abandoned."
    )


class ShardedState:
    """Per-shard state kept where it was computed, and map/sum over it.

    The state of shard s is ``prepare(*shard)`` for each shard tuple (of dask
    delayed objects, e.g. from :func:`row_blocks`). With a ``distributed``
    client active, the states are computed and held on the workers and only the
    results of :meth:`map` travel back to the driver; without one, they are
    computed by dask's local scheduler and held in this process.

    A distributed fit built on this is exact with respect to its shards: the sum
    over shards is taken on the driver in shard order, so it does not depend on
    which worker computed what. If a worker dies, the lost states are recomputed
    from their task graph (kept here, so the shards' input must be recomputable:
    a dask array, not futures); if a task raises, the fit stops with a
    ``RuntimeError`` naming the failure (never a partial sum).
    """

    def __init__(self, shards, prepare):
        import dask

        self._tasks = [dask.delayed(prepare, pure=False)(*shard) for shard in shards]
        self.n_shards = len(self._tasks)
        self._updates = []
        self._client = _current_client()
        if self._client is None:
            self._states = list(dask.compute(*self._tasks))
        else:
            self._compute_states()

    def _compute_states(self):
        """The states on the workers: prepared, then every update so far replayed."""
        client = self._client
        self._states = client.compute(self._tasks)
        for function, args in self._updates:
            self._states = client.map(function, self._states, *self._shared(args), pure=False)
        self._settle(replay=False)

    def _settle(self, replay=True):
        """Wait for the states (nothing is fetched); raise if a task failed, rebuild if lost."""
        from distributed import wait

        wait(self._states)
        for future in self._states:
            if future.status == "error":
                raise _cluster_failure(future.exception())
        if replay and self._states_lost():
            self._compute_states()

    def _shared(self, args):
        """Each argument as one list entry per shard: small ones travel inside the tasks
        (no extra round trip), large ones are sent once to every worker."""
        scatter = self._client.scatter
        return [
            [arg if _small(arg) else scatter(arg, broadcast=True, hash=False)] * self.n_shards
            for arg in args
        ]

    def update(self, function, *args):
        """Replace every state by ``function(state, *args)``, computed where the states are.

        For state that changes during a fit (e.g. an active set re-searched
        under the current parameters). The updates are remembered, so that
        states lost with a worker are rebuilt as they were.
        """
        if self._client is None:
            self._states = [function(state, *args) for state in self._states]
            return
        self._updates.append((function, args))
        if self._states_lost():
            self._compute_states()
            return
        self._states = self._client.map(function, self._states, *self._shared(args), pure=False)
        self._settle()

    def _states_lost(self):
        return any(future.status != "finished" for future in self._states)

    def map(self, function, *args, per_shard=None):
        """``[function(state, *args) for state in shards]``, computed where the states are.

        ``args`` are small (the current parameters): with a client they travel
        inside the tasks (above 1 MiB, sent once to every worker per call).
        ``per_shard``, if given, holds one tuple of arguments per shard, passed
        after ``args`` to that shard only (e.g. its slice of a vector over the
        constraints). States lost with a worker are recomputed from their task
        graph once, and the call repeated.
        """
        per_shard = [()] * self.n_shards if per_shard is None else list(per_shard)
        if self._client is None:
            return [
                function(state, *args, *own)
                for state, own in zip(self._states, per_shard, strict=True)
            ]
        client = self._client

        def run():
            own = [
                column if all(_small(arg) for arg in column) else client.scatter(column, hash=False)
                for column in map(list, zip(*per_shard, strict=True))
            ]
            return client.gather(
                client.map(function, self._states, *self._shared(args), *own, pure=False)
            )

        try:
            return run()
        except Exception as error:
            if not self._states_lost():
                raise _cluster_failure(error) from error
        self._compute_states()
        try:
            return run()
        except Exception as error:
            raise _cluster_failure(error) from error

    def sum(self, function, *args, per_shard=None):
        """The sum over shards of ``function(state, *args)`` (tuples summed item by item)."""
        return _tree_sum(self.map(function, *args, per_shard=per_shard))
