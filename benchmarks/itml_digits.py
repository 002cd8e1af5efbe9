"""ITMLSupervised against metric-learn's ITML_Supervised on digits, fits interleaved.

``run.py`` times all of mlearn's repeats, then all of the peer's; on a shared machine
whose load changes by the minute that biases the ratio. Here each round fits mlearn once
and the peer once, back to back, through the harness's own pieces (registry entry, split,
``measure_estimator``, ``run_peer``), and the speed-up is the median of the per-round
ratios.

    python benchmarks/itml_digits.py --rounds 3 --peer-python /work/peer-venv/bin/python
"""

import argparse
from statistics import median

from datasets import load_dataset, scaled_train_test_split
from measure import blas_threads, measure_estimator
from peer import run_peer
from registry import get_benchmark


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--peer-python", required=True)
    args = parser.parse_args(argv)
    benchmark = get_benchmark("ITMLSupervised")
    split = scaled_train_test_split(*load_dataset("digits"))
    ratios = []
    print("| round | mlearn fit (s) | metric-learn fit (s) | ratio | mlearn acc | peer acc |")
    print("|---|---|---|---|---|---|")
    for round_ in range(1, args.rounds + 1):
        with blas_threads(args.threads):
            timing, accuracy = measure_estimator(benchmark.new_estimator, split, True, 1, 5)
        peer = run_peer(
            args.peer_python, benchmark.peer, split, True, args.threads, 1, 5, timeout=1200
        )
        if peer.error:
            raise SystemExit(f"peer failed: {peer.error}")
        ratios.append(peer.fit_time_s / timing.median_s)
        print(
            f"| {round_} | {timing.median_s:.2f} | {peer.fit_time_s:.1f} | {ratios[-1]:.1f}× "
            f"| {accuracy:.4f} | {peer.accuracy:.4f} |",
            flush=True,
        )
    print(f"median speed-up over {args.rounds} rounds: {median(ratios):.1f}×")


if __name__ == "__main__":
    main()
