"""LSMLSupervised and SDMLSupervised on digits: kNN accuracy over the seeds that draw the tuples.

The harness (``benchmarks/run.py``) fits each library once per fold with ``random_state=0``;
the two libraries draw different quadruplets / pairs from the same seed, so their accuracies
differ by the draw as well as by the learner. This script repeats the harness protocol
(stratified 10-fold CV shuffled with ``random_state=0``, min-max scaler fitted per fold,
3-NN on the transformed points) for several seeds of the learners, in both libraries
(metric-learn in its own interpreter, its SDML through ``peer_compat.py`` with the balance
the harness gives it), and reports each seed's accuracy and the mean and standard deviation
over seeds. One BLAS thread.

Usage (from the repository root)::

    OPENBLAS_NUM_THREADS=1 python benchmarks/lsml_sdml_seeds.py \
        --peer-python .peer-venv/bin/python > benchmarks/results/lsml_sdml/seeds.md
"""

import argparse
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np

SEEDS = range(5)
# As benchmarks/registry.py gives metric-learn's SDML (its default 0.5 is unbounded here).
PEER_SDML_BALANCE = 3.6e-4


def accuracy(make, X, y):
    """Mean 3-NN accuracy over the harness's 10 folds, the learner fitted on min-max scaled
    training folds."""
    from sklearn.model_selection import StratifiedKFold
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.preprocessing import MinMaxScaler

    scores = []
    for train, test in StratifiedKFold(10, shuffle=True, random_state=0).split(X, y):
        scaler = MinMaxScaler().fit(X[train])
        learner = make().fit(scaler.transform(X[train]), y[train])
        Z_train = learner.transform(scaler.transform(X[train]))
        Z_test = learner.transform(scaler.transform(X[test]))
        scores.append(KNeighborsClassifier(3).fit(Z_train, y[train]).score(Z_test, y[test]))
    return float(np.mean(scores))


def learners(peer):
    """{name: seed -> estimator} for this interpreter's library."""
    if peer:
        sys.path.insert(0, str(Path(__file__).parent))
        from metric_learn import LSML_Supervised
        from peer_compat import SDML_Supervised

        return {
            "LSMLSupervised": lambda seed: LSML_Supervised(random_state=seed),
            "SDMLSupervised": lambda seed: SDML_Supervised(
                balance_param=PEER_SDML_BALANCE, random_state=seed
            ),
        }
    from mlearn import LSMLSupervised, SDMLSupervised

    return {
        "LSMLSupervised": lambda seed: LSMLSupervised(random_state=seed),
        "SDMLSupervised": lambda seed: SDMLSupervised(random_state=seed),
    }


def scores(peer):
    """{learner: [accuracy per seed]} in this interpreter."""
    from sklearn.datasets import load_digits
    from threadpoolctl import threadpool_limits

    X, y = load_digits(return_X_y=True)
    out = {}
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, make in learners(peer).items():
            out[name] = [accuracy(lambda m=make, s=seed: m(s), X, y) for seed in SEEDS]
            print(f"  {'peer' if peer else 'mlearn'} {name}: {out[name]}", file=sys.stderr)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-python", required=True)
    args = parser.parse_args()
    ours = scores(peer=False)
    answer = subprocess.run(
        [args.peer_python, __file__, "--peer"], capture_output=True, text=True, check=True
    )
    theirs = json.loads(answer.stdout.strip().splitlines()[-1])
    seeds = " | ".join(f"seed {seed}" for seed in SEEDS)
    print(
        "Command: `OPENBLAS_NUM_THREADS=1 python benchmarks/lsml_sdml_seeds.py --peer-python "
        ".peer-venv/bin/python` (digits; harness protocol: 10-fold CV, min-max per fold, 3-NN; "
        "metric-learn 0.7.0 on scikit-learn 1.5.2)\n"
    )
    print(f"| learner | library | {seeds} | mean | sd over seeds |")
    print("|---|---|" + "---|" * len(SEEDS) + "---|---|")
    for name in ours:
        for library, values in (("mlearn", ours[name]), ("metric-learn", theirs[name])):
            cells = " | ".join(f"{v:.4f}" for v in values)
            print(
                f"| {name} | {library} | {cells} | {np.mean(values):.4f} | "
                f"{np.std(values, ddof=1):.4f} |"
            )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--peer"]:
        print(json.dumps(scores(peer=True)))
    else:
        main()
