"""Per-shard state kept on the workers where it was computed, and maps over it."""


def current_client():
    """The active ``distributed`` client, or None (then shards live in this process)."""
    try:
        from distributed import get_client
    except ImportError:
        return None
    try:
        return get_client()
    except ValueError:
        return None


def tree_sum(parts):
    """Elementwise sum of equally shaped results (numbers, arrays, or tuples of them)."""
    parts = list(parts)
    if isinstance(parts[0], tuple):
        return tuple(tree_sum(column) for column in zip(*parts, strict=True))
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
        self._client = current_client()
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
        return tree_sum(self.map(function, *args, per_shard=per_shard))
