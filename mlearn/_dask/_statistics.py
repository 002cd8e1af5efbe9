"""Statistics of a dask array computed on the cluster: only a d × d matrix travels."""

import numpy as np

from ..psd import inverse_covariance_components, metric_from_components


def _inverse_covariance(rows):
    return metric_from_components(inverse_covariance_components(np.asarray(rows, dtype=np.float64)))


def inverse_covariance_on_cluster(X, used=None):
    """A callable giving the inverse covariance of the rows ``used`` of the dask array X
    (all rows if None), computed on one worker: the rows never reach the driver."""
    import dask

    rows = X.rechunk({1: -1})
    if used is not None:
        rows = rows[np.asarray(used)]

    def inverse_covariance():
        return dask.compute(dask.delayed(_inverse_covariance)(rows))[0]

    return inverse_covariance
