"""
One metric per region: MultiMetricLMNN where one global metric cannot do well
==============================================================================

Two regions lie far apart on feature 5. In region 0 the classes differ along feature 0 only
and features 1 to 4 are noise; in region 1 the classes differ along feature 1 only. One
global metric has to keep both features 0 and 1 (each is the signal somewhere), so each
region's noise feature blurs its neighbourhoods. :class:`mlearn.MultiMetricLMNN` splits the
training points by k-means and learns one metric per cluster, jointly, each distance measured
with the metric of the point it is measured to: region 0's metric stretches feature 0 and
shrinks feature 1, region 1's the reverse. Euclidean kNN, LMNN and MultiMetricLMNN are scored
by 3-NN accuracy on held-out points.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from mlearn import LMNN, MultiMetricLMNN
from mlearn.datasets import make_regional_directions

X, y = make_regional_directions(600, n_regions=2, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)

euclidean = KNeighborsClassifier(3).fit(X_train, y_train).score(X_test, y_test)
lmnn = LMNN(random_state=0).fit(X_train, y_train)
knn = KNeighborsClassifier(3).fit(lmnn.transform(X_train), y_train)
lmnn_accuracy = knn.score(lmnn.transform(X_test), y_test)
multi = MultiMetricLMNN(n_metrics=2, random_state=0).fit(X_train, y_train)
print(
    f"3-NN held-out accuracy: Euclidean {euclidean:.3f}, LMNN {lmnn_accuracy:.3f}, "
    f"MultiMetricLMNN {multi.score(X_test, y_test):.3f}"
)

# %%
# Each region's points on features 0 and 1, with the unit ball of the metric learned for its
# cluster (solid) and of LMNN's global metric (dashed), restricted to those two features: the
# ball is short along the direction that tells the classes apart there.


def unit_ball(M, centre, ax, **style):
    """The ellipse {u : (u − centre)ᵀ M (u − centre) = 1} of a 2 × 2 metric."""
    w, V = np.linalg.eigh(M)
    angle = np.linspace(0, 2 * np.pi, 200)
    circle = np.stack([np.cos(angle), np.sin(angle)]) / np.sqrt(np.maximum(w, 1e-12))[:, None]
    ellipse = V @ circle
    ax.plot(centre[0] + ellipse[0], centre[1] + ellipse[1], **style)


metrics = multi.get_mahalanobis_matrices()
fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
# The clusters in the order of their regions (k-means numbers them at random).
for region, (c, ax) in enumerate(zip(np.argsort(multi.cluster_centers_[:, -1]), axes, strict=True)):
    members = multi.labels_ == c
    points = X_train[members]
    ax.scatter(points[:, 0], points[:, 1], c=y_train[members], cmap="coolwarm", s=12)
    centre = points[:, :2].mean(axis=0)
    unit_ball(metrics[c][:2, :2], centre, ax, color="k", label="its cluster's metric")
    global_metric = lmnn.get_mahalanobis_matrix()[:2, :2]
    unit_ball(global_metric, centre, ax, color="k", ls="--", label="LMNN's metric")
    ax.set_title(f"cluster {c} (region {region}): signal on feature {region}")
    ax.set_xlabel("feature 0")
    ax.set_ylabel("feature 1")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(loc="upper right", fontsize=8)
fig.tight_layout()
plt.show()
