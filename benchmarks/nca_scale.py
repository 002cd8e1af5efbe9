"""NCA at scale: mlearn's tiled NCA against scikit-learn's, time and peak memory against n.

Both fit the same data (``make_classification``: 50 features, 10 classes, seed 0) from the
same start (``init='pca'``, ``n_components=10``) for the same number of L-BFGS iterations
(``max_iter``, default 10; both minimise −Σ p_i with scipy's L-BFGS-B). Peak memory is the
peak of the allocations traced by ``tracemalloc`` (numpy reports its buffers to it) during the
fit. scikit-learn's NCA holds several n × n float64 matrices at once, so its peak grows as n²:
the largest n that fits in a budget (24 GiB) is computed from a fit of peak = a n² + b n + c
to the measured peaks. mlearn's peak grows as n (its n × n work is in tiles of
``working_memory``); its largest n is computed the same way, and the largest n it is run at
here is printed with its time.

A second table gives what the tile size costs: one evaluation of the loss and gradient at
n = 5,000 for several tile heights (rows of the n × n softmax held at once).

Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/nca_scale.py [--sizes 2000,5000,10000]
        [--sklearn-max 10000] [--ours-max 60000] [--out benchmarks/results/nca_scale.md]
    OPENBLAS_NUM_THREADS=1 python benchmarks/nca_scale.py --tiles-only   # the tile table alone
"""

import argparse
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GIB = 2**30


def data(n):
    from sklearn.datasets import make_classification

    return make_classification(
        n, 50, n_informative=20, n_classes=10, n_clusters_per_class=2, random_state=0
    )


def traced_fit(make, X, y):
    """(seconds, peak traced MiB) of one fit."""
    estimator = make()
    tracemalloc.start()
    tracemalloc.reset_peak()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        estimator.fit(X, y)
        seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20


def makers(max_iter):
    from sklearn.neighbors import NeighborhoodComponentsAnalysis

    from mlearn import NCA

    return {
        "mlearn": lambda: NCA(n_components=10, init="pca", max_iter=max_iter, tol=0),
        "scikit-learn": lambda: NeighborhoodComponentsAnalysis(
            n_components=10, init="pca", max_iter=max_iter, tol=0
        ),
    }


def largest_n(sizes, peaks_mib, budget_gib, degree):
    """Largest n whose fitted peak (polynomial of ``degree`` in n) stays within the budget."""
    coefficients = np.polyfit(np.asarray(sizes, float), np.asarray(peaks_mib), degree)
    roots = np.roots(coefficients - np.r_[np.zeros(degree), budget_gib * 1024])
    real = roots[np.isreal(roots)].real
    return int(real[real > 0].max())


def tile_costs(n=5000, tiles=(32, 128, 512, 2048, 5000)):
    """Seconds of one loss-and-gradient evaluation and MiB per tile, per tile height."""
    from mlearn._pair_softmax import TILE_ARRAYS, PairSoftmax, softmax_loss_and_grad
    from mlearn.nca._objective import misclassification_row_loss, one_hot_classes

    X, y = data(n)
    L = np.random.default_rng(0).normal(size=(10, X.shape[1])) * 0.3
    rows = []
    for tile in tiles:
        evaluator = PairSoftmax(
            0,
            X,
            one_hot_classes(y, 10, X.dtype),
            row_loss=misclassification_row_loss,
            tile_rows=tile,
        )
        loss_and_grad = softmax_loss_and_grad(evaluator, *L.shape, X.dtype)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            loss_and_grad(L.ravel())
            times.append(time.perf_counter() - start)
        rows.append((tile, TILE_ARRAYS * tile * n * 8 / 2**20, float(np.median(times))))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,5000,10000")
    parser.add_argument("--sklearn-max", type=int, default=10000)
    parser.add_argument("--ours-max", type=int, default=60000)
    parser.add_argument("--max-iter", type=int, default=10)
    parser.add_argument("--budget-gib", type=float, default=24.0)
    parser.add_argument(
        "--tiles-only", action="store_true", help="only the table of the tile size's cost"
    )
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    if args.tiles_only:
        tile_lines = ["| tile rows | MiB per tile | s per evaluation |", "|---|---|---|"]
        tile_lines += [f"| {t} | {m:.0f} | {s:.3g} |" for t, m, s in tile_costs()]
        print("\n".join(tile_lines))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    make = makers(args.max_iter)
    measured = {"mlearn": [], "scikit-learn": []}
    lines = ["| n | library | fit s | peak MiB |", "|---|---|---|---|"]
    for n in sorted(set(sizes + [args.ours_max])):
        X, y = data(n)
        for library in ("mlearn", "scikit-learn"):
            if library == "scikit-learn" and n > args.sklearn_max:
                continue
            if library == "mlearn" and n not in sizes and n != args.ours_max:
                continue
            seconds, peak = traced_fit(make[library], X, y)
            measured[library].append((n, seconds, peak))
            lines.append(f"| {n} | {library} | {seconds:.3g} | {peak:.0f} |")
            print(lines[-1], file=sys.stderr, flush=True)
    bounds = []
    for library, degree in (("scikit-learn", 2), ("mlearn", 1)):
        ns, _, peaks = zip(*measured[library], strict=True)
        bounds.append(
            f"- {library}: largest n in {args.budget_gib:g} GiB ≈ "
            f"{largest_n(ns, peaks, args.budget_gib, degree):,} (peak fitted as a degree-"
            f"{degree} polynomial in n to the measured peaks)"
        )
    tile_lines = ["| tile rows | MiB per tile | s per evaluation |", "|---|---|---|"]
    tile_lines += [f"| {t} | {m:.0f} | {s:.3g} |" for t, m, s in tile_costs()]
    text = "\n".join(
        [
            "# NCA at scale: mlearn against scikit-learn",
            "",
            f"Command: `OPENBLAS_NUM_THREADS=1 python benchmarks/nca_scale.py --sizes "
            f"{args.sizes} --sklearn-max {args.sklearn_max} --ours-max {args.ours_max} "
            f"--max-iter {args.max_iter}`. make_classification (50 features, 10 classes), "
            f"n_components=10, init='pca', {args.max_iter} L-BFGS iterations (tol=0) for both; "
            "peak = tracemalloc peak during the fit.",
            "",
            *lines,
            "",
            *bounds,
            "",
            "One loss-and-gradient evaluation at n = 5,000 (k = 10) against the tile height "
            "(median of 3; the default tile is sized by working_memory):",
            "",
            *tile_lines,
        ]
    )
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
