"""Benchmark mlearn's metric learners against the Euclidean baseline and metric-learn.

For each dataset and estimator: stratified 70/30 split (``random_state=0``), optional scaling
fitted on the train part, the fit on train timed with ``perf_counter`` (median over repeats),
then a kNN classifier trained on the transformed train part and scored on the transformed
test part. See ``benchmarks/README.md``; ``python benchmarks/run.py --help`` for the options.
"""

import argparse
import platform
import sys
from importlib.metadata import version

from datasets import DATASETS, SCALERS, load_dataset, scaled_train_test_split
from measure import blas_threads, knn_accuracy, measure_estimator
from peer import peer_versions, run_peer
from registry import EUCLIDEAN, get_benchmark, registered_names
from report import MLEARN, PEER, Result, markdown_table, table_rows, write_csv
from threadpoolctl import threadpool_info

QUICK = {"datasets": "all", "estimators": "Covariance", "repeats": 1}


def parse_args(argv=None):
    """Parse the command line; ``--quick`` fills in datasets, estimators and repeats."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="all datasets, Covariance only, 1 repeat"
    )
    parser.add_argument("--datasets", help=f"comma list of {', '.join(DATASETS)}, or all (default)")
    parser.add_argument(
        "--estimators", help="comma list of registered estimators, or all (default)"
    )
    parser.add_argument(
        "--repeats", type=int, help="fits timed per estimator; the median is reported (default 1)"
    )
    parser.add_argument(
        "--scale",
        choices=list(SCALERS),
        default="none",
        help="scaler fitted on the train part (default none)",
    )
    parser.add_argument(
        "--knn-k", type=int, default=5, help="neighbours of the scoring kNN (default 5)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="pin BLAS to this many threads for fits and scoring (default: not pinned)",
    )
    parser.add_argument(
        "--peer-python", help="interpreter with metric-learn; runs the peer counterparts"
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds allowed per peer run (default 600)"
    )
    parser.add_argument("--csv", help="write the results as CSV to this path")
    parser.add_argument("--markdown", help="write the header and table as Markdown to this path")
    args = parser.parse_args(argv)
    if args.quick:
        given = [f"--{name}" for name in QUICK if getattr(args, name) is not None]
        if given:
            parser.error(f"--quick sets {', '.join(given)} itself; drop one or the other")
        vars(args).update(QUICK)
    args.repeats = 1 if args.repeats is None else args.repeats
    for name in ("repeats", "knn_k", "threads"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    try:
        args.datasets = selected_datasets(args.datasets or "all")
        args.estimators = selected_benchmarks(args.estimators or "all")
    except ValueError as error:
        parser.error(str(error))
    return args


def selected_datasets(spec):
    """Return the dataset names of a comma list, or all of them for ``"all"``."""
    if spec == "all":
        return list(DATASETS)
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in DATASETS]
    if unknown:
        raise ValueError(f"unknown dataset(s) {', '.join(unknown)}; known: {', '.join(DATASETS)}")
    return names


def selected_benchmarks(spec):
    """Return the registry entries of a comma list, or all registered for ``"all"``."""
    names = registered_names() if spec == "all" else spec.split(",")
    return [get_benchmark(name.strip()) for name in names if name.strip()]


def mlearn_version():
    """Return mlearn's version, or why it cannot be imported."""
    try:
        import mlearn
    except ImportError as error:
        return f"not importable ({error})"
    return getattr(mlearn, "__version__", "unknown")


def describe_threadpool(info):
    """Return e.g. ``"blas: openblas 0.3.30 (pthreads, 2 threads)"`` for one threadpool."""
    library = " ".join(filter(None, [info["internal_api"], info.get("version")]))
    layer = f"{info['threading_layer']}, " if info.get("threading_layer") else ""
    return f"{info['user_api']}: {library} ({layer}{info['num_threads']} threads)"


def blas_summary():
    """Summarise the loaded BLAS / OpenMP libraries and their default thread counts."""
    described = sorted(set(map(describe_threadpool, threadpool_info())))
    return "; ".join(described) or "no BLAS detected"


def header_lines(args, peer_info):
    """Return the lines describing versions, threading and settings of this run."""
    versions = (
        f"python {platform.python_version()}, numpy {version('numpy')}, "
        f"scikit-learn {version('scikit-learn')}, mlearn {mlearn_version()}"
    )
    pinned = (
        f"pinned to {args.threads} (threadpoolctl, fits and scoring)"
        if args.threads is not None
        else "not pinned (library default)"
    )
    lines = [
        f"mlearn benchmark: {versions}",
        f"BLAS threads {pinned}; loaded, with default threads: {blas_summary()}",
        f"split: stratified 70/30, random_state=0; scale: {args.scale}; "
        f"repeats: {args.repeats} (median fit time); kNN k={args.knn_k}",
    ]
    if peer_info is not None:
        described = peer_info.get("error") or ", ".join(
            f"{name} {value}" for name, value in peer_info.items()
        )
        lines.append(f"peer {args.peer_python}: {described}; timeout {args.timeout:g} s")
    return lines


