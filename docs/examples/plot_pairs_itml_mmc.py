"""
ITML and MMC: a metric from similar and dissimilar pairs
========================================================

Often there are no class labels, only statements that two points are alike or not (two
photos of one person, two reviews of one product). :class:`mlearn.ITML` (Davis et al. 2007)
and :class:`mlearn.MMC` (Xing et al. 2002) learn from such pairs. Here the pairs are drawn from
the breast-cancer labels with :func:`mlearn.constraints.similar_dissimilar_pairs`, as index
pairs into the training points (``preprocessor=X_train``), and the learned metric is judged
twice on held-out data: how well it tells held-out similar pairs from dissimilar ones (ROC AUC
of the pair distance), and the 3-NN accuracy it gives.
"""

from sklearn.datasets import load_breast_cancer
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from mlearn import ITML, MMC
from mlearn.constraints import similar_dissimilar_pairs

X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
pairs, pair_labels = similar_dissimilar_pairs(y_train, 300, random_state=0)
test_pairs, test_labels = similar_dissimilar_pairs(y_test, 300, random_state=1)


def held_out_scores(transform):
    """Pair ROC AUC on held-out pairs and 3-NN accuracy on held-out points."""
    Z_train, Z_test = transform(X_train), transform(X_test)
    distance = ((Z_test[test_pairs[:, 0]] - Z_test[test_pairs[:, 1]]) ** 2).sum(axis=1)
    auc = roc_auc_score(test_labels, -distance)
    knn = KNeighborsClassifier(n_neighbors=3).fit(Z_train, y_train)
    return auc, knn.score(Z_test, y_test)


print("                 pair ROC AUC   3-NN accuracy")
auc, accuracy = held_out_scores(lambda Z: Z)
print(f"Euclidean        {auc:.3f}          {accuracy:.3f}")
for learner in (
    ITML(preprocessor=X_train, random_state=0),
    MMC(preprocessor=X_train, random_state=0),
):
    learner.fit(pairs, pair_labels)
    name = type(learner).__name__
    auc, accuracy = held_out_scores(learner.transform)
    print(f"{name:<17}{auc:.3f}          {accuracy:.3f}")

# %%
# A pairs learner also classifies pairs: ``predict`` says +1 (similar) when the distance is
# below ``threshold_``, calibrated on the training pairs.
accuracy = (learner.predict(X_test[test_pairs]) == test_labels).mean()
print(f"{name} says 'similar' or 'dissimilar' correctly on {accuracy:.0%} of held-out pairs")
