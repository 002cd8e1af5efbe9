"""ITMLSupervised's kNN accuracy under four rules for its default thresholds (u, l).

mlearn's default (``bounds=None``) takes the 5th and 95th percentiles of the *squared*
distances between the training points, as the authors' code does; metric-learn 0.7.0 takes
those of the unsquared distances and compares them with squared ones. This runs both rules
and two others (the 1st percentile for u; the median for l) on the shipped sets scikit-learn
has, 10-fold CV (two shufflings, seeds 0 and 1, each fold's pairs drawn with the same seed),
min-max scaled per fold, 3-NN accuracy, one BLAS thread::

    OPENBLAS_NUM_THREADS=1 python benchmarks/itml_bounds_rules.py
"""

import sys
import warnings
from pathlib import Path

import numpy as np

RULES = {
    "squared 5-95 (mlearn's default)": None,
    "unsquared 5-95 as squared (metric-learn 0.7.0)": ("unsquared", (5, 95)),
    "squared 1-95": ("squared", (1, 95)),
    "squared 5-50": ("squared", (5, 50)),
}


def bounds(X, rule):
    """The thresholds (u, l) of ``rule`` for the training points X (None: the default)."""
    from sklearn.metrics import pairwise_distances

    if rule is None:
        return None
    kind, percentiles = rule
    distances = pairwise_distances(X)[np.triu_indices(X.shape[0], 1)]
    return np.percentile(distances**2 if kind == "squared" else distances, percentiles)


def main():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from sklearn import datasets
    from sklearn.model_selection import StratifiedKFold
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.preprocessing import MinMaxScaler
    from threadpoolctl import threadpool_limits

    from mlearn import ITMLSupervised

    warnings.simplefilter("ignore")  # the unconverged warnings of some rules' fits
    names = ("iris", "wine", "breast_cancer", "digits")
    print("| rule | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for label, rule in RULES.items():
        cells = []
        for name in names:
            X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
            scores = []
            for seed in (0, 1):
                folds = StratifiedKFold(10, shuffle=True, random_state=seed)
                for train, test in folds.split(X, y):
                    scaler = MinMaxScaler().fit(X[train])
                    X_train, X_test = scaler.transform(X[train]), scaler.transform(X[test])
                    model = ITMLSupervised(random_state=seed, bounds=bounds(X_train, rule))
                    with threadpool_limits(1):
                        model.fit(X_train, y[train])
                    knn = KNeighborsClassifier(3).fit(model.transform(X_train), y[train])
                    scores.append(knn.score(model.transform(X_test), y[test]))
            cells.append(f"{np.mean(scores):.4f}")
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
