"""Benchmark mlearn's metric learners against the Euclidean baseline and metric-learn.

For each dataset and estimator: stratified 10-fold cross-validation (shuffled,
``random_state=0``); in each fold a min-max scaler and the learner are fitted on the train part
(fit timed with ``perf_counter``, median over repeats), and a 3-nearest-neighbour classifier
trained on the transformed train part is scored on the transformed test part. Accuracies are
averaged over the folds. See ``benchmarks/README.md``; ``python benchmarks/run.py --help`` for
the options.
"""

import argparse
import platform
import sys
from importlib.metadata import version
from pathlib import Path

# Measure the checkout this script lives in, not whichever mlearn happens to be installed.
_ROOT = Path(__file__).resolve().parents[1]
if (_ROOT / "mlearn" / "__init__.py").is_file():
    sys.path.insert(0, str(_ROOT))

from datasets import DATASETS, SHIPPED_DATASETS, load_dataset, stratified_test_folds  # noqa: E402
from measure import SCALERS, blas_threads, measure_cv  # noqa: E402
from peer import peer_versions, run_peer  # noqa: E402
from registry import EUCLIDEAN, get_benchmark, registered_names, with_random_state  # noqa: E402
from report import (  # noqa: E402
    PEER,
    Result,
    markdown_table,
    table_rows,
    write_csv,
    write_figure,
)
from threadpoolctl import threadpool_info  # noqa: E402

QUICK_ESTIMATORS = ("LMNN", "Covariance", "ITMLSupervised", "MMC-diag")
"""What ``--quick`` runs, those of them that are registered: learners fast enough for 5 folds
of the shipped data in under two minutes on two cores. The README's first command runs
``benchmarks/demo.py`` instead, the cases where a learned metric pays."""

QUICK = {
    "datasets": ",".join(SHIPPED_DATASETS),
    "estimators": "quick",
    "repeats": 1,
    "folds": 5,
}


def _path_in_repository(path):
    """``path`` relative to the repository when it lies there, else ``PEER``: results files
    are committed, and a path of the machine they ran on means nothing to a reader."""
    candidate = Path(path)
    if not candidate.is_absolute():
        return str(path)
    try:
        return str(candidate.relative_to(_ROOT))
    except ValueError:
        return "PEER"


