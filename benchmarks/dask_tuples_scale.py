"""TripletSVM and FARM fitted on a dask array: 1 worker against 2, and in memory.

Synthetic classes generated on the workers (``dask.array.random``); each learner
is fitted with the same parameters on a LocalCluster of 1 and of 2 single-threaded
worker processes, and in memory on the same points (computed once for it). The
fits are checked to agree (objective within the solver's tolerance), and the
time of each is printed with the peak RSS of the workers.

    python benchmarks/dask_tuples_scale.py --n-samples 20000 --n-features 20

The kNN triplet search is exact (n² d), so n stays in the tens of thousands here.
"""

import argparse
import time
import warnings

import numpy as np


def synthetic(n_samples, n_features, n_classes, chunk_rows, seed=0):
    import dask.array as da

    rs = da.random.RandomState(seed)
    y = rs.randint(0, n_classes, size=n_samples, chunks=chunk_rows)
    centres = np.random.default_rng(seed).normal(scale=2.0, size=(n_classes, n_features))
    X = rs.normal(size=(n_samples, n_features), chunks=(chunk_rows, n_features))
    X = X + da.from_array(centres)[y]
    return X, y


def _peak_rss():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB (Linux: KiB)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=20_000)
    parser.add_argument("--n-features", type=int, default=20)
    parser.add_argument("--n-classes", type=int, default=10)
    parser.add_argument("--chunk-rows", type=int, default=5_000)
    args = parser.parse_args()

    import distributed

    from mlearn import FARMSupervised, TripletSVMSupervised

    learners = {
        "TripletSVMSupervised": lambda: TripletSVMSupervised(k_genuine=2, k_impostor=3),
        "FARMSupervised": lambda: FARMSupervised(k_genuine=2, k_impostor=3, max_iter=5),
    }
    results = {name: {} for name in learners}
    for n_workers in (1, 2):
        with (
            distributed.LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            X, y = synthetic(args.n_samples, args.n_features, args.n_classes, args.chunk_rows)
            X, y = client.persist([X, y])
            distributed.wait([X, y])
            for name, make in learners.items():
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model = make().fit(X, y)
                seconds = time.perf_counter() - start
                rss = max(client.run(_peak_rss).values())
                results[name][n_workers] = (seconds, model.objective_, rss)
            if n_workers == 2:
                X_memory, y_memory = X.compute(), y.compute()
    for name, make in learners.items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = make().fit(X_memory, y_memory)
        results[name]["memory"] = (time.perf_counter() - start, model.objective_, 0.0)
    print(
        f"n={args.n_samples} d={args.n_features} classes={args.n_classes} "
        f"chunk_rows={args.chunk_rows}"
    )
    print(
        f"{'learner':22s} {'run':>7s} {'seconds':>8s} {'objective':>12s} {'peak RSS/worker':>16s}"
    )
    for name, runs in results.items():
        for run, (seconds, objective, rss) in runs.items():
            label = f"{run} worker" + ("s" if run == 2 else "") if run != "memory" else "memory"
            rss_text = f"{rss:.0f} MiB" if rss else "-"
            print(f"{name:22s} {label:>7s} {seconds:8.2f} {objective:12.6g} {rss_text:>16s}")
        speedup = runs[1][0] / runs[2][0]
        print(f"{name:22s} throughput 2 workers / 1 worker: {speedup:.2f}x")


if __name__ == "__main__":
    main()
