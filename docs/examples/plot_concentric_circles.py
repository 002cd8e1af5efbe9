"""
When a linear metric is not enough
==================================

On concentric circles (:func:`mlearn.datasets.make_concentric_circles`) every class has the
same mean and no linear map L pulls a ring together while pushing the others away: kNN on the
plane is already as good as a Mahalanobis metric gets, and extra noise features hurt it.
Whitening makes things worse here: it gives the noise features the same variance as the
circle coordinates. What helps is a learner that gives the noise features weight zero, or a
kernel learner that can unroll the rings: :class:`mlearn.LMNN` learns to ignore the noise
features, and :class:`mlearn.KernelLMNN` learns a metric in an RBF feature space (its ``gamma``
chosen from the data by the median heuristic), in which a ring is a tight cluster.
"""

from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from mlearn import LMNN, Covariance, KernelLMNN
from mlearn.datasets import make_concentric_circles
from mlearn.plotting import plot_embedding

X, y = make_concentric_circles(n_samples=450, noise=0.1, n_noise_features=2, random_state=0)
knn = KNeighborsClassifier(n_neighbors=3)
plane = cross_val_score(knn, X[:, :2], y, cv=5).mean()
everything = cross_val_score(knn, X, y, cv=5).mean()
whitened = cross_val_score(make_pipeline(Covariance(), knn), X, y, cv=5).mean()
lmnn = cross_val_score(make_pipeline(LMNN(random_state=0), knn), X, y, cv=5).mean()
kernel = cross_val_score(make_pipeline(KernelLMNN(random_state=0), knn), X, y, cv=5).mean()
print(
    f"3-NN accuracy (5-fold CV): plane only {plane:.3f}, with noise {everything:.3f}, "
    f"whitened {whitened:.3f}, LMNN {lmnn:.3f}, KernelLMNN {kernel:.3f}"
)

# %%
# The two circle coordinates, coloured by class.
ax = plot_embedding(None, X[:, :2], y, title="the circle coordinates")

# %%
# The first two coordinates of KernelLMNN's embedding, fitted on all points: the rings, which
# no linear map pulls apart, become separate clusters.
model = KernelLMNN(n_components=2, random_state=0).fit(X, y)
ax = plot_embedding(model, X, y, title="KernelLMNN, 2 components")
