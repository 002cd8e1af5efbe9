"""k-means NMI/AMI: scikit-learn's scores of a seeded k-means with one cluster per class."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_mutual_info_score, normalized_mutual_info_score

from mlearn.metrics import kmeans_ami, kmeans_nmi


def _blobs(seed, spread):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), 30)
    return rng.normal(size=(90, 2)) * spread + np.array([[0, 0], [4, 0], [0, 4]])[y], y


def test_scores_equal_scikit_learn_on_the_same_seeded_kmeans():
    X, y = _blobs(0, spread=1.5)
    clusters = KMeans(n_clusters=3, n_init=10, random_state=0).fit_predict(X)
    assert kmeans_nmi(X, y) == pytest.approx(normalized_mutual_info_score(y, clusters), abs=1e-15)
    assert kmeans_ami(X, y) == pytest.approx(adjusted_mutual_info_score(y, clusters), abs=1e-15)
    assert 0.3 < kmeans_ami(X, y) < kmeans_nmi(X, y) < 1.0


def test_separated_classes_score_one_and_unrelated_labels_about_zero():
    X, y = _blobs(1, spread=0.1)
    assert kmeans_nmi(X, y) == kmeans_ami(X, y) == 1.0
    shuffled = np.random.default_rng(2).permutation(y)
    assert abs(kmeans_ami(X, shuffled)) < 0.05
    assert kmeans_nmi(X, y, n_clusters=6) < 1.0
