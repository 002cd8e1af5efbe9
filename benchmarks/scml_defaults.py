"""SCMLSupervised's defaults: kNN accuracy, objective and fit time per setting.

On the four datasets bundled with scikit-learn, stratified 5-fold cross-validation
(shuffled, ``random_state=0``); in each fold a min-max scaler and SCMLSupervised
(``random_state=0``) are fitted on the train part and a kNN classifier (k=3) in the
learned space is scored on the test part, as ``benchmarks/run.py`` does. Each row is one
setting: the learning rate ``gamma``, the stopping tolerance ``tol`` (None: all
``max_iter`` steps, as metric-learn) and the k-means restarts that place the local LDA
regions (metric-learn uses 10). The objective is F(w) of the returned weights on the
fold's triplets (lower is better; w = 0 gives 1). ``--held-out`` checks the chosen
defaults against metric-learn's on data not used to choose them: the 5,000 MNIST digits,
min-max scaled and reduced to 40 principal components on each train part.

    OPENBLAS_NUM_THREADS=1 python benchmarks/scml_defaults.py
    OPENBLAS_NUM_THREADS=1 python benchmarks/scml_defaults.py --held-out \\
        --datasets mnist_digits --folds 3
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if (_ROOT / "mlearn" / "__init__.py").is_file():
    sys.path.insert(0, str(_ROOT))

import numpy as np  # noqa: E402
from datasets import SHIPPED_DATASETS, load_dataset  # noqa: E402
from measure import knn_accuracy  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402

import mlearn  # noqa: E402
from mlearn.scml import _basis  # noqa: E402

# (label, SCMLSupervised parameters, k-means restarts)
SETTINGS = [
    ("metric-learn: gamma=5e-3, tol=None, 10 restarts", {"gamma": 5e-3, "tol": None}, 10),
    ("gamma=5e-3, tol=None, 1 restart", {"gamma": 5e-3, "tol": None}, 1),
    ("gamma=5e-2, tol=None, 1 restart", {"gamma": 5e-2, "tol": None}, 1),
    ("gamma=0.5, tol=None, 1 restart", {"gamma": 0.5, "tol": None}, 1),
    ("gamma=5, tol=None, 1 restart", {"gamma": 5.0, "tol": None}, 1),
    ("gamma=5e-2, tol=1e-3, 1 restart", {"gamma": 5e-2, "tol": 1e-3}, 1),
    ("gamma=0.5, tol=1e-3, 1 restart", {}, 1),
    ("gamma=0.5, tol=1e-3, 10 restarts", {}, 10),
    ("defaults: gamma=0.5, tol=1e-3, 3 restarts", {}, 3),
]
HELD_OUT = [SETTINGS[0], SETTINGS[-1]]


def run_setting(X, y, params, n_init, n_folds, pca=None):
    """Mean accuracy, mean objective, median fit seconds and mean steps over the folds."""
    _basis.KMEANS_N_INIT = n_init
    accuracies, objectives, seconds, steps = [], [], [], []
    folds = StratifiedKFold(n_folds, shuffle=True, random_state=0).split(X, y)
    for train, test in folds:
        scaler = MinMaxScaler().fit(X[train])
        X_train, X_test = scaler.transform(X[train]), scaler.transform(X[test])
        if pca is not None:
            reduce = PCA(pca, random_state=0).fit(X_train)
            X_train, X_test = reduce.transform(X_train), reduce.transform(X_test)
        model = mlearn.SCMLSupervised(random_state=0, **params)
        start = time.perf_counter()
        model.fit(X_train, y[train])
        seconds.append(time.perf_counter() - start)
        accuracies.append(
            knn_accuracy(model.transform(X_train), y[train], model.transform(X_test), y[test], 3)
        )
        objectives.append(model.objective_)
        steps.append(model.n_iter_)
    return np.mean(accuracies), np.mean(objectives), np.median(seconds), np.mean(steps)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(SHIPPED_DATASETS))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--held-out",
        action="store_true",
        help="only metric-learn's settings and the defaults, on PCA-40 of the dataset",
    )
    args = parser.parse_args(argv)
    settings, pca = (HELD_OUT, 40) if args.held_out else (SETTINGS, None)
    warnings.simplefilter("ignore", ConvergenceWarning)
    print("| dataset | setting | kNN accuracy | objective | fit s | steps |")
    print("|---|---|---|---|---|---|")
    for name in args.datasets:
        X, y = load_dataset(name)
        for label, params, n_init in settings:
            acc, obj, sec, steps = run_setting(X, y, params, n_init, args.folds, pca)
            print(
                f"| {name} | {label} | {acc:.4f} | {obj:.4f} | {sec:.3f} | {steps:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
