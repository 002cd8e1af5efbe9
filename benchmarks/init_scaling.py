"""Where the 'auto' start standardises features in different units, and what it buys.

For each shipped dataset (and mlearn's generators), the spread ratio that decides the rule
(largest feature standard deviation over the median one, ``mlearn._init.DISPARATE_SCALE_RATIO``
is the threshold) and the 5-fold 3-NN accuracy of Euclidean kNN, of kNN on standardised
features, of LMNN and NCA started from the identity and from ``init='auto'``, and of
ITMLSupervised, LSMLSupervised and SDMLSupervised with ``prior='identity'`` and
``prior='auto'``. One BLAS thread.

    OPENBLAS_NUM_THREADS=1 python benchmarks/init_scaling.py \\
        [--out benchmarks/results/init_scaling.md] [--columns "NAME;..."] [--datasets "NAME;..."]

``--columns`` / ``--datasets`` measure only those (lists of the table's names, separated by
semicolons) and merge them into the table already in ``--out``, keeping its other cells.
"""

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier

from mlearn import LMNN, NCA, ITMLSupervised, LSMLSupervised, SDMLSupervised
from mlearn._init import DISPARATE_SCALE_RATIO
from mlearn.datasets import (
    load_fashion_mnist,
    load_mnist_digits,
    make_badly_scaled,
    make_concentric_circles,
    make_informative_noise,
)

ROOT = Path(__file__).resolve().parents[1]


def fashion_pca(n_components, n_samples=3000):
    X, y = load_fashion_mnist()
    X = X[:n_samples].reshape(n_samples, -1)
    return PCA(n_components, random_state=0).fit_transform(X), y[:n_samples]


def mnist_sample(n_samples):
    X, y = load_mnist_digits()
    rows = np.random.default_rng(0).permutation(X.shape[0])[:n_samples]
    return X[rows], y[rows]


DATASETS = {
    "raw wine": lambda: load_wine(return_X_y=True),
    "raw breast_cancer": lambda: load_breast_cancer(return_X_y=True),
    "badly scaled generator": lambda: make_badly_scaled(random_state=0),
    "iris": lambda: load_iris(return_X_y=True),
    "digits": lambda: load_digits(return_X_y=True),
    "informative + noise generator": lambda: make_informative_noise(random_state=0),
    "circles generator": lambda: make_concentric_circles(random_state=0),
    "MNIST-5k, 1,000 of them": lambda: mnist_sample(1000),
    "Fashion-MNIST 3,000 at PCA 100": lambda: fashion_pca(100),
}


def spread_ratio(X):
    std = X.std(axis=0)
    std = std[std > 1e-12 * std.max()]
    return std.max() / np.median(std)


def cross_validated(make, X, y):
    scores = []
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
        learner = make(X[train])
        if learner is None:
            Z_train, Z_test = X[train], X[test]
        else:
            learner.fit(X[train], y[train])
            Z_train, Z_test = learner.transform(X[train]), learner.transform(X[test])
        knn = KNeighborsClassifier(3).fit(Z_train, y[train])
        scores.append(knn.score(Z_test, y[test]))
    return float(np.mean(scores))


class Standardised:
    def fit(self, X, y):
        std = X.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0)
        return self

    def transform(self, X):
        return X / self.scale_


COLUMNS = {
    "Euclidean": lambda X: None,
    "standardised": lambda X: Standardised(),
    "LMNN identity": lambda X: LMNN(init="identity"),
    "LMNN auto": lambda X: LMNN(),
    "NCA identity": lambda X: NCA(init="identity"),
    "NCA auto": lambda X: NCA(),
    "ITMLSupervised identity": lambda X: ITMLSupervised(prior="identity", random_state=0),
    "ITMLSupervised auto": lambda X: ITMLSupervised(random_state=0),
    "LSMLSupervised identity": lambda X: LSMLSupervised(prior="identity", random_state=0),
    "LSMLSupervised auto": lambda X: LSMLSupervised(prior="auto", random_state=0),
    "SDMLSupervised identity": lambda X: SDMLSupervised(prior="identity", random_state=0),
    "SDMLSupervised auto": lambda X: SDMLSupervised(prior="auto", random_state=0),
}


def existing_cells(path):
    """{data name: {column: cell}} of the table already in ``path`` (empty if none)."""
    if not Path(path).is_file():
        return {}
    rows = [line for line in Path(path).read_text().splitlines() if line.startswith("| ")]
    if not rows:
        return {}
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    return {
        cells[0]: dict(zip(header, cells, strict=False))
        for cells in ([c.strip() for c in row.strip("|").split("|")] for row in rows[1:])
    }


def chosen(names, known):
    """The names of a semicolon list, checked against ``known`` (all of them when None)."""
    if names is None:
        return list(known)
    names = [name.strip() for name in names.split(";")]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(f"unknown names {unknown}; known: {list(known)}")
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/init_scaling.md"))
    parser.add_argument("--columns", help="measure only these columns, merged into --out")
    parser.add_argument("--datasets", help="measure only these data sets, merged into --out")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    columns = chosen(args.columns, COLUMNS)
    datasets = chosen(args.datasets, DATASETS)
    kept = existing_cells(args.out) if args.columns or args.datasets else {}
    header = ["data", "spread ratio", "standardised by 'auto'", *COLUMNS]
    lines = [
        "Produced by `OPENBLAS_NUM_THREADS=1 python benchmarks/init_scaling.py`: 5-fold 3-NN "
        f"accuracy; 'auto' standardises when the spread ratio exceeds {DISPARATE_SCALE_RATIO:g} "
        "(where it does not, the 'auto' start is the identity's, at full rank).",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for name, load in DATASETS.items():
        cells = dict(kept.get(name, {}))
        if name in datasets:
            cells.update(measured_cells(name, load, columns))
        lines.append("| " + " | ".join(cells.get(column, "") for column in header) + " |")
        print(lines[-1], flush=True)
    if any("|  |" in line or line.endswith("|  |") for line in lines[4:]):
        lines += ["", "An empty cell was not measured (see `--columns` / `--datasets`)."]
    Path(args.out).write_text("\n".join(lines) + "\n")


def measured_cells(name, load, columns):
    """{column: cell} of one data set: its spread ratio and the accuracies of ``columns``."""
    X, y = load()
    X = np.asarray(X, dtype=np.float64)
    ratio = spread_ratio(X)
    standardised = ratio > DISPARATE_SCALE_RATIO
    cells = {"data": name, "spread ratio": f"{ratio:.3g}"}
    cells["standardised by 'auto'"] = "yes" if standardised else "no"
    for column in columns:
        twin = column.replace(" auto", " identity")
        if column.endswith(" auto") and not standardised and twin in cells:
            # The same start as the identity column's (full rank, features in one unit).
            cells[column] = cells[twin]
            continue
        score = cross_validated(COLUMNS[column], X, y)
        cells[column] = f"{score:.3f}"
        print(f"  {name}, {column}: {score:.3f}", file=sys.stderr, flush=True)
    return cells


if __name__ == "__main__":
    main()
