"""LMNN and MMCSupervised fitted on a Dask cluster: 10⁶ points generated on the workers.

The problem: ``--n-samples`` points (default 1,000,000) with 50 features in 20 classes, in
row blocks of ``--chunk-rows`` generated on the workers (nothing is generated on the driver).
All blocks share one class layout: 20 class centres in the first 10 features (unit-variance
clouds around them), and 40 noise features of standard deviation ``--noise`` that hide the
classes from the Euclidean metric. Each block is drawn from its own seeded generator, so the
data are the same on every run and with any number of workers.

Measured, each fit on a fresh ``LocalCluster`` of processes with one thread each and a
bounded ``memory_limit`` per worker:

- LDA, the cheap strong baseline: the n_classes − 1 discriminant axes from the class sums and
  scatters summed over the blocks (:func:`dask_lda`) (``--skip lda`` leaves it out);
- LMNN (``max_iter=--max-iter``) and MMCSupervised (through the public API), each of these
  three on ``--n-workers`` workers (default 2): fit
  time, peak RSS of every worker (``ru_maxrss`` via ``client.run``) and of the driver, and the
  3-NN accuracy of a held-out sample (generated from blocks the fit never sees; reference set
  ``--n-reference`` points, ``--n-test`` queries) against the Euclidean metric;
- throughput with 1 and 2 workers: the same LMNN fit cut at ``--throughput-iter`` iterations
  (the distributed fit is deterministic, so both do the same work), as loss evaluations × points
  per second.

::

    python benchmarks/dask_scale.py --n-samples 100000            # about a minute
    python benchmarks/dask_scale.py --output benchmarks/results/dask_scale.md   # 10⁶ points
"""

import argparse
import contextlib
import os
import platform
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
N_FEATURES, N_INFORMATIVE, N_CLASSES, SEED = 50, 10, 20, 0


def class_centres():
    """The class layout shared by every block."""
    return 2.0 * np.random.default_rng(SEED).normal(size=(N_CLASSES, N_INFORMATIVE))


def make_block(n_rows, noise, block_index):
    """Rows of block ``block_index``: 50 float32 features then the class label (last column)."""
    rng = np.random.default_rng([SEED, block_index])
    y = rng.integers(0, N_CLASSES, n_rows)
    informative = class_centres()[y] + rng.normal(size=(n_rows, N_INFORMATIVE))
    noisy = noise * rng.normal(size=(n_rows, N_FEATURES - N_INFORMATIVE))
    return np.hstack([informative, noisy, y[:, None]]).astype(np.float32)


