"""Every pass of the Dask LMNN fit scored: the held-out choice of passes against test points.

``LMNN()`` on the dask array of ``benchmarks/dask_scale.py`` (``--n-samples`` points in row blocks
of ``--chunk-rows``, one worker of one thread) chooses its passes on a held-out part of the points
(:mod:`mlearn.lmnn._passes`). This script keeps the map L of every pass the fit scored (it wraps
the held-out scorer; the fit itself is unchanged) and reports, per pass: the held-out kNN
accuracy the rule saw, the points won and lost against pass 1 with the sign test's margin
(``MIN_GAIN_IN_SD`` standard deviations), and the 3-NN accuracy of the script's own test points
(generated from blocks the fit never sees, as in ``dask_scale.py``), with LDA's and the
Euclidean metric on the informative features alone (the generator's own, a reference ceiling),
against the 20,000 reference points of ``dask_scale.py`` and against ``--big-reference`` (the
same 20,000 and more from further unseen blocks): the held-out rule's kNN has every fitted point
as a reference, and denser references narrow the gaps between metrics.
A diagnostic: the test points choose nothing.

::

    python benchmarks/dask_passes_check.py --n-samples 100000
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from dask_scale import (  # noqa: E402
    N_FEATURES,
    N_INFORMATIVE,
    dask_lda,
    knn_accuracy,
    local_client,
    make_block,
    problem_and_test_points,
)


def scored_passes():
    """Wrap the held-out scorer so that it keeps each pass's L and what it got right."""
    from mlearn.lmnn import _passes

    seen, original = [], _passes.HeldOutAccuracy.__call__

    def recording(self, L):
        correct = original(self, L)
        seen.append((np.array(L), correct))
        return correct

    _passes.HeldOutAccuracy.__call__ = recording
    return seen


def big_reference(reference, n_blocks, args):
    """The 20,000 reference points and more from the blocks after the test points' blocks."""
    first = n_blocks + -(-(20_000 + 5_000) // args.chunk_rows)
    count = -(-(args.big_reference - len(reference[1])) // args.chunk_rows)
    data = np.vstack([make_block(args.chunk_rows, args.noise, first + b) for b in range(count)])
    X = np.vstack([reference[0], data[:, :N_FEATURES]])[: args.big_reference]
    y = np.concatenate([reference[1], data[:, N_FEATURES].astype(np.intp)])[: args.big_reference]
    return X, y


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-samples", type=int, default=100_000)
    parser.add_argument("--chunk-rows", type=int, default=2_000)
    parser.add_argument("--noise", type=float, default=2.0)
    parser.add_argument("--memory-limit", default="4GiB")
    parser.add_argument("--big-reference", type=int, default=200_000)
    parser.add_argument("--init", default="auto", help="LMNN's init (an experiment)")
    parser.add_argument(
        "--max-held-out",
        type=int,
        help="an experiment: the held-out rule's cap on held-out points (default: the rule's)",
    )
    args = parser.parse_args(argv)
    X, y, n_blocks, reference, queries = problem_and_test_points(args, 20_000, 5_000)
    from mlearn import LMNN
    from mlearn.lmnn._passes import MIN_GAIN_IN_SD, wins_and_losses

    big = big_reference(reference, n_blocks, args)
    seen = scored_passes()
    if args.max_held_out is not None:
        from mlearn.lmnn import _passes

        _passes.MAX_HELD_OUT = args.max_held_out
    with local_client(1, args.memory_limit):
        L_lda, _ = dask_lda(X, y)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = LMNN(n_neighbors=3, init=args.init, random_state=0).fit(X, y)
        elapsed = time.perf_counter() - start
    print(f"{args.n_samples:,} points in {n_blocks} blocks of {args.chunk_rows:,}; one worker")
    print(f"LMNN(init={args.init!r}), MAX_HELD_OUT {args.max_held_out or 'as the rule has it'}")
    print(f"held out: {len(seen[0][1]):,} points" if seen else "no held-out points")
    print(
        f"LMNN() {elapsed:.1f} s, {model.n_iter_} iterations, "
        f"kept pass {model.n_passes_} of {len(seen)} scored"
    )
    sizes = f"{len(reference[1]):,} / {len(big[1]):,} references"

    def test_scores(transform):
        return " / ".join(f"{knn_accuracy(transform, r, queries):.4f}" for r in (reference, big))

    print(f"test 3-NN against {sizes}:")
    print(f"Euclidean {test_scores(lambda Z: Z)}")
    print(f"informative features only {test_scores(lambda Z: Z[:, :N_INFORMATIVE])}")
    print(f"LDA {test_scores(lambda Z: Z @ L_lda.T)}")
    print(
        f"| pass | held-out 3-NN | won / lost against pass 1 | margin (sd) | test 3-NN, {sizes} |"
    )
    print("|---|---|---|---|---|")
    first = seen[0][1]
    for number, (L, correct) in enumerate(seen, start=1):
        won, lost = wins_and_losses(correct, first)
        margin = (won - lost) / np.sqrt(won + lost) if won + lost else 0.0
        test = test_scores(lambda Z, L=L: Z @ L.T)
        print(
            f"| {number} | {correct.mean():.4f} | {won} / {lost} | {margin:.2f} "
            f"(needs {MIN_GAIN_IN_SD}) | {test} |"
        )


if __name__ == "__main__":
    main()
