"""The push weight μ of MultiMetricLMNN and KernelLMNN: their former 0.5 against LMNN's 0.1.

For each learner and each ``--push-weights`` value, stratified 5-fold cross-validation
(shuffled with each of ``--seeds``) on iris, wine, breast cancer and digits, min-max scaled
per fold (as ``benchmarks/lmnn_scale.py --case small``), and on the check set not used to
choose: 2,000 of the 5,000 MNIST digits (:func:`mlearn.datasets.load_mnist_digits`, pixels
/ 255, PCA to 30 fitted on each training fold; ``--with-mnist``); with ``--only regional``,
:func:`mlearn.datasets.make_regional_directions` (600 points, ``random_state=0``), the data
MultiMetricLMNN is for. Scored by the accuracy of
the learner's 3-NN classifier on the held-out fold (``KNeighborsClassifier(3)`` on the
embedding; MultiMetricLMNN by its own ``score``). Each row: mean and standard deviation over
all folds of all seeds, the mean and standard deviation of the paired difference to the
first push weight on the same folds, and the median fit CPU time. Run on one core::

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 \\
        python benchmarks/lmnn_push_weight.py --learners multimetric kernel --with-mnist
"""

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def folds(seeds, with_mnist, only=None):
    """(data, X_train, X_test, y_train, y_test) for every fold of every seed."""
    from sklearn.decomposition import PCA
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import MinMaxScaler

    from mlearn.datasets import load_dataset, load_mnist_digits, make_regional_directions

    names = ["iris", "wine", "breast_cancer", "digits"] + (["mnist2000"] if with_mnist else [])
    for name in only or names:
        if name == "regional":
            X, y = make_regional_directions(600, random_state=0)
        elif name == "mnist2000":
            X, y = load_mnist_digits()
            rows = np.random.default_rng(0).permutation(X.shape[0])[:2000]
            X, y = X[rows] / 255.0, y[rows]
        else:
            X, y = load_dataset(name)
        for seed in seeds:
            for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y):
                if name == "mnist2000":
                    pca = PCA(30, random_state=0).fit(X[train])
                    A, B = pca.transform(X[train]), pca.transform(X[test])
                else:
                    scaler = MinMaxScaler().fit(X[train])
                    A, B = scaler.transform(X[train]), scaler.transform(X[test])
                yield name, A, B, y[train], y[test]


def make(learner, push_weight):
    from mlearn import KernelLMNN, MultiMetricLMNN

    if learner == "multimetric":
        return MultiMetricLMNN(push_weight=push_weight, random_state=0)
    return KernelLMNN(push_weight=push_weight, random_state=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", nargs="+", default=["multimetric", "kernel"])
    parser.add_argument("--push-weights", type=float, nargs="+", default=[0.5, 0.1])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--with-mnist", action="store_true")
    parser.add_argument("--only", nargs="+", help="these data sets only (e.g. regional)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    # The multi-metric benchmark's scorer (3-NN accuracy on the held-out points, fit CPU s).
    from multimetric_lmnn import _score

    print("| learner | data | push_weight | 3-NN accuracy | − first (paired) | fit CPU s |")
    print("|---|---|---|---|---|---|")
    for learner in args.learners:
        results = {}  # (data, μ) -> [(accuracy, seconds)]
        for data, *split in folds(args.seeds, args.with_mnist, args.only):
            for mu in args.push_weights:
                results.setdefault((data, mu), []).append(_score(make(learner, mu), *split))
            if len(results[(data, args.push_weights[0])]) == 5 * len(args.seeds):
                first = np.array(results[(data, args.push_weights[0])])[:, 0]
                for mu in args.push_weights:
                    accuracy, seconds = np.array(results[(data, mu)]).T
                    delta = accuracy - first
                    print(
                        f"| {learner} | {data} | {mu} | {accuracy.mean():.4f} ± "
                        f"{accuracy.std():.4f} | {delta.mean():+.4f} ± {delta.std():.4f} "
                        f"| {np.median(seconds):.2f} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
