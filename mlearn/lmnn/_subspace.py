"""The principal subspace in which ``LMNN()`` learns its map on many features.

With ``n_components=None`` and ``init='auto'`` on more than 256 features, LMNN learns
L = W P: P holds the principal axes of the training points whose variance is at least
``MIN_VARIANCE_RATIO`` of the largest one, W is square and learned (from the identity,
the PCA start). The axes left out are those along which the points barely spread (the
border pixels of an image): a map free to use them separates the training points along
them and fits noise (1,000 MNIST digits: 3-NN 0.64 from the 64 leading principal axes
with free rows, 0.89 within the subspace; ``benchmarks/lmnn_high_dim.py``).
"""

import numpy as np
import scipy.linalg

from .._init import disparate_feature_scales
from .._validation import is_dask_array

#: Principal axes of variance below this fraction of the largest are left out. Chosen on
#: MNIST-5k, 1,000 of its digits and 5,000 Fashion-MNIST images at 784 dimensions, 3-NN on
#: held-out points: 0.01 (99, 98 and 31 axes) 0.954, 0.893, 0.819; 0.003 0.954, 0.883,
#: 0.820; 0.001 0.949, 0.853, 0.833; the best mean and the fewest axes. Checked on the
#: informative-plus-noise problem of ``benchmarks/lmnn_high_dim.py``, whose flat spectrum
#: keeps every axis (the former full-rank fit, unchanged).
MIN_VARIANCE_RATIO = 0.01


def principal_basis(X):
    """The rows P (r × n_features, float64) of the subspace, or None when it is all of it.

    On features in different units (the 'auto' start's test,
    :func:`mlearn._init.disparate_feature_scales`), the axes are those of the
    standardised points, P then acting on the raw ones (its columns divided by
    the spreads). X may be a dask array: the mean and the scatter are then
    summed on the cluster, two passes over the blocks.
    """
    mean = _computed(X.mean(axis=0)).astype(np.float64)
    centred = X - mean.astype(X.dtype)
    scatter = _computed(centred.T @ centred).astype(np.float64) / X.shape[0]
    scales = disparate_feature_scales(np.sqrt(np.maximum(np.diag(scatter), 0.0)))
    if scales is not None:
        scatter = scatter / np.outer(scales, scales)
    variances, axes = scipy.linalg.eigh(scatter)
    variances, axes = variances[::-1], axes[:, ::-1]
    kept = int(np.count_nonzero(variances >= MIN_VARIANCE_RATIO * variances[0]))
    if kept == X.shape[1]:
        return None
    basis = axes[:, : max(kept, 1)].T
    return basis if scales is None else basis / scales


def _computed(a):
    return a.compute() if is_dask_array(a) else np.asarray(a)
