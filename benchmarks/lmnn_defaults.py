"""The evidence for LMNN's defaults ``push_weight`` and ``n_passes``: a sweep on several problems.

For each problem and each push weight μ, one ``LMNN(n_passes=P, push_weight=μ)`` fit records the
metric at the end of every pass (it observes the evaluator's ``select_targets``, which each pass
after the first calls with the metric the previous pass learned), and prints the 3-NN accuracy
on held-out points after each pass, the fit's CPU time up to that pass, and how many target
neighbours the pass changed. The 3-NN references are the fitted points themselves (cheaper
than the references of ``benchmarks/lmnn_scale.py``, which are all the training points).

Problems (``--problem``):

- ``classification-S-I``: ``make_classification(n_samples=--n-fit + --n-test, 50 features,
  I informative, 10 classes, random_state=S)`` (the problem of ``benchmarks/lmnn_scale.py``),
  split stratified;
- ``fashion-D``: --n-fit Fashion-MNIST training images (pixels / 255, PCA to D fitted on
  them), scored on --n-test test images;
- ``mnist784``: the 5,000 MNIST digits of :func:`mlearn.datasets.load_mnist_digits` at 784
  dimensions (pixels / 255), a stratified 70/30 split;
- ``digits``: scikit-learn's digits (1,797 × 64, min-max scaled, 70/30), ``--n-fit`` ignored.

Run on one core::

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/lmnn_defaults.py \\
        --problem classification-0-10 --push-weights 0.5 0.2 0.1 --passes 4
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _split(X, y, n_fit, n_test, seed=0):
    from sklearn.model_selection import train_test_split

    X_fit, X_test, y_fit, y_test = train_test_split(
        X, y, train_size=n_fit, test_size=n_test, stratify=y, random_state=seed
    )
    return X_fit, X_test, y_fit, y_test


def load(problem, n_fit, n_test):
    """(X_fit, X_test, y_fit, y_test) of one problem."""
    if problem.startswith("classification"):
        from sklearn.datasets import make_classification

        _, seed, informative = problem.split("-")
        X, y = make_classification(
            n_samples=n_fit + n_test,
            n_features=50,
            n_informative=int(informative),
            n_classes=10,
            random_state=int(seed),
        )
        return _split(X, y, n_fit, n_test)
    if problem.startswith("fashion"):
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from lmnn_scale import FASHION_DIR, _read_idx
        from sklearn.decomposition import PCA

        def part(name):
            return _read_idx(os.path.join(FASHION_DIR, name))

        X = part("train-images-idx3-ubyte.gz").reshape(-1, 784)[:n_fit] / 255.0
        y = part("train-labels-idx1-ubyte.gz")[:n_fit].astype(int)
        X_test = part("t10k-images-idx3-ubyte.gz").reshape(-1, 784)[:n_test] / 255.0
        y_test = part("t10k-labels-idx1-ubyte.gz")[:n_test].astype(int)
        pca = PCA(n_components=int(problem.split("-")[1]), random_state=0).fit(X)
        return pca.transform(X), pca.transform(X_test), y, y_test
    if problem == "mnist784":
        from mlearn.datasets import load_mnist_digits

        X, y = load_mnist_digits()
        return _split(X / 255.0, y, 0.7, 0.3)
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import minmax_scale

    X, y = load_digits(return_X_y=True)
    return _split(minmax_scale(X), y, 0.7, 0.3)


def knn_accuracy(Z_fit, y_fit, Z_test, y_test, k=3):
    from sklearn.neighbors import KNeighborsClassifier

    return float(KNeighborsClassifier(k).fit(Z_fit, y_fit).score(Z_test, y_test))


def sweep(X_fit, X_test, y_fit, y_test, push_weight, passes):
    """(pass, 3-NN accuracy, cpu seconds, targets changed) after each pass of one fit."""
    from mlearn import LMNN
    from mlearn.lmnn._evaluator import RowBlockObjective

    seen, select = [], RowBlockObjective.select_targets

    def observed(self, L):
        seen.append((L.copy(), time.process_time()))
        select(self, L)
        seen[-1] += (self.target_changes()[0],)

    RowBlockObjective.select_targets = observed
    try:
        start = time.process_time()
        model = LMNN(n_passes=passes, push_weight=push_weight, random_state=0).fit(X_fit, y_fit)
        end = time.process_time()
    finally:
        RowBlockObjective.select_targets = select
    # The metric after pass p is the argument of the (p + 1)-th selection, or the result.
    metrics = [(L, t - start) for L, t, _ in seen[: model.n_passes_ - 1]]
    metrics.append((model.components_, end - start))
    changes = [c for _, _, c in seen] + [None]
    rows = []
    for p, (L, seconds) in enumerate(metrics):
        accuracy = knn_accuracy(X_fit @ L.T, y_fit, X_test @ L.T, y_test)
        rows.append((p + 1, accuracy, seconds, changes[p]))
    return rows, model


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problem", required=True)
    parser.add_argument("--n-fit", type=int, default=20_000)
    parser.add_argument("--n-test", type=int, default=5_000)
    parser.add_argument("--push-weights", type=float, nargs="+", default=[0.5, 0.2, 0.1])
    parser.add_argument("--passes", type=int, default=4)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    X_fit, X_test, y_fit, y_test = load(args.problem, args.n_fit, args.n_test)
    base = knn_accuracy(X_fit, y_fit, X_test, y_test)
    print(
        f"# {args.problem}: {X_fit.shape} fitted, {X_test.shape[0]} held out; "
        f"Euclidean 3-NN {base:.4f}; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    for mu in args.push_weights:
        rows, model = sweep(X_fit, X_test, y_fit, y_test, mu, args.passes)
        for p, accuracy, seconds, changed in rows:
            print(
                f"push_weight={mu:<5} pass {p}: 3-NN {accuracy:.4f}, cpu {seconds:6.1f} s, "
                f"targets changed after it {changed}",
                flush=True,
            )


if __name__ == "__main__":
    main()
