"""Online metric learning on a stream too large to hold: accuracy against points seen, flat memory.

The stream is ``mlearn.datasets.make_classification_stream`` (5 informative features among 20
noise features, every feature on its own scale from 0.1 to 10, 5 classes), generated one chunk
at a time and dropped after use. Its first chunk is held out: the first ``--n-test`` points are
the test queries and the next ``--n-reference`` points the labelled reference set of the kNN
classifier (a fixed memory, the same for every learner). Every later chunk goes once through
each learner's ``partial_fit``:

- ``ITMLSupervised``: Bregman projections of the current metric onto the chunk's pairs
  (drawn inside the chunk, ``n_constraints`` of each kind per call; docs/online.rst);
- ``DeepMetricLearner`` (MLP, torch): one epoch over the chunk per call;
- ``OASISSupervised`` when ``mlearn`` has it (bilinear similarity; kNN by largest similarity).

Baselines of the same run: Euclidean kNN, and ``ITMLSupervised.fit`` on the largest prefix of
the stream whose points (float64) fit ``--budget-mib``, with as many pairs per point as the
stream draws (``n_constraints`` × the chunks in the sample).

Held-out accuracy is 5-NN of the test queries among the reference points, in each learner's
space, at log-spaced checkpoints. Memory: the largest ``tracemalloc`` peak of one
``partial_fit`` call since the previous checkpoint (numpy's allocations; torch's own allocator is
not traced, so the deep learner shows the process's resident set instead) and the resident set
size of the process (``/proc/self/statm``), which stays flat while the stream grows.

Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/stream.py [--quick] [--n-chunks 1000]
        [--chunk-size 10000] [--budget-mib 16] [--deep-chunks N]
        [--out benchmarks/results/stream.md]

The full run streams 10⁷ points (1,000 chunks of 10⁴, 1.9 GiB of float64); on the shared 2-core
machine, with ``--deep-chunks 100`` (the deep learner's epochs dominate the time), it took the
time in the header of ``benchmarks/results/stream.md``. ``--quick`` streams 30 chunks of 1,000
in about 20 s of CPU time.
"""

import argparse
import os
import platform
import resource
import time
import tracemalloc
from pathlib import Path

import numpy as np
from sklearn.neighbors import KNeighborsClassifier

import mlearn
from mlearn import ITMLSupervised
from mlearn.datasets import make_classification_stream

ROOT = Path(__file__).resolve().parents[1]
PAGE_MIB = os.sysconf("SC_PAGE_SIZE") / 2**20


def make_learners(seed):
    """The streamed learners, by name; OASIS joins when this mlearn has it."""
    learners = {"ITMLSupervised": ITMLSupervised(random_state=seed)}
    try:
        from mlearn.deep import DeepMetricLearner

        learners["DeepMetricLearner (MLP)"] = DeepMetricLearner(random_state=seed)
    except ImportError:  # torch is optional
        pass
    if hasattr(mlearn, "OASISSupervised"):
        learners["OASISSupervised"] = mlearn.OASISSupervised(random_state=seed)
    return learners


def resident_mib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_MIB


def knn_accuracy(learner, reference, test):
    """5-NN accuracy of the test queries among the reference points, in the learner's space."""
    (X_ref, y_ref), (X_test, y_test) = reference, test
    if learner is None:
        return KNeighborsClassifier(5).fit(X_ref, y_ref).score(X_test, y_test)
    if hasattr(learner, "transform"):
        Z_ref, Z_test = learner.transform(X_ref), learner.transform(X_test)
        return KNeighborsClassifier(5).fit(Z_ref, y_ref).score(Z_test, y_test)
    # A bilinear similarity: the 5 references of largest x W x'ᵀ vote.
    similarity = X_test @ learner.get_bilinear_matrix() @ X_ref.T
    nearest = np.argpartition(-similarity, 5, axis=1)[:, :5]
    votes = y_ref[nearest]
    predicted = np.array([np.bincount(row).argmax() for row in votes])
    return float(np.mean(predicted == y_test))


def timed_call(learner, X, y, trace):
    """(seconds, traced peak MiB or nan) of one partial_fit call."""
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    learner.partial_fit(X, y)
    seconds = time.perf_counter() - start
    peak = np.nan
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return seconds, peak


