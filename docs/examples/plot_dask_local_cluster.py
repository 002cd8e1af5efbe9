"""
LMNN on a Dask cluster
======================

When the points do not fit in one machine's memory, they can live in a ``dask.array``
spread over a cluster, and the learners take that array as they take a numpy one:
:class:`mlearn.LMNN` searches each block's target neighbours and impostors on the worker that
holds it and sums the gradient there, so only d × d matrices travel; ``transform`` of a dask
array is lazy, block by block. Here the cluster is a :class:`~distributed.LocalCluster` of two
workers on this machine and the data a 10,000-point problem, so that the result can be checked
against the in-memory fit; on a real cluster only the ``Client`` line changes.
"""

import time

import dask.array as da
import numpy as np
from distributed import Client, LocalCluster
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from mlearn import LMNN

X, y = make_classification(
    n_samples=14000, n_features=20, n_informative=6, n_classes=4, random_state=0
)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=4000, random_state=0)

with LocalCluster(n_workers=2, threads_per_worker=1, processes=False) as cluster, Client(cluster):
    X_blocks = da.from_array(X_train, chunks=2500)  # four blocks, spread over the workers
    start = time.perf_counter()
    on_cluster = LMNN(random_state=0).fit(X_blocks, y_train)
    cluster_s = time.perf_counter() - start
    embedded = on_cluster.transform(da.from_array(X_test, chunks=2000))  # lazy
    Z_test = embedded.compute()

start = time.perf_counter()
in_memory = LMNN(random_state=0).fit(X_train, y_train)
memory_s = time.perf_counter() - start


def knn_accuracy(model, Z_test):
    knn = KNeighborsClassifier(n_neighbors=3).fit(model.transform(X_train), y_train)
    return knn.score(Z_test, y_test)


euclidean = KNeighborsClassifier(n_neighbors=3).fit(X_train, y_train).score(X_test, y_test)
print(f"held-out 3-NN accuracy: Euclidean {euclidean:.3f}")
print(f"  LMNN on the cluster   {knn_accuracy(on_cluster, Z_test):.3f}  (fit {cluster_s:.1f} s)")
print(
    f"  LMNN in memory        {knn_accuracy(in_memory, in_memory.transform(X_test)):.3f}"
    f"  (fit {memory_s:.1f} s)"
)
# The cluster fit searches neighbourhoods per block, so its metric is close to, not equal
# to, the in-memory one.
relative = np.linalg.norm(
    on_cluster.get_mahalanobis_matrix() - in_memory.get_mahalanobis_matrix()
) / np.linalg.norm(in_memory.get_mahalanobis_matrix())
print(f"relative difference of the two metrics: {relative:.3f}")
