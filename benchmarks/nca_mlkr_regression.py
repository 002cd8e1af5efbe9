"""MLKR against the Euclidean metric, for the regressor MLKR trains and for kNN regression.

MLKR (Weinberger & Tesauro 2007) learns L for Nadaraya–Watson kernel regression,
ŷ(x) = Σ_j k(x, x_j) y_j / Σ_j k(x, x_j) with k(x, x') = exp(−‖L(x − x')‖²). For each
dataset and split (70 / 30, min-max scaled on the train part) this reports the held-out R² of

- kernel regression with the learned L ("MLKR kernel"), and in the Euclidean metric with the
  bandwidth MLKR starts from (L = I, "Euclidean kernel, L = I") and with the best isotropic
  bandwidth (L = I / σ, σ chosen by the leave-one-out error on the train part over a grid,
  "Euclidean kernel, best σ"): the claim MLKR makes is about this regressor;
- kNN regression (k = 10) in the learned and in the Euclidean metric.

for several ``init`` / ``n_components`` settings of MLKR, and the mean over the splits.
Everything here is generated or shipped with scikit-learn (``load_diabetes``,
``make_friedman1/2/3``); nothing is downloaded.

Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/nca_mlkr_regression.py [--splits 5]
        [--out benchmarks/results/nca/mlkr_regression.md]
"""

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# (name, maker parameters): the sets the default was chosen on, then the check set.
DATASETS = {
    "diabetes": None,
    "friedman1": {"noise": 0.0},
    "friedman1, noise 1": {"noise": 1.0},
    "friedman2, noise 100": {"noise": 100.0},
    "friedman3, noise 0.1": {"noise": 0.1},
}
CHECK_DATASETS = {
    "regression (20 features, 5 informative), noise 50": {
        "n_features": 20,
        "n_informative": 5,
        "noise": 50.0,
    },
    # Nothing to learn: y is noise independent of X (10 uniform features).
    "noise target": None,
}
SETTINGS = {
    "early_stopping=False": {"early_stopping": False},
    "default (early stopping, 0.2 held out, 10 iterations)": {},
    "early stopping, 0.1 held out": {"validation_fraction": 0.1},
    "early stopping, 0.3 held out": {"validation_fraction": 0.3},
    "early stopping, 5 iterations": {"n_iter_no_change": 5},
    "early stopping, 20 iterations": {"n_iter_no_change": 20},
}
BANDWIDTHS = np.geomspace(0.05, 5.0, 25)


def load(name, seed):
    from sklearn import datasets
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler

    if name == "diabetes":
        X, y = datasets.load_diabetes(return_X_y=True)
    elif name == "noise target":
        rng = np.random.default_rng(seed)
        X, y = rng.uniform(size=(400, 10)), rng.normal(size=400)
    else:
        params = {**DATASETS, **CHECK_DATASETS}[name]
        maker = "regression" if name.startswith("regression") else name.split(",")[0]
        X, y = getattr(datasets, f"make_{maker}")(400, random_state=seed, **params)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=seed)
    scaler = MinMaxScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def kernel_regression(Z_train, y_train, Z_query, leave_one_out=False):
    """Nadaraya–Watson estimates at the query rows with the kernel exp(−‖z − z'‖²)."""
    D = np.sum(Z_query**2, 1)[:, None] + np.sum(Z_train**2, 1)[None, :] - 2 * Z_query @ Z_train.T
    D = np.maximum(D, 0)
    if leave_one_out:
        np.fill_diagonal(D, np.inf)
    K = np.exp(-(D - D.min(axis=1, keepdims=True)))
    return K @ y_train / K.sum(axis=1)


def r2(y, estimate):
    return 1 - np.sum((y - estimate) ** 2) / np.sum((y - y.mean()) ** 2)


def best_sigma(X, y):
    """The isotropic bandwidth with the smallest leave-one-out error on (X, y)."""
    errors = [np.sum((kernel_regression(X / s, y, X / s, True) - y) ** 2) for s in BANDWIDTHS]
    return float(BANDWIDTHS[int(np.argmin(errors))])


def knn_r2(Z_train, y_train, Z_test, y_test):
    from sklearn.neighbors import KNeighborsRegressor

    return KNeighborsRegressor(10).fit(Z_train, y_train).score(Z_test, y_test)


def measure(name, seed):
    import mlearn

    X_train, X_test, y_train, y_test = load(name, seed)
    sigma = best_sigma(X_train, y_train)
    row = {
        "Euclidean kernel, L = I": r2(y_test, kernel_regression(X_train, y_train, X_test)),
        "Euclidean kernel, best σ": r2(
            y_test, kernel_regression(X_train / sigma, y_train, X_test / sigma)
        ),
        "Euclidean kNN": knn_r2(X_train, y_train, X_test, y_test),
    }
    for label, params in SETTINGS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = mlearn.MLKR(random_state=seed, **params).fit(X_train, y_train)
        Z_train, Z_test = model.transform(X_train), model.transform(X_test)
        row[f"MLKR kernel, {label}"] = r2(y_test, kernel_regression(Z_train, y_train, Z_test))
        row[f"MLKR kNN, {label}"] = knn_r2(Z_train, y_train, Z_test, y_test)
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    lines = [
        "# MLKR against the Euclidean metric: kernel regression and kNN regression (held-out R²)",
        "",
        "Command: `OPENBLAS_NUM_THREADS=1 python benchmarks/nca_mlkr_regression.py "
        f"--splits {args.splits}`. Mean R² over {args.splits} random 70 / 30 splits "
        "(min-max scaled on the train part); 'kernel' is Nadaraya–Watson regression with "
        "exp(−‖L(x − x')‖²), the regressor MLKR trains, 'kNN' is KNeighborsRegressor(10).",
        "",
    ]
    table = {}
    names = [*DATASETS, *CHECK_DATASETS]
    with threadpool_limits(1, user_api="blas"):
        for name in names:
            rows = [measure(name, seed) for seed in range(args.splits)]
            table[name] = {key: float(np.mean([r[key] for r in rows])) for key in rows[0]}
            print(name, table[name], file=sys.stderr, flush=True)
    keys = list(next(iter(table.values())))
    lines.append("| predictor | " + " | ".join(names) + " (check) |")
    lines.append("|---|" + "---|" * len(names))
    for key in keys:
        lines.append(f"| {key} | " + " | ".join(f"{table[d][key]:.3f}" for d in names) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