def checkpoints(args):
    """Log-spaced chunk counts at which accuracy is measured, with the deep learner's last."""
    marks = {int(m) for m in np.unique(np.geomspace(1, args.n_chunks, 12).round())}
    last_deep = {args.deep_chunks} if args.deep_chunks else set()
    return sorted(marks | {args.n_chunks} | last_deep)


def stream_learners(args, learners, reference, test):
    """Feed every chunk to every learner; rows (name, chunks, points, accuracy, peak, rss)."""
    stream = make_classification_stream(args.n_chunks + 1, args.chunk_size, random_state=args.seed)
    next(stream)  # the held-out chunk
    marks, rows = set(checkpoints(args)), []
    seconds = dict.fromkeys(learners, 0.0)
    peaks = dict.fromkeys(learners, 0.0)
    deep_chunks = args.n_chunks if args.deep_chunks is None else args.deep_chunks
    for index, (X, y) in enumerate(stream, start=1):
        active = {n: est for n, est in learners.items() if "Deep" not in n or index <= deep_chunks}
        for name, learner in active.items():
            spent, peak = timed_call(learner, X, y, trace="Deep" not in name)
            seconds[name] += spent
            peaks[name] = np.nanmax([peaks[name], peak])
        if index in marks:
            rss = resident_mib()
            for name, learner in active.items():
                accuracy = knn_accuracy(learner, reference, test)
                peak = peaks[name] if "Deep" not in name else np.nan
                rows.append((name, index, index * args.chunk_size, accuracy, peak, rss))
                peaks[name] = 0.0
            scores = "  ".join(f"{row[0].split()[0]} {row[3]:.3f}" for row in rows[-len(active) :])
            print(f"chunk {index:>5}  rss {rss:7.1f} MiB  {scores}", flush=True)
    return rows, seconds


