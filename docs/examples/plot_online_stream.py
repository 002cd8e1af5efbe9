"""
Online ITML: learning a metric from a stream with partial_fit
=============================================================

When the data arrive in chunks, or are too many to hold, :meth:`mlearn.ITMLSupervised.partial_fit`
learns from one chunk at a time: each call draws pairs inside its chunk and projects the
current metric onto them (docs: *Online learning*), keeping only the metric between calls.
The stream here is :func:`mlearn.datasets.make_classification_stream`: five informative
features among twenty wide noise features, every feature on its own scale. Its first chunk
is held out (test queries and the kNN reference points); the held-out 5-NN accuracy is
measured after every chunk, against the Euclidean metric on the same points.
"""

import matplotlib.pyplot as plt
from sklearn.neighbors import KNeighborsClassifier

from mlearn import ITMLSupervised
from mlearn.datasets import make_classification_stream

stream = make_classification_stream(n_chunks=16, chunk_size=500, random_state=0)
X_held, y_held = next(stream)
(X_ref, y_ref), (X_test, y_test) = (X_held[:250], y_held[:250]), (X_held[250:], y_held[250:])


def held_out_accuracy(transform):
    knn = KNeighborsClassifier(5).fit(transform(X_ref), y_ref)
    return knn.score(transform(X_test), y_test)


euclidean = held_out_accuracy(lambda X: X)
learner = ITMLSupervised(random_state=0)
seen, accuracy = [], []
for X, y in stream:
    learner.partial_fit(X, y)
    seen.append(learner.n_samples_seen_)
    accuracy.append(held_out_accuracy(learner.transform))
print(f"held-out 5-NN accuracy: Euclidean {euclidean:.3f}")
print(f"ITML after {seen[0]:,} points {accuracy[0]:.3f}, after {seen[-1]:,} {accuracy[-1]:.3f}")
print(f"kept between calls: a {learner.components_.shape} metric, whatever the stream length")

# %%
# The first call is ``fit`` on the first chunk; every later chunk moves the metric further
# from the prior, at a cost per call that depends on the chunk alone.
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(seen, accuracy, marker="o", label="ITMLSupervised.partial_fit")
ax.axhline(euclidean, color="grey", linestyle="--", label="Euclidean")
ax.set_xlabel("points seen")
ax.set_ylabel("held-out 5-NN accuracy")
ax.legend()
fig.tight_layout()
plt.show()
