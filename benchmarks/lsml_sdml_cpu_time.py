"""CPU time of one LSMLSupervised / SDMLSupervised fit on digits, against metric-learn's.

On a shared machine wall-clock fit times of a few tens of milliseconds vary tenfold with the
load; the process CPU time of the same fit varies far less. This script times whole fits
(median of 9, ``time.process_time``) on digits scaled to [0, 1] with default parameters, one
BLAS thread, in this interpreter (mlearn) or in the peer's (metric-learn 0.7.0; SDML through
``peer_compat.py`` with the balance mlearn's 'auto' picks on digits, about 3.6e-4).

Usage (from the repository root)::

    OPENBLAS_NUM_THREADS=1 python benchmarks/lsml_sdml_cpu_time.py
    OPENBLAS_NUM_THREADS=1 .peer-venv/bin/python benchmarks/lsml_sdml_cpu_time.py --peer
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.preprocessing import minmax_scale
from threadpoolctl import threadpool_limits

REPEATS = 9


def cpu_ms(make, X, y):
    times = []
    for _ in range(REPEATS):
        start = time.process_time()
        make().fit(X, y)
        times.append(time.process_time() - start)
    return 1000 * float(np.median(times))


def main(peer):
    X, y = load_digits(return_X_y=True)
    X = minmax_scale(X)
    if peer:
        sys.path.insert(0, str(Path(__file__).parent))
        from metric_learn import LSML_Supervised as LSML
        from peer_compat import SDML_Supervised

        def SDML():
            return SDML_Supervised(balance_param=3.6e-4, random_state=0)

        library = "metric-learn"
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from mlearn import LSMLSupervised as LSML
        from mlearn import SDMLSupervised

        def SDML():
            return SDMLSupervised(random_state=0)

        library = "mlearn"
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore")
        lsml = cpu_ms(lambda: LSML(random_state=0), X, y)
        sdml = cpu_ms(SDML, X, y)
    print(f"| {library} | {lsml:.1f} | {sdml:.1f} |")


if __name__ == "__main__":
    main("--peer" in sys.argv[1:])
