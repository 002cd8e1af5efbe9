"""The BLAS-thread policy: one thread for small products, the caller's setting otherwise."""

from threadpoolctl import threadpool_info

from mlearn._threads import SINGLE_THREAD_MAX_FEATURES, blas_threads_for


def _blas_threads():
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_small_problems_run_on_one_blas_thread_and_large_ones_are_left_alone():
    before = _blas_threads()
    with blas_threads_for(SINGLE_THREAD_MAX_FEATURES):
        assert all(n == 1 for n in _blas_threads())
    assert _blas_threads() == before
    with blas_threads_for(SINGLE_THREAD_MAX_FEATURES + 1):
        assert _blas_threads() == before
