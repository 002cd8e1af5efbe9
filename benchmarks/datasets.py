"""The benchmark datasets: the four classification sets bundled with scikit-learn.

They ship inside scikit-learn, so the benchmark never downloads anything.
"""

from typing import NamedTuple

from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler, StandardScaler

DATASETS = {
    "iris": load_iris,
    "wine": load_wine,
    "breast_cancer": load_breast_cancer,
    "digits": load_digits,
}

SCALERS = {
    "none": None,
    "standard": StandardScaler,
    "minmax": MinMaxScaler,
}


class DataSplit(NamedTuple):
    """A train/test split, scaled with statistics of the train part only."""

    X_train: object
    X_test: object
    y_train: object
    y_test: object


def load_dataset(name):
    """Return ``(X, y)`` of the bundled dataset ``name`` as float64 and integer arrays."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    bunch = DATASETS[name]()
    return bunch.data.astype("float64"), bunch.target


def scaled_train_test_split(X, y, scale="none", test_size=0.3, random_state=0):
    """Split stratified 70/30 and scale both parts with a scaler fitted on the train part.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    scale : {"none", "standard", "minmax"}, default="none"
    test_size : float, default=0.3
    random_state : int, default=0

    Returns
    -------
    DataSplit
    """
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=random_state
    )
    scaler_class = SCALERS[scale]
    if scaler_class is not None:
        scaler = scaler_class().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    return DataSplit(X_train, X_test, y_train, y_test)