class Progress:
    """Prints one ``[i/n] dataset estimator library ... outcome`` line per fit to stderr."""

    def __init__(self, total):
        self.total, self.done = total, 0

    def start(self, dataset, estimator, library):
        """Print the beginning of the line before the (possibly long) fit."""
        self.done += 1
        print(
            f"[{self.done}/{self.total}] {dataset} {estimator} {library} ... ",
            end="",
            file=sys.stderr,
            flush=True,
        )

    def finish(self, result):
        """Complete the line with the fit time, accuracy or error; return ``result``."""
        if result.accuracy is None:
            outcome = f"failed: {'; '.join(result.notes)}"
        elif result.fit_time_s is None:
            outcome = f"accuracy {result.accuracy:.3f}"
        else:
            outcome = f"{result.fit_time_s:.3g} s, accuracy {result.accuracy:.3f}"
        print(outcome, file=sys.stderr, flush=True)
        return result


def euclidean_result(dataset, split, args):
    """Score kNN on the untransformed split: the baseline every learner is compared to."""
    with blas_threads(args.threads):
        accuracy = knn_accuracy(
            split.X_train, split.y_train, split.X_test, split.y_test, args.knn_k
        )
    return Result(dataset, EUCLIDEAN, EUCLIDEAN, accuracy=accuracy)


def mlearn_result(dataset, split, benchmark, args):
    """Time and score the mlearn estimator; a failure becomes a row with the error."""
    try:
        with blas_threads(args.threads):
            timing, accuracy = measure_estimator(
                benchmark.new_estimator, split, benchmark.supervised, args.repeats, args.knn_k
            )
    except Exception as error:  # a failing learner must not stop the other rows
        return Result(dataset, benchmark.name, MLEARN, notes=[f"{type(error).__name__}: {error}"])
    return Result(
        dataset, benchmark.name, MLEARN, timing.median_s, timing.times_s, accuracy, timing.warnings
    )


def peer_result(dataset, split, benchmark, args):
    """Time and score the peer counterpart on the same split in the peer interpreter."""
    answer = run_peer(
        args.peer_python,
        benchmark.peer,
        split,
        benchmark.supervised,
        args.threads,
        args.repeats,
        args.knn_k,
        args.timeout,
    )
    notes = [answer.error] if answer.error else answer.warnings
    return Result(
        dataset, benchmark.name, PEER, answer.fit_time_s, answer.fit_times_s, answer.accuracy, notes
    )


def run_benchmarks(args):
    """Measure every selected dataset x estimator (and the baseline); return the results."""
    with_peer = [b for b in args.estimators if args.peer_python and b.peer is not None]
    progress = Progress(len(args.datasets) * (1 + len(args.estimators) + len(with_peer)))
    results = []
    for dataset in args.datasets:
        split = scaled_train_test_split(*load_dataset(dataset), scale=args.scale)
        progress.start(dataset, EUCLIDEAN, EUCLIDEAN)
        results.append(progress.finish(euclidean_result(dataset, split, args)))
        for benchmark in args.estimators:
            progress.start(dataset, benchmark.name, MLEARN)
            results.append(progress.finish(mlearn_result(dataset, split, benchmark, args)))
            if benchmark in with_peer:
                progress.start(dataset, benchmark.name, PEER)
                results.append(progress.finish(peer_result(dataset, split, benchmark, args)))
    return results


def main(argv=None):
    """Run the benchmark from the command line and print the Markdown table to stdout."""
    args = parse_args(argv)
    peer_info = peer_versions(args.peer_python) if args.peer_python else None
    header = header_lines(args, peer_info)
    print("\n".join(header), flush=True)
    results = run_benchmarks(args)
    config = {
        "scale": args.scale,
        "threads": args.threads,
        "repeats": args.repeats,
        "knn_k": args.knn_k,
    }
    rows = table_rows(results, config)
    table = markdown_table(rows)
    print("\n" + table)
    if args.markdown:
        with open(args.markdown, "w") as file:
            file.write("\n\n".join(["  \n".join(header), table]) + "\n")
    if args.csv:
        write_csv(rows, args.csv)


if __name__ == "__main__":
    main()
