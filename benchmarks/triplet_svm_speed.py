"""TripletSVM speed: the dedicated solver against cvxpy on the same QP, and a 10⁶-triplet fit.

Two measurements on sklearn's digits (1797 points, d = 64), in one process:

1. 20,000 kNN triplets (a seeded sample of ``knn_triplets(X, y, 3, 4)``): the diagonal QP
   ½‖w‖² + C Σ ξ written in cvxpy and solved with cvxpy's default solver (and, with
   ``--clarabel``, CLARABEL), against ``TripletSVM(tol=1e-4)``. The relative objective gap
   of each against the best objective found is printed with the timings and their ratio.
2. About 10⁶ kNN triplets (``knn_triplets(X, y, 20, 28)``, 1,006,320 triplets) fitted by
   ``TripletSVM``; the time and the peak resident memory are printed.

Run from the repository root::

    OPENBLAS_NUM_THREADS=1 python benchmarks/triplet_svm_speed.py
    python benchmarks/triplet_svm_speed.py --skip-cvxpy      # only the 10⁶ fit
    python benchmarks/triplet_svm_speed.py --skip-cvxpy --skip-large --full   # full form
"""

import argparse
import resource
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits

from mlearn import TripletSVM
from mlearn.constraints import knn_triplets


def _digits_triplets(n_triplets, k_genuine, k_impostor, seed=0):
    X, y = load_digits(return_X_y=True)
    triplets = knn_triplets(X, y, k_genuine, k_impostor)
    if n_triplets is not None and n_triplets < triplets.shape[0]:
        rng = np.random.default_rng(seed)
        triplets = triplets[np.sort(rng.choice(triplets.shape[0], n_triplets, replace=False))]
    return X, triplets


def _fit_mlearn(X, triplets, C, tol, repeats=1):
    """Median wall and CPU time over ``repeats`` fits (the first one included)."""
    walls, cpus = [], []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        model = TripletSVM(C=C, tol=tol, preprocessor=X).fit(triplets)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return float(np.median(walls)), float(np.median(cpus)), model.objective_, model.n_iter_


def _fit_cvxpy(X, triplets, C, solver=None):
    """The QP as a user would write it in cvxpy; timed from building the problem."""
    import cvxpy as cp

    start, cpu = time.perf_counter(), time.process_time()
    i, j, k = triplets.T
    Z = (X[i] - X[k]) ** 2 - (X[i] - X[j]) ** 2
    w = cp.Variable(X.shape[1], nonneg=True)
    xi = cp.Variable(triplets.shape[0], nonneg=True)
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(w) + C * cp.sum(xi)), [Z @ w >= 1 - xi])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        problem.solve(solver=solver)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    # The objective of the returned w with exact slacks (the solver's own may be infeasible).
    w_value = np.maximum(w.value, 0)
    objective = 0.5 * w_value @ w_value + C * np.sum(np.maximum(1 - Z @ w_value, 0))
    note = "; ".join(str(c.message) for c in caught)
    return elapsed, cpu, objective, problem.solver_stats.solver_name, note


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--tol", type=float, default=1e-4)
    parser.add_argument("--n-triplets", type=int, default=20_000)
    parser.add_argument("--skip-cvxpy", action="store_true")
    parser.add_argument("--clarabel", action="store_true", help="also time cvxpy + CLARABEL")
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument(
        "--full",
        action="store_true",
        help="also time the full form on the 20,000 triplets, with and without the working set",
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="mlearn fits on the 20,000 triplets (median)"
    )
    args = parser.parse_args(argv)

    if not args.skip_cvxpy:
        X, triplets = _digits_triplets(args.n_triplets, 3, 4)
        print(f"digits, {triplets.shape[0]} kNN triplets, d = {X.shape[1]}, C = {args.C}")
        t_ours, c_ours, f_ours, n_iter = _fit_mlearn(X, triplets, args.C, args.tol, args.repeats)
        rows = [
            (
                "mlearn TripletSVM",
                t_ours,
                c_ours,
                f_ours,
                f"{n_iter} iterations, tol={args.tol}, median of {args.repeats}",
            )
        ]
        solvers = [None] + (["CLARABEL"] if args.clarabel else [])
        for solver in solvers:
            t, c, f, name, note = _fit_cvxpy(X, triplets, args.C, solver)
            label = "cvxpy default" if solver is None else "cvxpy"
            rows.append((f"{label} ({name})", t, c, f, note))
        best = min(row[3] for row in rows)
        print(
            f"{'solver':<28} {'wall (s)':>9} {'cpu (s)':>9} {'objective':>14} {'rel. gap':>9} "
            f"{'wall ratio':>10} {'cpu ratio':>9}"
        )
        for label, t, c, f, note in rows:
            print(
                f"{label:<28} {t:>9.3f} {c:>9.3f} {f:>14.6f} {(f - best) / best:>9.1e} "
                f"{t / t_ours:>10.1f} {c / c_ours:>9.1f}  {note}"
            )

    if args.full:
        from mlearn.triplet_svm import _working_set as working_set

        X, triplets = _digits_triplets(args.n_triplets, 3, 4)
        X = X / 16.0  # pixels in [0, 1]: the full form's dual is better scaled
        default = working_set._MIN_WORKING_SET
        for label, minimum in (("working set", default), ("all triplets", triplets.shape[0])):
            working_set._MIN_WORKING_SET = minimum
            start, cpu = time.perf_counter(), time.process_time()
            model = TripletSVM(C=args.C, diagonal=False, tol=args.tol, preprocessor=X)
            model.fit(triplets)
            print(
                f"full form, {triplets.shape[0]} triplets, {label}: "
                f"{time.perf_counter() - start:.2f} s wall, {time.process_time() - cpu:.2f} s cpu, "
                f"{model.n_iter_} L-BFGS-B iterations, objective {model.objective_:.6f}"
            )
        working_set._MIN_WORKING_SET = default

    if not args.skip_large:
        X, triplets = _digits_triplets(None, 20, 28)
        t, c, f, n_iter = _fit_mlearn(X, triplets, args.C, args.tol)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"digits, {triplets.shape[0]} kNN triplets: fit {t:.1f} s wall, {c:.1f} s cpu, "
            f"{n_iter} iterations, objective {f:.6g}, peak RSS {peak:.0f} MiB"
        )


if __name__ == "__main__":
    main()
