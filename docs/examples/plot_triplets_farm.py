"""
TripletSVM and FARM: a metric from relative comparisons, and the features that matter
=====================================================================================

A triplet (a, p, n) says "a is closer to p than to n": the supervision of ranking and of
crowd-sourced similarity judgements. :class:`mlearn.TripletSVM` (Schultz & Joachims 2003)
learns a metric that satisfies as many triplets as it can with a margin;
:class:`mlearn.FARM` (Ye et al. 2016) also learns a sparse weight per feature, which tells
which features the comparisons depend on. The data: 2 informative features among 8 of
noise ten times larger (:func:`mlearn.datasets.make_informative_noise`), so Euclidean
distance is mostly noise. The triplets are drawn from the training labels with
:func:`mlearn.constraints.random_triplets`; scores are on held-out points and triplets.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from mlearn import FARM, TripletSVM
from mlearn.constraints import random_triplets
from mlearn.datasets import make_informative_noise

X, y = make_informative_noise(n_samples=400, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
triplets = random_triplets(y_train, 600, random_state=0)
test_triplets = random_triplets(y_test, 600, random_state=1)

knn = KNeighborsClassifier(n_neighbors=3)
print(f"Euclidean   3-NN {knn.fit(X_train, y_train).score(X_test, y_test):.3f}")
# FARM alternates between M and w; its objective creeps down by ~1e-5 a step long after the
# weights have settled, so tol=1e-3 stops it when they have (the same weights to 0.05).
learners = [TripletSVM(preprocessor=X_train), FARM(preprocessor=X_train, tol=1e-3, random_state=0)]
for learner in learners:
    learner.fit(triplets)
    accuracy = knn.fit(learner.transform(X_train), y_train).score(learner.transform(X_test), y_test)
    satisfied = learner.score(X_test[test_triplets])
    name = type(learner).__name__
    print(f"{name:<11} 3-NN {accuracy:.3f}, held-out triplets satisfied {satisfied:.3f}")

# %%
# FARM's feature weights: the two informative features (0 and 1) carry the metric, the
# noise features are weighted (near) zero.
farm = learners[1]
fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
ax.bar(np.arange(X.shape[1]), farm.feature_weights_, color=["C0"] * 2 + ["0.6"] * 8)
ax.set_xticks(np.arange(X.shape[1]))
ax.set_xlabel("feature (0, 1 informative; 2–9 noise)")
ax.set_ylabel("FARM weight")
plt.show()
