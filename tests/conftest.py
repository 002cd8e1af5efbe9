"""Fixtures shared by the test packages."""

import pytest


@pytest.fixture(scope="module")
def client():
    """A ``distributed.Client`` on a two-worker LocalCluster, one per test module.

    Modules that also test without a client put those tests first: once started, the
    module's cluster is the default scheduler of every later dask computation.
    """
    from ._cluster import two_worker_client

    with two_worker_client() as client:
        yield client
