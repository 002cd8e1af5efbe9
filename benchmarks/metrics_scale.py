"""Time and peak memory of ``mlearn.metrics.retrieval_scores`` on 60,000 × 128 embeddings.

The scores rank every reference for every query, in blocks of queries sized by scikit-learn's
``working_memory`` (``mlearn/_blocks.rows_per_block``), so memory follows that budget, not
n². This measures the case the module promises to handle: 60,000 points of dimension 128
(the size of MNIST's training set under a 128-dimensional embedding), each point a query
against the other 59,999, 10 classes (so R = 5,999 and MAP@R ranks 5,999 neighbours deep).
The embeddings are Gaussian clusters, one per class. The dense n × n distance matrix alone
would take 60,000² × 8 B = 28.8 GB.

Peak memory is the largest ``tracemalloc`` total during the call (numpy reports its
allocations to it) beyond the inputs; time is wall and CPU (``process_time``) on one BLAS
thread; each setting is run ``--repeats`` times and the median is reported.

Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/metrics_scale.py [--n 60000] [--d 128]
        [--working-memory 1024 256] [--repeats 3] [--out FILE.md]
"""

import argparse
import statistics
import time
import tracemalloc

import numpy as np
from sklearn import config_context

from mlearn.metrics import retrieval_scores


def clustered_embeddings(n, d, n_classes=10, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    centres = rng.normal(size=(n_classes, d))
    return (centres[y] + rng.normal(scale=2.0, size=(n, d))).astype(np.float32), y


def measure(X, y, metric, working_memory):
    """(wall s, CPU s, peak MiB above the inputs, scores) of one call."""
    tracemalloc.start()
    wall, cpu = time.perf_counter(), time.process_time()
    with config_context(working_memory=working_memory):
        scores = retrieval_scores(X, y, metric=metric, k=(1, 10))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return wall, cpu, peak, scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=60000)
    parser.add_argument("--d", type=int, default=128)
    parser.add_argument("--working-memory", type=int, nargs="+", default=[1024, 256])
    parser.add_argument("--metrics", nargs="+", default=["euclidean", "cosine"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out")
    args = parser.parse_args()
    X, y = clustered_embeddings(args.n, args.d)
    lines = [
        f"# retrieval_scores on {args.n:,} × {args.d} float32 embeddings, 10 classes",
        "",
        f"`OPENBLAS_NUM_THREADS=1 python benchmarks/metrics_scale.py --n {args.n} --d {args.d}"
        f" --working-memory {' '.join(map(str, args.working_memory))}"
        f" --metrics {' '.join(args.metrics)} --repeats {args.repeats}`",
        "",
        "| metric | working_memory (MiB) | wall s (median) | CPU s (median) | peak MiB "
        "| MAP@R | P@1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for metric in args.metrics:
        for memory in args.working_memory:
            runs = [measure(X, y, metric, memory) for _ in range(args.repeats)]
            wall, cpu, peak = (statistics.median(r[i] for r in runs) for i in range(3))
            scores = runs[0][3]
            lines.append(
                f"| {metric} | {memory} | {wall:.1f} | {cpu:.1f} | {peak:.0f} "
                f"| {scores['map_at_r']:.4f} | {scores['precision_at_1']:.4f} |"
            )
            print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    if args.out:
        with open(args.out, "w") as file:
            file.write(text)
    print(text)


if __name__ == "__main__":
    main()
