"""Choose SDML's defaults: kNN accuracy over balance fractions and sparsities, per dataset.

``balance_param='auto'`` sets η = f · η_max, η_max the largest balance that keeps
P = M₀⁻¹ + η S positive definite (see ``mlearn/sdml/_solver.py``). This script scores
SDMLSupervised (default pairs, identity prior) for several fractions f and sparsities λ,
with the harness's protocol (``measure.measure_cv``: min-max scaling fitted per fold,
3-NN accuracy, stratified folds), next to the Euclidean baseline. metric-learn's own
default (η = 0.5, λ = 0.01) is the row ``eta=0.5``.

Usage (from the repository root)::

    OPENBLAS_NUM_THREADS=1 python benchmarks/sdml_defaults.py \
        --datasets iris,wine,breast_cancer,digits
    OPENBLAS_NUM_THREADS=1 python benchmarks/sdml_defaults.py --datasets mnist_digits --chosen-only

(the second, on data not used to choose, is the held-out check; both are recorded in
``benchmarks/results/sdml_defaults.md``).
"""

import argparse
import sys
import warnings
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if (_ROOT / "mlearn" / "__init__.py").is_file():
    sys.path.insert(0, str(_ROOT))

from datasets import load_dataset, stratified_test_folds  # noqa: E402
from measure import blas_threads, measure_cv  # noqa: E402

import mlearn.sdml._solver as sdml_solver  # noqa: E402
from mlearn import SDMLSupervised  # noqa: E402

FRACTIONS = (0.1, 0.3, 0.5, 0.7, 0.9, 0.99)
SPARSITIES = (0.001, 0.01, 0.1)


def score(X, y, folds, make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = measure_cv(
                make, X, y, folds, scale="minmax", supervised=True, repeats=1, n_neighbors=3
            )
        except Exception as error:  # a failed configuration is a row, not a crash
            return f"failed ({type(error).__name__})"
    return f"{result.accuracy:.4f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="iris,wine,breast_cancer,digits")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--chosen-only", action="store_true", help="only the chosen default (a held-out check)"
    )
    args = parser.parse_args()
    names = args.datasets.split(",")
    print("| configuration | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    data = {}
    for name in names:
        X, y = load_dataset(name)
        data[name] = (X, y, stratified_test_folds(y, args.folds))
    with blas_threads(1):
        rows = [("Euclidean", None)]
        if not args.chosen_only:
            rows += [("eta=0.5 lambda=0.01 (metric-learn)", (None, 0.5, 0.01))]
        if args.chosen_only:
            chosen = sdml_solver.AUTO_BALANCE_FRACTION
            rows += [(f"auto f={chosen} lambda=0.01 (the default)", (chosen, "auto", 0.01))]
        else:
            grid = [(f, s) for f in FRACTIONS for s in SPARSITIES]
            rows += [(f"auto f={f} lambda={s}", (f, "auto", s)) for f, s in grid]
        for label, config in rows:
            cells = []
            for name in names:
                X, y, folds = data[name]
                if config is None:
                    cells.append(score(X, y, folds, None))
                    continue
                fraction, balance, sparsity = config
                if fraction is not None:
                    sdml_solver.AUTO_BALANCE_FRACTION = fraction
                cells.append(
                    score(
                        X,
                        y,
                        folds,
                        lambda b=balance, s=sparsity: SDMLSupervised(
                            balance_param=b, sparsity_param=s, random_state=0
                        ),
                    )
                )
            print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
