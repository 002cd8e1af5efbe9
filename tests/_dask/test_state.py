"""ShardedState: per-shard state on the workers, maps and sums over it, failures."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from mlearn._dask import ShardedState, row_blocks  # noqa: E402

from .._cluster import two_worker_client  # noqa: E402


def _shard_sums(state, w):
    offset, X_block, y_block = state
    return X_block.T @ (X_block @ w), float(y_block.sum()), offset


def _raise_on_second_shard(state, w):
    if state[0] > 0:
        raise ArithmeticError("bad shard")
    return 0.0


def _scale_block(state, factor):
    offset, X_block, y_block = state
    return offset, factor * X_block, y_block


def _raise_in_prepare(offset, X_block, y_block):
    if offset > 0:
        raise ArithmeticError("bad shard")
    return X_block


def test_sharded_state_sums_over_shards_locally_and_on_a_cluster():
    pytest.importorskip("distributed")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(103, 3)), rng.integers(0, 5, 103)
    w = rng.normal(size=3)

    def prepare(offset, X_block, y_block):
        return offset, X_block, y_block

    blocks = row_blocks(da.from_array(X, chunks=(20, 2)), da.from_array(y, chunks=7))
    assert [b[0] for b in blocks] == [0, 20, 40, 60, 80, 100]
    local = ShardedState(blocks, prepare)
    parts = local.map(lambda state, w: state[1] @ w, w)
    np.testing.assert_allclose(np.concatenate(parts), X @ w, rtol=1e-13)
    with two_worker_client() as client:
        on_cluster = ShardedState(row_blocks(da.from_array(X, chunks=(20, 3)), y), prepare)
        total = on_cluster.sum(_shard_sums, w)
        np.testing.assert_allclose(total[0], X.T @ (X @ w), rtol=1e-12)
        assert total[1] == y.sum() and total[2] == sum(range(0, 101, 20))
        # The sum is taken in shard order on the driver: the local one up to rounding.
        np.testing.assert_allclose(total[0], local.sum(_shard_sums, w)[0], rtol=1e-14)
        # An update changes the states where they are.
        on_cluster.update(_scale_block, 2.0)
        local.update(_scale_block, 2.0)
        np.testing.assert_allclose(local.sum(_shard_sums, w)[0], 4 * total[0], rtol=1e-14)
        np.testing.assert_allclose(on_cluster.sum(_shard_sums, w)[0], 4 * total[0], rtol=1e-14)
        # A worker lost between two iterations: its states are rebuilt, updates replayed.
        client.restart_workers([next(iter(client.scheduler_info()["workers"]))], timeout=300)
        np.testing.assert_allclose(on_cluster.sum(_shard_sums, w)[0], 4 * total[0], rtol=1e-14)
        on_cluster.update(_scale_block, 0.5)
        np.testing.assert_allclose(on_cluster.sum(_shard_sums, w)[0], total[0], rtol=1e-14)
        with pytest.raises(RuntimeError, match="failed on the cluster.*bad shard"):
            ShardedState(row_blocks(da.from_array(X, chunks=(20, 3)), y), _raise_in_prepare)
        # A task that raises stops the fit with a clear error, never a partial sum.
        with pytest.raises(RuntimeError, match="failed on the cluster.*bad shard"):
            on_cluster.sum(_raise_on_second_shard, w)
