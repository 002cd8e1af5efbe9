"""The one numba setup of the compiled kernels.

Every kernel is compiled with the same options: ``cache=True`` (compiled once per
machine, then loaded from disk), ``nogil=True`` (threads of a Dask worker run them
concurrently), and the ``fastmath`` flags ``reassoc`` and ``contract`` only, which
let LLVM vectorise reductions and fuse multiply-adds. No flag that assumes finite
values: several kernels must see NaN and infinity to guard against them.

Modules of kernels decorate with :func:`jit` and are imported from inside the
function that first needs them, so that ``import mlearn`` does not import numba
(about half a second).
"""

import numba

JIT_OPTIONS = {"cache": True, "nogil": True, "fastmath": {"reassoc", "contract"}}


def jit(function):
    """``function`` compiled by numba with :data:`JIT_OPTIONS` (on its first call)."""
    return numba.njit(**JIT_OPTIONS)(function)
