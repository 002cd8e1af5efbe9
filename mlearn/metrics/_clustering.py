"""Clustering scores of an embedding: NMI and AMI of k-means against the classes."""

import numbers

from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_mutual_info_score, normalized_mutual_info_score
from sklearn.utils._param_validation import Interval, validate_params

from .._validation import check_class_labels, check_points


def _kmeans_clusters(X, y, n_clusters, random_state):
    X = check_points(X)
    classes, encoded = check_class_labels(y, X.shape[0], min_classes=1)
    n_clusters = classes.shape[0] if n_clusters is None else n_clusters
    kmeans = KMeans(n_clusters=n_clusters, n_init=10, random_state=random_state)
    return encoded, kmeans.fit_predict(X)


_KMEANS_CONSTRAINTS = {
    "X": ["array-like"],
    "y": ["array-like"],
    "n_clusters": [Interval(numbers.Integral, 1, None, closed="left"), None],
    "random_state": ["random_state"],
}


@validate_params(_KMEANS_CONSTRAINTS, prefer_skip_nested_validation=True)
def kmeans_nmi(X, y, *, n_clusters=None, random_state=0):
    """Normalised mutual information between the classes and a k-means clustering of X.

    k-means (scikit-learn's, 10 restarts) with one cluster per class unless ``n_clusters``
    says otherwise; then ``sklearn.metrics.normalized_mutual_info_score`` (arithmetic mean
    normalisation), as the deep metric learning literature reports NMI.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The embedding.
    y : array-like of shape (n_samples,)
        The class labels.
    n_clusters : int, default=None
        The number of clusters; None means the number of classes.
    random_state : int, RandomState instance or None, default=0
        Seeds k-means; the default makes the score reproducible.

    Returns
    -------
    score : float
        In [0, 1]; 1 when the clusters are the classes.

    Examples
    --------
    >>> from mlearn.metrics import kmeans_nmi
    >>> kmeans_nmi([[0.0], [0.1], [5.0], [5.1]], ["a", "a", "b", "b"])
    1.0
    """
    labels, clusters = _kmeans_clusters(X, y, n_clusters, random_state)
    return float(normalized_mutual_info_score(labels, clusters))


@validate_params(_KMEANS_CONSTRAINTS, prefer_skip_nested_validation=True)
def kmeans_ami(X, y, *, n_clusters=None, random_state=0):
    """Adjusted mutual information between the classes and a k-means clustering of X.

    As `kmeans_nmi`, with ``sklearn.metrics.adjusted_mutual_info_score``: the mutual
    information corrected for chance, so a clustering unrelated to the classes scores about 0
    whatever the number of clusters.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The embedding.
    y : array-like of shape (n_samples,)
        The class labels.
    n_clusters : int, default=None
        The number of clusters; None means the number of classes.
    random_state : int, RandomState instance or None, default=0
        Seeds k-means; the default makes the score reproducible.

    Returns
    -------
    score : float
        At most 1; 1 when the clusters are the classes, about 0 by chance.

    Examples
    --------
    >>> from mlearn.metrics import kmeans_ami
    >>> kmeans_ami([[0.0], [0.1], [5.0], [5.1]], ["a", "a", "b", "b"])
    1.0
    """
    labels, clusters = _kmeans_clusters(X, y, n_clusters, random_state)
    return float(adjusted_mutual_info_score(labels, clusters))
