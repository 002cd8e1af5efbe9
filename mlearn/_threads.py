"""The one BLAS-thread policy: small products run on one thread.

The solvers' hot products are n × d by d × d (or tiles of ≤ 4096 columns) with
d in the tens to low hundreds, and d × d eigendecompositions. At that size a
threaded BLAS spends more on waking and synchronising its threads than it saves:
on the 2-core development machine, a fit with d = 64 ran 5× faster on one
thread than on two, and LMNN on 100,000 × 50 took 16.7 s of CPU on one thread
against 70 s on two. ``benchmarks/blas_threads.py`` measures the crossover of the
products themselves; above it the caller's thread setting is left alone.
"""

from contextlib import nullcontext

from threadpoolctl import threadpool_limits

# Above this many features the d × d products are large enough to gain from threads
# (benchmarks/blas_threads.py).
SINGLE_THREAD_MAX_FEATURES = 256


def blas_threads_for(n_features):
    """A context manager running BLAS on one thread when ``n_features`` is small.

    Use it around a whole fit: ``with blas_threads_for(X.shape[1]): ...``.
    """
    if n_features <= SINGLE_THREAD_MAX_FEATURES:
        return threadpool_limits(limits=1, user_api="blas")
    return nullcontext()