def batch_baseline(args, reference, test):
    """ITMLSupervised.fit on the largest prefix of the stream within the memory budget."""
    n_features = next(make_classification_stream(1, 1, random_state=args.seed))[0].shape[1]
    n_points = int(args.budget_mib * 2**20 // (8 * (n_features + 1)))
    n_chunks = max(1, min(args.n_chunks, n_points // args.chunk_size))
    stream = make_classification_stream(n_chunks + 1, args.chunk_size, random_state=args.seed)
    next(stream)
    X, y = (np.concatenate(parts) for parts in zip(*stream, strict=True))
    per_chunk = 20 * np.unique(y).shape[0] ** 2
    learner = ITMLSupervised(n_constraints=per_chunk * n_chunks, random_state=args.seed)
    tracemalloc.start()
    start = time.perf_counter()
    learner.fit(X, y)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return X.shape[0], knn_accuracy(learner, reference, test), seconds, peak


def write_report(args, rows, seconds, batch, euclidean, command, wall):
    names = list(dict.fromkeys(row[0] for row in rows))
    final = {row[0]: row for row in rows}  # each learner's last checkpoint
    n_total = args.n_chunks * args.chunk_size
    lines = [
        "# Online metric learning on a stream too large to hold",
        "",
        f"`{command}`",
        "",
        f"{n_total:,} points streamed ({args.n_chunks:,} chunks of {args.chunk_size:,}; "
        f"{n_total * 25 * 8 / 2**30:.2f} GiB of float64), held-out accuracy = 5-NN of "
        f"{args.n_test:,} test points among {args.n_reference:,} reference points of the "
        f"held-out first chunk. Python {platform.python_version()}, numpy {np.__version__}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; the whole run took "
        f"{wall / 60:.1f} min of wall time.",
        "",
        "| learner | points seen | held-out accuracy | partial_fit s (total) "
        "| peak MiB per call | process RSS MiB |",
        "|---|---|---|---|---|---|",
        f"| Euclidean kNN (baseline) | – | {euclidean:.3f} | – | – | – |",
        f"| ITMLSupervised.fit on {batch[0]:,} points ({args.budget_mib} MiB budget) "
        f"| {batch[0]:,} | {batch[1]:.3f} | {batch[2]:.1f} (fit) | {batch[3]:.1f} | – |",
    ]
    for name in names:
        _, _, points, accuracy, peak, rss = final[name]
        peak_text = "–" if np.isnan(peak) else f"{peak:.1f}"
        lines.append(
            f"| {name} | {points:,} | {accuracy:.3f} | {seconds[name]:.1f} | {peak_text} "
            f"| {rss:.0f} |"
        )
    lines += ["", "Along the stream (accuracy; peak MiB per call since the previous row):", ""]
    lines += ["| chunks | points | " + " | ".join(names) + " | RSS MiB |"]
    lines += ["|---" * (len(names) + 3) + "|"]
    for index in checkpoints(args):
        at = {row[0]: row for row in rows if row[1] == index}
        cells = [_cell(at.get(n)) for n in names]
        rss = next(iter(at.values()))[5]
        lines.append(
            f"| {index:,} | {index * args.chunk_size:,} | " + " | ".join(cells) + f" | {rss:.0f} |"
        )
    return "\n".join(lines) + "\n"


def _cell(row):
    """Accuracy (and the traced peak MiB per call, where traced) of a checkpoint row, or –."""
    if row is None:
        return "–"
    return f"{row[3]:.3f}" + ("" if np.isnan(row[4]) else f" ({row[4]:.1f})")


def plot(args, rows, batch, euclidean, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for name in dict.fromkeys(row[0] for row in rows):
        mine = [row for row in rows if row[0] == name]
        left.plot([r[2] for r in mine], [r[3] for r in mine], marker="o", label=name)
        if not np.isnan(mine[-1][4]):
            right.plot(
                [r[2] for r in mine],
                [r[4] for r in mine],
                marker="o",
                label=f"{name} (peak per call)",
            )
    left.axhline(euclidean, color="grey", linestyle="--", label="Euclidean kNN")
    left.scatter([batch[0]], [batch[1]], color="black", marker="*", s=120, zorder=3,
                 label=f"ITMLSupervised.fit, {args.budget_mib} MiB")  # fmt: skip
    mine = [row for row in rows if row[0] == rows[0][0]]
    right.plot([r[2] for r in mine], [r[5] for r in mine], color="black", label="process RSS")
    for axis in (left, right):
        axis.set_xscale("log")
        axis.set_xlabel("points seen")
    left.set_ylabel("held-out 5-NN accuracy")
    right.set_ylabel("MiB (log)")
    # Log scale: the first call (fit's default bounds from 10⁶ point pairs) and the process
    # dwarf the later calls.
    right.set_yscale("log")
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="30 chunks of 1,000")
    parser.add_argument("--n-chunks", type=int, default=1000)
    parser.add_argument("--chunk-size", type=int, default=10_000)
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--n-reference", type=int, default=5000)
    parser.add_argument("--budget-mib", type=int, default=16)
    parser.add_argument(
        "--deep-chunks", type=int, default=None,
        help="stream only this many chunks to the deep learner (default: all)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "stream.md"))
    args = parser.parse_args()
    if args.quick:
        args.n_chunks, args.chunk_size, args.n_test, args.n_reference = 30, 1000, 500, 500
        args.budget_mib = min(args.budget_mib, 1)
    if args.n_test + args.n_reference > args.chunk_size:
        parser.error("--n-test + --n-reference must fit in the held-out chunk (--chunk-size)")
    command = "OPENBLAS_NUM_THREADS=1 python benchmarks/stream.py " + (
        "--quick" if args.quick else f"--n-chunks {args.n_chunks} --chunk-size {args.chunk_size}"
        + f" --budget-mib {args.budget_mib}"
        + ("" if args.deep_chunks is None else f" --deep-chunks {args.deep_chunks}")
    )  # fmt: skip
    start = time.perf_counter()
    X, y = next(make_classification_stream(1, args.chunk_size, random_state=args.seed))
    test = X[: args.n_test], y[: args.n_test]
    reference = (
        X[args.n_test : args.n_test + args.n_reference],
        y[args.n_test : args.n_test + args.n_reference],
    )
    euclidean = knn_accuracy(None, reference, test)
    batch = batch_baseline(args, reference, test)
    n_batch, batch_accuracy, batch_seconds, _ = batch
    print(f"Euclidean {euclidean:.3f}; batch on {n_batch:,}: {batch_accuracy:.3f}")
    print(f"batch fit {batch_seconds:.1f} s")
    rows, seconds = stream_learners(args, make_learners(args.seed), reference, test)
    out = Path(args.out)
    wall = time.perf_counter() - start
    out.write_text(write_report(args, rows, seconds, batch, euclidean, command, wall))
    plot(args, rows, batch, euclidean, out.with_suffix(".png"))
    print(out.read_text())
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process: {peak_rss:.0f} MiB")


if __name__ == "__main__":
    main()
