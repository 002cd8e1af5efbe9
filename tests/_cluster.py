"""The Dask tests' cluster: two single-threaded worker processes on this machine."""

from contextlib import contextmanager


@contextmanager
def two_worker_client():
    """A ``distributed.Client`` on a fresh two-worker ``LocalCluster``, closed on exit."""
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=40,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def labelled_points(n=1200, d=5, seed=0):
    """Three classes shifted along two features, the features on different scales."""
    import numpy as np

    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, d)
    X[:, 0] += 2.0 * y
    X[:, 1] -= 1.5 * y
    return X, y


def _only_on_a_worker(block):
    """Passes X's blocks through, but only inside a worker: computing one on the driver fails."""
    import distributed

    if block.shape[0] > 1:  # dask probes with tiny blocks to infer metadata
        distributed.get_worker()  # raises ValueError outside a worker
    return block


def dask_points(X, rows=150, guard=False):
    """X as a dask array of ``rows``-row blocks; ``guard``: its blocks compute on workers only."""
    import dask.array as da

    lazy = da.from_array(X, chunks=(rows, 3))
    return lazy.map_blocks(_only_on_a_worker, meta=X[:0]) if guard else lazy
