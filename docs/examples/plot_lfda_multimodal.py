"""
LFDA keeps a multimodal class's clusters apart
==============================================

Class 0 below is made of two clusters at opposite ends of feature 0, class 1 sits between
them, and the other three features are noise. Both classes have the same mean, so Fisher's
discriminant (LDA), which pulls every pair of a class together, has no direction to go on and
mixes the classes. :class:`mlearn.LFDA` weights each pair of a class by its affinity, so only
nearby points are pulled together: the two clusters of class 0 stay apart, on either side of
class 1, and a nearest-neighbour classifier separates the classes in its 2-D embedding.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from mlearn import LFDA
from mlearn.plotting import plot_embedding

rng = np.random.default_rng(0)
n = 300
y = np.arange(n) % 2
side = np.where((np.arange(n) // 2) % 2 == 0, -1.0, 1.0)
X = rng.normal(size=(n, 4)) * [0.5, 2.0, 2.0, 2.0]
X[:, 0] += np.where(y == 0, 4.0 * side, 0.0)

knn = KNeighborsClassifier(n_neighbors=3)
for name, reducer in [
    ("LDA", LinearDiscriminantAnalysis(n_components=1)),
    ("LFDA", LFDA(n_components=2)),
]:
    accuracy = cross_val_score(make_pipeline(reducer, knn), X, y, cv=5).mean()
    print(f"3-NN accuracy after {name}: {accuracy:.2f}")

# %%
# The LFDA embedding: class 0's two clusters on either side of class 1.
fig, axes = plt.subplots(1, 2, figsize=(9, 4))
plot_embedding(None, X[:, 1:3], y, ax=axes[0], title="two noise features")
plot_embedding(LFDA(n_components=2).fit(X, y), X, y, ax=axes[1], title="LFDA, 2 components")
fig.tight_layout()
