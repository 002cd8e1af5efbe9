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