def lazy_problem(n_samples, chunk_rows, noise):
    """X (dask, float32) and y (dask, int) generated block by block on the workers."""
    import dask.array as da

    n_blocks = -(-n_samples // chunk_rows)
    rows = (chunk_rows,) * (n_blocks - 1) + (n_samples - chunk_rows * (n_blocks - 1),)
    # Each block's generator knows its own row count from the chunk it is asked for.
    data = da.map_blocks(
        _make_chunk,
        noise,
        chunks=(rows, (N_FEATURES + 1,)),
        dtype=np.float32,
        meta=np.empty((0, N_FEATURES + 1), np.float32),
    )
    return data[:, :N_FEATURES], data[:, N_FEATURES].astype(np.intp), n_blocks


def _make_chunk(noise, block_info=None):
    info = block_info[None]
    n_rows = info["chunk-shape"][0]
    return make_block(n_rows, noise, info["chunk-location"][0])


def problem_and_test_points(args, n_reference, n_test):
    """(X, y, n_blocks, reference, queries) of the command line's problem, with one BLAS
    thread in this process and in the worker processes (they inherit the environment; BLAS
    would otherwise start one thread per core in each) and mlearn importable from ROOT."""
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"
    sys.path.insert(0, str(ROOT))
    X, y, n_blocks = lazy_problem(args.n_samples, args.chunk_rows, args.noise)
    reference_X, reference_y, test_X, test_y = held_out(
        n_blocks, args.chunk_rows, args.noise, n_reference, n_test
    )
    return X, y, n_blocks, (reference_X, reference_y), (test_X, test_y)


def held_out(n_blocks, chunk_rows, noise, n_reference, n_test):
    """Points from blocks after the training ones: a kNN reference set and queries."""
    blocks, total, index = [], 0, n_blocks
    while total < n_reference + n_test:
        blocks.append(make_block(chunk_rows, noise, index))
        total, index = total + chunk_rows, index + 1
    data = np.vstack(blocks)
    X, y = data[:, :N_FEATURES], data[:, N_FEATURES].astype(np.intp)
    return X[:n_reference], y[:n_reference], X[n_reference:][:n_test], y[n_reference:][:n_test]


def knn_accuracy(transform, reference, queries):
    from sklearn.neighbors import KNeighborsClassifier

    (X_ref, y_ref), (X_test, y_test) = reference, queries
    knn = KNeighborsClassifier(3).fit(transform(X_ref), y_ref)
    return knn.score(transform(X_test), y_test)


def _usage():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_maxrss / 2**20, usage.ru_utime + usage.ru_stime


def peak_rss_gb(client=None):
    """Peak RSS of this process, in GB."""
    return _usage()[0]


def worker_usage(client):
    """(peak RSS in GB, CPU seconds) of every worker, sorted by address."""
    usage = client.run(_usage)
    return [usage[address] for address in sorted(usage)]


@contextlib.contextmanager
def local_client(n_workers, memory_limit):
    """A client of a fresh LocalCluster: processes of one thread, ``memory_limit`` each."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory_limit,
            dashboard_address=":0",
            silence_logs=40,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def fit_on_cluster(make_estimator, X, y, n_workers, args):
    with local_client(n_workers, args.memory_limit) as client:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = make_estimator().fit(X, y)
        elapsed = time.perf_counter() - start
        return model, elapsed, worker_usage(client)


def dask_lda(X, y):
    """The n_classes − 1 LDA axes of a dask X, from class sums and scatters over its blocks.

    Two passes over the blocks (class counts and sums, then the scatters about the grand and
    the class means), then :func:`mlearn._init.components_from_scatters`, the discriminant
    axes LMNN's ``init='lda'`` starts from on a dask X. Returns (L, seconds).
    """
    import dask.array as da

    from mlearn._init import components_from_scatters

    start = time.perf_counter()
    one_hot = da.map_blocks(
        lambda labels: np.eye(N_CLASSES)[labels],
        y,
        new_axis=1,
        chunks=(y.chunks[0], (N_CLASSES,)),
        dtype=np.float64,
    )
    X64 = X.astype(np.float64)
    counts, sums = da.compute(one_hot.sum(axis=0), one_hot.T @ X64)

    def scatters(mean, class_means):
        centred = X64 - mean
        within = X64 - one_hot @ class_means
        return da.compute(centred.T @ centred, within.T @ within)

    L = components_from_scatters("lda", N_CLASSES - 1, counts, sums, scatters)
    return L, time.perf_counter() - start


def _lda_row(X, y, reference, queries, args):
    """The table row of :func:`dask_lda`, computed on its own cluster of ``--n-workers``."""
    with local_client(args.n_workers, args.memory_limit) as client:
        L, elapsed = dask_lda(X, y)
        usage = worker_usage(client)
    accuracy = knn_accuracy(lambda Z: Z @ L.T, reference, queries)
    rss = " / ".join(f"{r:.2f}" for r, _ in usage)
    cpu = " / ".join(f"{c:.0f}" for _, c in usage)
    notes = f"{N_CLASSES - 1} discriminant axes from the blocks' class sums and scatters"
    return f"| LDA | {args.n_workers} | {elapsed:.1f} | {rss} | {cpu} | {accuracy:.4f} | {notes} |"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-samples", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=5_000)
    parser.add_argument("--noise", type=float, default=2.0)
    parser.add_argument("--memory-limit", default="2GiB", help="per worker")
    parser.add_argument(
        "--n-workers", type=int, default=2, help="workers of the LDA, LMNN and MMC fits"
    )
    parser.add_argument("--max-iter", type=int, default=100, help="LMNN's L-BFGS budget")
    parser.add_argument("--throughput-iter", type=int, default=3)
    parser.add_argument("--n-reference", type=int, default=20_000)
    parser.add_argument("--n-test", type=int, default=5_000)
    parser.add_argument("--skip", nargs="*", default=[], choices=["mmc", "throughput", "lda"])
    parser.add_argument("--output", type=Path, help="write the results as Markdown")
    parser.add_argument("--append", action="store_true", help="append to --output")
    args = parser.parse_args(argv)
    X, y, n_blocks, reference, queries = problem_and_test_points(
        args, args.n_reference, args.n_test
    )
    from mlearn import LMNN, MMCSupervised

    euclidean = knn_accuracy(lambda Z: Z, reference, queries)
    lines = [
        f"{args.n_samples:,} x {N_FEATURES} float32 points, {N_CLASSES} classes, "
        f"{n_blocks} row blocks of {args.chunk_rows:,}; LocalCluster, 1 thread per worker, "
        f"memory_limit={args.memory_limit} per worker; {platform.processor() or 'cpu'}",
        "",
        f"3-NN accuracy on {args.n_test:,} held-out points ({args.n_reference:,} reference "
        f"points), Euclidean: {euclidean:.4f}",
        "",
        "| fit | workers | time (s) | peak RSS per worker (GB) | CPU per worker (s) "
        "| 3-NN accuracy | notes |",
        "|---|---|---|---|---|---|---|",
    ]

    def lmnn(max_iter):
        return lambda: LMNN(n_neighbors=3, max_iter=max_iter, random_state=0)

    if "lda" not in args.skip:
        lines.append(_lda_row(X, y, reference, queries, args))
        print(lines[-1], flush=True)
    fits = [("LMNN", lmnn(args.max_iter), args.n_workers)]
    if "mmc" not in args.skip:
        fits.append(("MMCSupervised", lambda: MMCSupervised(random_state=0), args.n_workers))
    for name, make, n_workers in fits:
        model, elapsed, usage = fit_on_cluster(make, X, y, n_workers, args)
        accuracy = knn_accuracy(model.transform, reference, queries)
        notes = f"{model.n_iter_} iterations"
        if name == "LMNN":
            notes += (
                f", {model.n_loss_evals_} loss evaluations, {model.n_impostor_pairs_:,} "
                f"impostor pairs{' (sampled)' if model.impostors_sampled_ else ''}, "
                f"{model.n_passes_} passes kept"
            )
            if model.validation_scores_ is not None:
                scores = ", ".join(f"{s:.4f}" for s in model.validation_scores_)
                notes += f" (held-out 3-NN of the passes run: {scores})"
        rss = " / ".join(f"{r:.2f}" for r, _ in usage)
        cpu = " / ".join(f"{c:.0f}" for _, c in usage)
        lines.append(
            f"| {name} | {n_workers} | {elapsed:.1f} | {rss} | {cpu} | {accuracy:.4f} | {notes} |"
        )
        print(lines[-1], flush=True)

    if "throughput" not in args.skip:
        lines += ["", f"Throughput, LMNN cut at {args.throughput_iter} iterations:", ""]
        lines += ["| workers | time (s) | CPU per worker (s) | loss evaluations | "]
        lines[-1] += "evaluations x points / s |"
        lines += ["|---|---|---|---|---|"]
        times = {}
        for n_workers in (1, 2):
            make = lmnn(args.throughput_iter)
            model, elapsed, usage = fit_on_cluster(make, X, y, n_workers, args)
            rate = model.n_loss_evals_ * args.n_samples / elapsed
            times[n_workers] = elapsed
            cpu = " / ".join(f"{c:.0f}" for _, c in usage)
            lines.append(
                f"| {n_workers} | {elapsed:.1f} | {cpu} | {model.n_loss_evals_} | {rate:.3g} |"
            )
            print(lines[-1], flush=True)
        lines += ["", f"Speed-up, 2 workers over 1: {times[1] / times[2]:.2f}x"]
    lines += ["", f"Driver peak RSS: {peak_rss_gb():.2f} GB"]
    text = "\n".join(lines)
    print(text)
    if args.output:
        command = "python benchmarks/dask_scale.py " + " ".join(argv or sys.argv[1:])
        header = "" if args.append else "# Dask scale-out benchmark\n\n"
        with args.output.open("a" if args.append else "w") as file:
            file.write(f"{header}`{command}`\n\n{text}\n\n")


if __name__ == "__main__":
    main()
