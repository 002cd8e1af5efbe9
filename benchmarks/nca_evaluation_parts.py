"""Where one NCA loss-and-gradient evaluation spends its time, against metric-learn's.

On the training part of digits as ``benchmarks/nca_mlkr_peer.py`` splits it (1,257 × 64,
min-max scaled, L = I, k = 64), CPU seconds (``time.process_time``, the minimum of the
repeats, one BLAS thread) of: mlearn's whole evaluation; the two n × n × k products it
cannot avoid, the distances' Z Zᵀ and the gradient's Zᵀ (W + Wᵀ), each timed alone; and
metric-learn 0.7.0's evaluation (its ``NCA._loss_grad_lbfgs``, the n × n formulation) in the
peer interpreter. The ratio of metric-learn's evaluation to the two products is the most any
evaluation that makes those products can gain at the same number of evaluations.

Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/nca_evaluation_parts.py --peer-python PEER \\
        [--repeats 15]

The peer side is this same file run as ``PEER nca_evaluation_parts.py --peer REPEATS``.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def digits_train():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler

    X, y = load_digits(return_X_y=True)
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    return MinMaxScaler().fit_transform(X_train), y_train


def cpu_seconds(function, repeats):
    """The smallest CPU time of ``repeats`` calls (the least disturbed by other jobs)."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        function()
        times.append(time.process_time() - start)
    return min(times)


def peer_main(repeats):
    from metric_learn import NCA
    from threadpoolctl import threadpool_limits

    X, y = digits_train()
    model, mask = NCA(), y[:, None] == y[None, :]
    model.n_iter_ = 0  # read by its loss during a fit
    L = np.eye(X.shape[1]).ravel()
    with threadpool_limits(1, user_api="blas"):
        seconds = cpu_seconds(lambda: model._loss_grad_lbfgs(L, X, mask, -1.0), repeats)
    print(json.dumps({"evaluation": seconds}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-python", required=True)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from threadpoolctl import threadpool_limits

    from mlearn._pair_softmax import softmax_loss_and_grad
    from mlearn.nca._objective import ClassPairSoftmax, one_hot_classes

    X, y = digits_train()
    n, d = X.shape
    evaluator = ClassPairSoftmax(0, X, one_hot_classes(y, 10, X.dtype))
    loss_and_grad = softmax_loss_and_grad(evaluator, d, d, X.dtype)
    L = np.eye(d).ravel()
    Z = X - X.mean(axis=0)
    W = np.random.default_rng(0).random((n, n))
    # The float32 stage that NCA takes for float64 data at tol >= 1e-6 (its default).
    X32 = X.astype(np.float32)
    evaluator32 = ClassPairSoftmax(0, X32, one_hot_classes(y, 10, np.float32))
    loss_and_grad32 = softmax_loss_and_grad(evaluator32, d, d, np.float32)
    Z32, W32 = Z.astype(np.float32), W.astype(np.float32)
    with threadpool_limits(1, user_api="blas"):
        loss_and_grad(L)  # compiles (or loads) the row passes
        loss_and_grad32(L)
        ours = cpu_seconds(lambda: loss_and_grad(L), args.repeats)
        ours32 = cpu_seconds(lambda: loss_and_grad32(L), args.repeats)
        distances = cpu_seconds(lambda: Z @ Z.T, args.repeats)
        directions = cpu_seconds(lambda: Z.T @ W, args.repeats)
        products32 = cpu_seconds(lambda: (Z32 @ Z32.T, Z32.T @ W32), args.repeats)
    out = subprocess.run(
        [args.peer_python, __file__, "--peer", str(args.repeats)],
        capture_output=True,
        text=True,
        check=True,
    )
    peer = json.loads(out.stdout.strip().splitlines()[-1])["evaluation"]
    products = distances + directions
    print(f"# One NCA evaluation on digits ({n} × {d}, k = {d}), CPU ms, min of {args.repeats}")
    print()
    print("| part | ms |")
    print("|---|---|")
    print(f"| mlearn: whole evaluation | {1e3 * ours:.1f} |")
    print(f"| the distances' product Z Zᵀ alone | {1e3 * distances:.1f} |")
    print(f"| the gradient's product Zᵀ (W + Wᵀ) alone | {1e3 * directions:.1f} |")
    print(f"| mlearn, float32 stage: whole evaluation | {1e3 * ours32:.1f} |")
    print(f"| the two products in float32 alone | {1e3 * products32:.1f} |")
    print(f"| metric-learn 0.7.0: whole evaluation | {1e3 * peer:.1f} |")
    print()
    print(
        f"metric-learn / mlearn: {peer / ours:.2f}× (float64), {peer / ours32:.2f}× (float32 "
        f"stage); metric-learn / the two products: {peer / products:.2f}× in float64, "
        f"{peer / products32:.2f}× in float32 (the most that any evaluation making them can "
        "gain)."
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--peer"]:
        peer_main(int(sys.argv[2]))
    else:
        main()