def parse_args(argv=None):
    """Parse the command line; ``--quick`` fills in datasets, estimators and repeats."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"the data shipped with scikit-learn, {', '.join(QUICK_ESTIMATORS)} where "
        "registered, 5 folds, 1 repeat",
    )
    parser.add_argument("--datasets", help=f"comma list of {', '.join(DATASETS)}, or all (default)")
    parser.add_argument(
        "--estimators", help="comma list of registered estimators, or all (default)"
    )
    parser.add_argument(
        "--repeats", type=int, help="fits timed per estimator; the median is reported (default 1)"
    )
    parser.add_argument(
        "--folds",
        type=int,
        help="stratified cross-validation folds, at least 2 (default 10; 5 with --quick)",
    )
    parser.add_argument(
        "--scale",
        choices=list(SCALERS),
        default="minmax",
        help="scaler fitted on each fold's train part (default minmax)",
    )
    parser.add_argument(
        "--knn-k", type=int, default=3, help="neighbours of the scoring kNN (default 3)"
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
    parser.add_argument(
        "--random-state",
        type=int,
        help="random_state of every learner and peer registered with one (default: as "
        "registered, 0); the folds stay those of random_state=0",
    )
    parser.add_argument("--csv", help="write the results as CSV to this path")
    parser.add_argument("--markdown", help="write the header and table as Markdown to this path")
    parser.add_argument(
        "--figure", help="write accuracy against fit time (log x) as an image to this path"
    )
    parser.add_argument(
        "--out",
        help="folder to write results.md, results.csv and results.png to (created if needed)",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="no progress bar or progress lines on stderr"
    )
    args = parser.parse_args(argv)
    if args.quick:
        given = [f"--{name}" for name in QUICK if getattr(args, name) is not None]
        if given:
            parser.error(f"--quick sets {', '.join(given)} itself; drop one or the other")
        vars(args).update(QUICK)
    args.repeats = 1 if args.repeats is None else args.repeats
    args.folds = 10 if args.folds is None else args.folds
    for name, minimum in (("repeats", 1), ("knn_k", 1), ("threads", 1), ("folds", 2)):
        value = getattr(args, name)
        if value is not None and value < minimum:
            parser.error(f"--{name.replace('_', '-')} must be at least {minimum}")
    if args.out:
        out = Path(args.out)
        args.markdown = args.markdown or str(out / "results.md")
        args.csv = args.csv or str(out / "results.csv")
        args.figure = args.figure or str(out / "results.png")
    try:
        args.datasets = selected_datasets(args.datasets or "all")
        args.estimators = selected_benchmarks(args.estimators or "all")
    except ValueError as error:
        parser.error(str(error))
    if args.random_state is not None:
        args.estimators = [with_random_state(b, args.random_state) for b in args.estimators]
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
    """Return the registry entries of a comma list, all registered for ``"all"``, or the
    registered ones of `QUICK_ESTIMATORS` for ``"quick"``."""
    if spec == "quick":
        names = [name for name in QUICK_ESTIMATORS if name in registered_names()]
    else:
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
        f"protocol: stratified {args.folds}-fold CV (shuffled, random_state=0); "
        f"scale: {args.scale}, fitted per fold; repeats: {args.repeats} (median fit time per "
        f"fold, median over folds); kNN k={args.knn_k}, accuracy mean ± std over folds",
    ]
    if args.random_state is not None:
        lines.append(f"learners' random_state: {args.random_state} (where registered with one)")
    if peer_info is not None:
        described = peer_info.get("error") or ", ".join(
            f"{name} {value}" for name, value in peer_info.items()
        )
        shown = _path_in_repository(args.peer_python)
        lines.append(f"peer {shown}: {described}; timeout {args.timeout:g} s")
    return lines


class Progress:
    """Shows progress on stderr: a tqdm bar when tqdm is installed, else one line per fit.

    Each finished fit is also written as a line (through tqdm, above the bar), so a long run
    leaves a log of what it measured.
    """

    def __init__(self, total, enabled=True):
        self.total, self.done, self.enabled = total, 0, enabled
        self.bar = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                # disable=None: a bar on a terminal, only the result lines in logs and pipes.
                self.bar = tqdm(
                    total=total, unit="fit", file=sys.stderr, dynamic_ncols=True, disable=None
                )

    def start(self, dataset, estimator, library):
        """Announce the (possibly long) fit about to start."""
        self.done += 1
        self.label = f"[{self.done}/{self.total}] {dataset} {estimator} {library}"
        if self.bar is not None:
            self.bar.set_description(f"{dataset} {estimator} {library}")
        elif self.enabled:
            print(f"{self.label} ... ", end="", file=sys.stderr, flush=True)

    def finish(self, result):
        """Report the fit time, accuracy or error of the fit just done; return ``result``."""
        if result.accuracy is None:
            outcome = f"failed: {'; '.join(result.notes)}"
        elif result.fit_time_s is None:
            outcome = f"accuracy {result.accuracy:.3f}"
        else:
            outcome = f"{result.fit_time_s:.3g} s per fold, accuracy {result.accuracy:.3f}"
        if self.bar is not None:
            self.bar.write(f"{self.label}: {outcome}", file=sys.stderr)
            self.bar.update()
        elif self.enabled:
            print(outcome, file=sys.stderr, flush=True)
        return result

    def close(self):
        """Remove the bar."""
        if self.bar is not None:
            self.bar.close()


def _result(dataset, name, library, measured):
    """Turn a `measure.CVMeasurement` (or the peer's answer) into a result row."""
    return Result(
        dataset,
        name,
        library,
        measured.fit_time_s,
        list(measured.fit_times_s),
        measured.accuracy,
        list(measured.warnings),
        measured.accuracy_std,
    )


def euclidean_result(dataset, data, args):
    """Score kNN on the scaled features of every fold: the baseline each learner is compared to."""
    with blas_threads(args.threads):
        measured = measure_cv(
            None,
            data["X"],
            data["y"],
            data["test_fold"],
            scale=data["scale"],
            supervised=True,
            repeats=1,
            n_neighbors=args.knn_k,
        )
    return _result(dataset, EUCLIDEAN, EUCLIDEAN, measured)


def mlearn_result(dataset, data, benchmark, args):
    """Time and score the mlearn estimator on every fold; a failure becomes a row with the error."""
    try:
        with blas_threads(args.threads):
            measured = measure_cv(
                benchmark.new_estimator,
                data["X"],
                data["y"],
                data["test_fold"],
                scale=data["scale"],
                supervised=benchmark.supervised,
                repeats=args.repeats,
                n_neighbors=args.knn_k,
            )
    except Exception as error:  # a failing learner must not stop the other rows
        return Result(
            dataset, benchmark.name, benchmark.library, notes=[f"{type(error).__name__}: {error}"]
        )
    return _result(dataset, benchmark.name, benchmark.library, measured)


def peer_result(dataset, data, benchmark, args):
    """Time and score the peer counterpart on the same folds in the peer interpreter."""
    answer = run_peer(
        args.peer_python,
        benchmark.peer,
        data,
        supervised=benchmark.supervised,
        threads=args.threads,
        repeats=args.repeats,
        n_neighbors=args.knn_k,
        timeout=args.timeout,
    )
    if answer.error:
        return Result(dataset, benchmark.name, PEER, notes=[answer.error])
    return _result(dataset, benchmark.name, PEER, answer)


def run_benchmarks(args):
    """Measure every selected dataset x estimator (and the baseline); return the results."""
    with_peer = [b for b in args.estimators if args.peer_python and b.peer is not None]
    progress = Progress(
        len(args.datasets) * (1 + len(args.estimators) + len(with_peer)),
        enabled=not args.no_progress,
    )
    results = []
    try:
        for dataset in args.datasets:
            X, y = load_dataset(dataset)
            data = {
                "X": X,
                "y": y,
                "test_fold": stratified_test_folds(y, args.folds),
                "scale": args.scale,
            }
            progress.start(dataset, EUCLIDEAN, EUCLIDEAN)
            results.append(progress.finish(euclidean_result(dataset, data, args)))
            for benchmark in args.estimators:
                progress.start(dataset, benchmark.name, benchmark.library)
                results.append(progress.finish(mlearn_result(dataset, data, benchmark, args)))
                if benchmark in with_peer:
                    progress.start(dataset, benchmark.name, PEER)
                    results.append(progress.finish(peer_result(dataset, data, benchmark, args)))
    finally:
        progress.close()
    return results


def main(argv=None):
    """Run the benchmark from the command line and print the Markdown table to stdout."""
    args = parse_args(argv)
    peer_info = peer_versions(args.peer_python) if args.peer_python else None
    header = header_lines(args, peer_info)
    print("\n".join(header), flush=True)
    results = run_benchmarks(args)
    config = {
        "folds": args.folds,
        "scale": args.scale,
        "threads": args.threads,
        "repeats": args.repeats,
        "knn_k": args.knn_k,
    }
    rows = table_rows(results, config)
    table = markdown_table(rows)
    print("\n" + table)
    for path in (args.markdown, args.csv, args.figure):
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    if args.markdown:
        with open(args.markdown, "w") as file:
            file.write("\n\n".join(["  \n".join(header), table]) + "\n")
    if args.csv:
        write_csv(rows, args.csv)
    if args.figure:
        write_figure(rows, args.figure)


if __name__ == "__main__":
    main()
